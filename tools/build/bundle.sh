#!/usr/bin/env bash
# bundle.sh OUTDIR...: the bundle the hyp hands to the VMM (the same for
# every platform and build flavour), as build/bundle/ and build/bundle.cpio
# (cpio "newc"), made from
#   guests/*.bin    the test guests (make -C tests/guests)
#   linux/Image     the guest kernel (build/cache/root/linux-Image, fetch.sh)
#   linux/initrd.gz the initramfs (initramfs.sh)
#   vms/*.cfg       configs/vms/
#   disks/test.img  the test disk (mkdisk.sh; its files stay in build/disk/)
#   MANIFEST        the version and the time the bundle was made
# and linked into each OUTDIR as bundle/ and bundle.cpio. Made again only
# when an input changed; a new file each time, never rewritten in place, so
# that a build still linked to the old one keeps it.
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

make -s -C "$ROOT/tests/guests" O="$BUILD/guests"
"$TOOLS/initramfs.sh" "$BUILD/initramfs.gz"
SOURCE_DATE_EPOCH=$EPOCH "$TOOLS/mkdisk.sh" "$BUILD/disk"

dir=$BUILD/bundle
cpio=$BUILD/bundle.cpio
inputs=("$SCRIPT" "$BUILD"/guests/*.bin "$CACHE/root/linux-Image" "$BUILD/initramfs.gz"
	"$ROOT"/configs/vms/*.cfg "$BUILD/disk/test.img" "$cpio")
if ! up_to_date bundle "$HYP_VERSION" "${inputs[@]}"; then
	rm -rf "$dir"
	mkdir -p "$dir/guests" "$dir/linux" "$dir/vms" "$dir/disks"
	cp "$ROOT"/configs/vms/*.cfg "$dir/vms/"
	cp "$BUILD"/guests/*.bin "$dir/guests/"
	cp "$CACHE/root/linux-Image" "$dir/linux/Image"
	cp "$BUILD/initramfs.gz" "$dir/linux/initrd.gz"
	cp "$BUILD/disk/test.img" "$dir/disks/test.img"
	printf 'bundle of %s, built %s\n' "$HYP_VERSION" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/MANIFEST"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc >"$cpio.tmp")
	mv "$cpio.tmp" "$cpio"
	record bundle "$HYP_VERSION" "${inputs[@]}"
fi

# Hard links (copies across file systems), remade when the bundle is new.
for out in "$@"; do
	[[ $out/bundle.cpio -ef $cpio && -d $out/bundle ]] && continue
	rm -rf "$out/bundle" "$out/bundle.cpio"
	cp -al "$dir" "$out/bundle" 2>/dev/null || cp -a "$dir" "$out/bundle"
	ln "$cpio" "$out/bundle.cpio" 2>/dev/null || cp "$cpio" "$out/bundle.cpio"
done
