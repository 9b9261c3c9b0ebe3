#!/usr/bin/env bash
# initramfs.sh OUT: the Linux guests' initramfs (gzip'd cpio "newc") at OUT,
# made from busybox-static (build/cache/root/bin/busybox), e2fsck-static
# (as /sbin/e2fsck),
# tools/initramfs/init and etc/ (busybox init's table, the shutdown path,
# acpid's configuration and key scripts), and in /lib/modules the kernel
# modules and their load-order (build/cache/root/linux-modules, from
# fetch.sh). Fixed modes, owners and times: the same inputs give the same
# bytes. Made again only when an input changed.
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$(realpath -m "${1:?usage: initramfs.sh OUT}")
dir=$BUILD/initramfs
mods=$CACHE/root/linux-modules
etc=$ROOT/tools/initramfs/etc
scripts=(rc.shutdown acpi/power acpi/restart)
mapfile -t etc_files < <(find "$etc" -type f | LC_ALL=C sort)
inputs=("$SCRIPT" "$CACHE/root/bin/busybox" "$CACHE/root/sbin/e2fsck.static"
	"$ROOT/tools/initramfs/init"
	"${etc_files[@]}" "$mods/load-order" "$mods"/*.ko "$out")
up_to_date initramfs "epoch=$EPOCH" "${inputs[@]}" && exit 0

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/sbin" "$dir/dev" "$dir/proc" "$dir/sys" "$dir/tmp" "$dir/lib/modules"
cp "$CACHE/root/bin/busybox" "$dir/bin/busybox"
cp "$CACHE/root/sbin/e2fsck.static" "$dir/sbin/e2fsck"
ln -s busybox "$dir/bin/sh"
cp "$ROOT/tools/initramfs/init" "$dir/init"
cp -r "$etc" "$dir/etc"
cp "$mods"/*.ko "$mods/load-order" "$dir/lib/modules/"
find "$dir" -type d -exec chmod 755 {} +
find "$dir" -type f -exec chmod 644 {} +
chmod 755 "$dir/init" "$dir/bin/busybox" "$dir/sbin/e2fsck" "${scripts[@]/#/$dir/etc/}"
find "$dir" -exec touch -h -d "@$EPOCH" {} +
(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
record initramfs "epoch=$EPOCH" "${inputs[@]}"
