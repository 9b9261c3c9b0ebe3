#!/usr/bin/env bash
# fetch.sh: the target (arm64) files the boot media and the tests need,
# from Debian packages downloaded into build/cache/debs and unpacked under
# build/cache/root, never installed on the build machine:
#   u-boot-rpi, raspi-firmware, busybox-static, e2fsck-static   unpacked whole
#   linux-Image            the kernel of linux-image-cloud-arm64 (the guest)
#   bcm2711-rpi-4-b.dtb    the Pi 4 device tree of linux-image-arm64
#   linux-modules/         GUEST_MODULES and the modules they need, from the
#                          guest kernel's package, uncompressed, with
#                          load-order naming each after what it needs
# Each is fetched once; run ./build.sh deps first (it sets up apt).
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET_PACKAGES=(u-boot-rpi:arm64 raspi-firmware busybox-static:arm64 e2fsck-static:arm64)
# Modules of the guest kernel that go into the initramfs (the virtio-mmio
# transport, block, net, console, input, and evdev for the input device's
# /dev/input/event0, which acpid reads).
GUEST_MODULES=(virtio_mmio virtio_blk virtio_net virtio_console virtio_input evdev)

# deb NAME: the downloaded package NAME's file.
deb() {
	compgen -G "$CACHE/debs/${1%%:*}_*.deb" | head -n1
}

# fetch_deb PKG: downloads a Debian package (arm64 or all) into the cache.
fetch_deb() {
	[[ -z $(deb "$1") ]] || return 0
	mkdir -p "$CACHE/debs"
	say "downloading $1"
	(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$1" >/dev/null) ||
		die "cannot download $1 (run ./build.sh deps as root first)"
}

# extract_from_kernel META PATTERN NAME: one file of the arm64 kernel package
# that META depends on, as build/cache/root/NAME.
extract_from_kernel() {
	local meta=$1 pattern=$2 name=$3 kpkg
	[[ -f $CACHE/root/$name ]] && return 0
	kpkg=$(apt-cache depends "$meta:arm64" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[[ -n $kpkg ]] || die "cannot resolve $meta:arm64 (run ./build.sh deps)"
	fetch_deb "$kpkg"
	dpkg-deb --fsys-tarfile "$(deb "$kpkg")" |
		tar -x -O --wildcards "$pattern" >"$CACHE/root/$name.tmp"
	mv "$CACHE/root/$name.tmp" "$CACHE/root/$name"
}

# module_add NAME: copies module NAME (decompressed) after the modules it
# needs (its .modinfo "depends=", what depmod writes into modules.dep) into
# $MOD_OUT, and appends its file name to MOD_ORDER.
module_add() {
	local name=$1 src ko dep
	[[ -z ${MOD_SEEN[$name]:-} ]] || return 0
	MOD_SEEN[$name]=1
	src=${MOD_FILE[$name]:-}
	if [[ -z $src ]]; then
		if grep -Eq "/${name//_/[-_]}\.ko\$" "$MOD_TREE/modules.builtin" 2>/dev/null; then
			say "kernel module $name is built in"
			return 0
		fi
		die "no kernel module $name in $MOD_TREE"
	fi
	ko=${src##*/}
	case $ko in
	*.ko) cp "$src" "$MOD_OUT/$ko" ;;
	*.ko.xz) ko=${ko%.xz}; xz -dc "$src" >"$MOD_OUT/$ko" ;;
	*.ko.zst) ko=${ko%.zst}; zstd -dcq "$src" >"$MOD_OUT/$ko" ;;
	*.ko.gz) ko=${ko%.gz}; gzip -dc "$src" >"$MOD_OUT/$ko" ;;
	*) die "unknown kind of kernel module: $src" ;;
	esac
	for dep in $(aarch64-linux-gnu-objcopy -O binary --only-section=.modinfo "$MOD_OUT/$ko" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
		module_add "${dep//-/_}"
	done
	MOD_ORDER+=("$ko")
}

# extract_kernel_modules: build/cache/root/linux-modules from the package
# linux-Image came from.
extract_kernel_modules() {
	local dir=$CACHE/root/linux-modules tmp=$BUILD/modules.tmp rel kpkg stamp f n m
	rel=$(grep -a -o -m1 'Linux version [0-9][^ ]*' "$CACHE/root/linux-Image" | sed -n 1p || true)
	[[ -n $rel ]] || die "no 'Linux version' string in $CACHE/root/linux-Image"
	rel=${rel#Linux version }
	kpkg=linux-image-$rel
	stamp="$kpkg: ${GUEST_MODULES[*]}"
	[[ -f $dir/.stamp && $(<"$dir/.stamp") == "$stamp" ]] && return 0
	say "extracting kernel modules ${GUEST_MODULES[*]} and their dependencies from $kpkg"
	fetch_deb "$kpkg:arm64"
	rm -rf "$tmp"
	mkdir -p "$tmp/tree" "$tmp/out"
	dpkg-deb --fsys-tarfile "$(deb "$kpkg")" | tar -x -C "$tmp/tree" --wildcards "./lib/modules/$rel/*"
	MOD_TREE=$tmp/tree/lib/modules/$rel
	MOD_OUT=$tmp/out
	MOD_ORDER=()
	declare -gA MOD_FILE=() MOD_SEEN=()
	[[ -d $MOD_TREE/kernel ]] || die "$(deb "$kpkg") has no lib/modules/$rel/kernel"
	while read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		MOD_FILE[${n//-/_}]=$f
	done < <(find "$MOD_TREE/kernel" -name '*.ko*' | LC_ALL=C sort)
	for m in "${GUEST_MODULES[@]}"; do
		module_add "$m"
	done
	printf '%s\n' "${MOD_ORDER[@]}" >"$MOD_OUT/load-order"
	echo "$stamp" >"$MOD_OUT/.stamp"
	rm -rf "$dir"
	mv "$MOD_OUT" "$dir"
	rm -rf "$tmp"
	say "kernel modules, in load order: ${MOD_ORDER[*]}"
}

mkdir -p "$CACHE/root"
for p in "${TARGET_PACKAGES[@]}"; do
	if [[ ! -f $CACHE/root/.${p%%:*} ]]; then
		fetch_deb "$p"
		dpkg-deb -x "$(deb "$p")" "$CACHE/root"
		touch "$CACHE/root/.${p%%:*}"
	fi
done
# The Linux guest: Debian's arm64 cloud kernel (an uncompressed Image).
extract_from_kernel linux-image-cloud-arm64 './boot/vmlinuz-*' linux-Image
# The Pi 4 device tree comes with Debian's arm64 kernel package.
extract_from_kernel linux-image-arm64 '*/broadcom/bcm2711-rpi-4-b.dtb' bcm2711-rpi-4-b.dtb
extract_kernel_modules
