#!/usr/bin/env bash
# deps.sh [--check] [--bench]: the Debian packages the build machine needs,
# installed from Debian 12's archive (adding the arm64 architecture, and
# bookworm-backports for QEMU 10, which has the raspi4b machine). With
# --check, installs nothing and fails naming what is missing. With --bench,
# also what ./build.sh bench needs (matplotlib, for its plots).
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian packages the build machine needs (host architecture).
HOST_PACKAGES=(
	build-essential gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	device-tree-compiler u-boot-qemu u-boot-tools mtools dosfstools fdisk
	cpio python3 python3-kconfiglib python3-pytest python3-pexpect
	clang llvm libclang-rt-14-dev musl-tools musl-dev:arm64
	e2fsprogs xz-utils zstd
)
# Only for ./build.sh bench: its plots.
BENCH_PACKAGES=(python3-matplotlib)
# From bookworm-backports: QEMU 10, which has the raspi4b machine.
BACKPORT_PACKAGES=(qemu-system-arm)

missing_host_packages() {
	local p arch installed
	arch=$(dpkg --print-architecture)
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' "${HOST_PACKAGES[@]}" 2>/dev/null |
		awk '$1 == "ii" {print $2}' || true)
	for p in "${HOST_PACKAGES[@]}"; do
		grep -qxF -e "$p" -e "$p:$arch" <<<"$installed" || echo "$p"
	done
}

qemu_ok() {
	command -v qemu-system-aarch64 >/dev/null &&
		qemu-system-aarch64 -M help 2>/dev/null | grep -q '^raspi4b '
}

setup_apt_sources() {
	local changed=0 list=/etc/apt/sources.list.d/hyp-project.sources
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		say "adding the arm64 architecture"
		dpkg --add-architecture arm64
		changed=1
	fi
	if [[ ! -f $list ]] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		say "adding bookworm-backports and non-free-firmware to $list"
		cat >"$list" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
		changed=1
	fi
	if ((changed)) || [[ ! -f $CACHE/.apt-updated ]]; then
		say "apt-get update"
		apt-get update -qq || say "apt-get update reported errors; continuing"
		mkdir -p "$CACHE"
		touch "$CACHE/.apt-updated"
	fi
}

check=0
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--bench) HOST_PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
	*) die "deps.sh: unknown option $a (--check, --bench)" ;;
	esac
done
missing=$(missing_host_packages | tr '\n' ' ')
missing=${missing% }
if ((check)); then
	[[ -z $missing ]] || die "missing packages: $missing (run ./build.sh deps as root)"
	exit 0
fi
if [[ -z $missing ]] && qemu_ok && dpkg --print-foreign-architectures | grep -qx arm64; then
	say "deps: all present"
	exit 0
fi
[[ $(id -u) -eq 0 ]] || die "deps must run as root to install: $missing ${BACKPORT_PACKAGES[*]}"
setup_apt_sources
if [[ -n $missing ]]; then
	say "installing: $missing"
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
if ! qemu_ok; then
	say "installing QEMU from bookworm-backports"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-t bookworm-backports "${BACKPORT_PACKAGES[@]}"
fi
qemu_ok || die "qemu-system-aarch64 with the raspi4b machine is still missing"
say "deps: done"
