#!/usr/bin/env bash
# The single entry point of the project: ./build.sh help lists the commands.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$ROOT/build
CACHE=$BUILD/cache
PY=/usr/bin/python3
PLATFORMS=(qemu-virt rpi4)
VERSION_BASE=0.1.0

# Debian packages the build machine needs (host architecture).
HOST_PACKAGES=(
	build-essential gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	device-tree-compiler u-boot-qemu u-boot-tools mtools dosfstools fdisk
	cpio python3 python3-kconfiglib python3-pytest python3-pexpect
	clang llvm libclang-rt-14-dev musl-tools musl-dev:arm64
	e2fsprogs xz-utils zstd
)
# From bookworm-backports: QEMU 10, which has the raspi4b machine.
BACKPORT_PACKAGES=(qemu-system-arm)
# Target (arm64) packages: downloaded into build/cache and unpacked there,
# never installed on the build machine.
TARGET_PACKAGES=(u-boot-rpi:arm64 raspi-firmware busybox-static:arm64)
# Modules of the guest kernel that go into the initramfs (the virtio-mmio
# transport, block, net, console); extract_kernel_modules adds what they need.
GUEST_MODULES=(virtio_mmio virtio_blk virtio_net virtio_console)
# Time stamp of every file in the initramfs and the test disk, so that the
# same inputs give the same bytes.
EPOCH=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01 00:00:00 UTC

say() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<USAGE
Usage: ./build.sh COMMAND [ARGS]

  deps                  install the Debian packages the project needs (root)
  build [PLATFORM]      build the release image (the hyp, the VMM, the boot
                        medium) into build/PLATFORM/, and vmctl
                        (PLATFORM: qemu-virt (default) or rpi4)
  run [PLATFORM]        deps + build, then boot it in QEMU with the Linux VM
                        on this terminal (qemu-virt: gic-version=3; rpi4: the
                        raspi4b machine); Ctrl-] detaches to the VMM prompt,
                        Ctrl-A X quits; vmctl connects to build/run/vmm.sock
  test [GROUP...]       deps + build the release images and the test images
                        (build/PLATFORM-test/: the test-only calls on), then
                        every test group, or the named ones (unit, layout,
                        fuzz, model, boot, guests, linux, io, vmctl, hostile),
                        booting the test images; ends with "N passed, N failed"
  fuzz [SECONDS]        run each libFuzzer target for SECONDS (default 600)
  soak [MINUTES]        the long runs: the model at 10^6 operations, each fuzz
                        target 10 min, the hostile storm at 10^6 calls, 1,000
                        guest cycles, MINUTES (60) of three Linux VMs' I/O
  bench                 instructions per hyp call in QEMU (-icount shift=0),
                        ns per memory operation on this machine, the Linux
                        VM against a native boot, VM create and destroy;
                        QEMU boots the test image build/qemu-virt-test/ (the
                        grant and revoke rows need its test-only calls);
                        writes build/bench/results.json
  loc                   lines of the trusted code: what links into hyp.bin, by folder
  clean                 remove build/ except the download cache
  help                  this text

Run deps, run and test as root on Debian 12: they install what is missing.
USAGE
}

version() {
	local v
	v=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || true)
	echo "$VERSION_BASE${v:+-g$v}"
}

build_id() {
	local h
	h=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || true)
	echo "0x${h:-0}"
}

# ---------------------------------------------------------------- deps ----

missing_host_packages() {
	local p status
	for p in "${HOST_PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ $status == "install ok installed" ]] || echo "$p"
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

cmd_deps() {
	local missing
	missing=$(missing_host_packages)
	if [[ -z $missing ]] && qemu_ok && dpkg --print-foreign-architectures | grep -qx arm64; then
		say "deps: all present"
		return 0
	fi
	[[ $(id -u) -eq 0 ]] || die "deps must run as root to install: $(echo $missing) ${BACKPORT_PACKAGES[*]}"
	setup_apt_sources
	if [[ -n $missing ]]; then
		say "installing: $(echo $missing)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
	fi
	if ! qemu_ok; then
		say "installing QEMU from bookworm-backports"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports "${BACKPORT_PACKAGES[@]}"
	fi
	qemu_ok || die "qemu-system-aarch64 with the raspi4b machine is still missing"
	say "deps: done"
}

# --------------------------------------------------------------- fetch ----

# Downloads a Debian package (arm64 or all) into the cache and unpacks it.
fetch_deb() {
	local pkg=$1 debs=$CACHE/debs name
	name=${pkg%%:*}
	if compgen -G "$debs/${name}_*.deb" >/dev/null; then
		return 0
	fi
	mkdir -p "$debs"
	say "downloading $pkg"
	(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
		die "cannot download $pkg (run ./build.sh deps as root first)"
}

unpack_deb() {
	local name=$1 root=$CACHE/root deb
	deb=$(compgen -G "$CACHE/debs/${name}_*.deb" | head -n1)
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root"
}

fetch_target() {
	local p kpkg
	for p in "${TARGET_PACKAGES[@]}"; do
		if [[ ! -f $CACHE/root/.${p%%:*} ]]; then
			fetch_deb "$p"
			unpack_deb "${p%%:*}"
			touch "$CACHE/root/.${p%%:*}"
		fi
	done
	# The Linux guest: Debian's arm64 cloud kernel (an uncompressed Image).
	extract_from_kernel linux-image-cloud-arm64 './boot/vmlinuz-*' linux-Image
	# The Pi 4 device tree comes with Debian's arm64 kernel package.
	extract_from_kernel linux-image-arm64 '*/broadcom/bcm2711-rpi-4-b.dtb' bcm2711-rpi-4-b.dtb
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
	dpkg-deb --fsys-tarfile "$(compgen -G "$CACHE/debs/${kpkg%%:*}_*.deb" | head -n1)" |
		tar -x -O --wildcards "$pattern" >"$CACHE/root/$name.tmp"
	mv "$CACHE/root/$name.tmp" "$CACHE/root/$name"
}

# kernel_release: the release (uname -r) of build/cache/root/linux-Image.
kernel_release() {
	local r
	r=$(grep -a -o -m1 'Linux version [0-9][^ ]*' "$CACHE/root/linux-Image" | sed -n 1p || true)
	[[ -n $r ]] || die "no 'Linux version' string in $CACHE/root/linux-Image"
	echo "${r#Linux version }"
}

# module_depends KO: the modules KO needs (its .modinfo "depends=", which
# is what depmod would write into modules.dep), one a line.
module_depends() {
	aarch64-linux-gnu-objcopy -O binary --only-section=.modinfo "$1" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
}

# module_add NAME: copies module NAME (decompressed) after the modules it
# needs into $MOD_OUT, and appends its file name to MOD_ORDER. Uses MOD_TREE
# (the package's lib/modules/RELEASE), MOD_FILE and MOD_SEEN of
# extract_kernel_modules.
module_add() {
	local name=$1 src ko deps dep
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
	deps=$(module_depends "$MOD_OUT/$ko")
	for dep in $deps; do
		module_add "${dep//-/_}"
	done
	MOD_ORDER+=("$ko")
}

# extract_kernel_modules: GUEST_MODULES and every module they need, from the
# package linux-Image came from (the one extract_from_kernel resolved), as
# uncompressed build/cache/root/linux-modules/*.ko, and load-order there
# naming them one a line, each after the modules it needs.
extract_kernel_modules() {
	local dir=$CACHE/root/linux-modules tmp=$BUILD/modules.tmp rel kpkg stamp deb f n m
	extract_from_kernel linux-image-cloud-arm64 './boot/vmlinuz-*' linux-Image
	rel=$(kernel_release)
	kpkg=linux-image-$rel
	stamp="$kpkg: ${GUEST_MODULES[*]}"
	[[ -f $dir/.stamp && $(<"$dir/.stamp") == "$stamp" ]] && return 0
	say "extracting kernel modules ${GUEST_MODULES[*]} and their dependencies from $kpkg"
	fetch_deb "$kpkg:arm64"
	deb=$(compgen -G "$CACHE/debs/${kpkg}_*.deb" | head -n1)
	rm -rf "$tmp"
	mkdir -p "$tmp/tree" "$tmp/out"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/tree" --wildcards "./lib/modules/$rel/*"
	MOD_TREE=$tmp/tree/lib/modules/$rel
	MOD_OUT=$tmp/out
	MOD_ORDER=()
	declare -gA MOD_FILE=() MOD_SEEN=()
	[[ -d $MOD_TREE/kernel ]] || die "$deb has no lib/modules/$rel/kernel"
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

# --------------------------------------------------------------- build ----

check_platform() {
	local p
	for p in "${PLATFORMS[@]}"; do [[ $1 == "$p" ]] && return 0; done
	die "unknown platform '$1' (expected: ${PLATFORMS[*]})"
}

# The Linux guests' initramfs: busybox-static, tools/initramfs/init, and in
# /lib/modules the kernel modules of extract_kernel_modules with their
# load-order. Fixed modes, owners and times: the same inputs, the same bytes.
build_initramfs() {
	local out=$1 dir=$BUILD/initramfs
	extract_kernel_modules
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/sys" "$dir/tmp" "$dir/lib/modules"
	cp "$CACHE/root/bin/busybox" "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cp "$ROOT/tools/initramfs/init" "$dir/init"
	cp "$CACHE"/root/linux-modules/*.ko "$CACHE/root/linux-modules/load-order" "$dir/lib/modules/"
	find "$dir" -type d -exec chmod 755 {} +
	find "$dir" -type f -exec chmod 644 {} +
	chmod 755 "$dir/init" "$dir/bin/busybox"
	find "$dir" -exec touch -h -d "@$EPOCH" {} +
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$out"
}

build_bundle() {
	local out=$1 dir=$out/bundle
	rm -rf "$dir"
	mkdir -p "$dir/guests" "$dir/linux" "$dir/vms" "$dir/disks"
	cp "$ROOT"/configs/vms/*.cfg "$dir/vms/"
	make -s -C "$ROOT/tests/guests" O="$BUILD/guests"
	cp "$BUILD"/guests/*.bin "$dir/guests/"
	fetch_target
	cp "$CACHE/root/linux-Image" "$dir/linux/Image"
	build_initramfs "$dir/linux/initrd.gz"
	# The test disk (ext4 with data.bin and data.md5); the files are kept
	# in build/disk/files for the host side of the tests.
	SOURCE_DATE_EPOCH=$EPOCH "$ROOT/tools/build/mkdisk.sh" "$BUILD/disk"
	cp "$BUILD/disk/test.img" "$dir/disks/test.img"
	printf 'bundle of %s, built %s\n' "$(version)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/MANIFEST"
	# A new file, not rewritten in place: a test build may link to the old.
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc >"$out/bundle.cpio.tmp")
	mv "$out/bundle.cpio.tmp" "$out/bundle.cpio"
}

# share_bundle FROM OUT: the bundle of the build in FROM (its bundle/ and
# bundle.cpio) for the build in OUT, as hard links (copies across file
# systems). The bundle does not depend on the configuration.
share_bundle() {
	local from=$1 out=$2
	[[ -f $from/bundle.cpio ]] || die "no bundle in $from to share with $out"
	rm -rf "$out/bundle" "$out/bundle.cpio"
	cp -al "$from/bundle" "$out/bundle" 2>/dev/null || cp -a "$from/bundle" "$out/bundle"
	ln "$from/bundle.cpio" "$out/bundle.cpio" 2>/dev/null || cp "$from/bundle.cpio" "$out/bundle.cpio"
}

# make_fat IMAGE SIZE_MIB FILE... : a FAT32 file system holding FILEs.
make_fat() {
	local img=$1 mib=$2
	shift 2
	rm -f "$img"
	mkfs.vfat -C -F 32 -n HYPBOOT "$img" $((mib * 1024)) >/dev/null
	mcopy -i "$img" "$@" ::/
}

# make_disk IMAGE TOTAL_MIB FAT_IMAGE : MBR disk, one FAT partition at 1 MiB.
make_disk() {
	local img=$1 mib=$2 fat=$3
	rm -f "$img"
	truncate -s "${mib}M" "$img"
	echo 'start=2048, type=c, bootable' | sfdisk -q "$img"
	dd if="$fat" of="$img" bs=1M seek=1 conv=notrunc status=none
}

# write_if_changed FILE LINE... : keeps FILE's time stamp if nothing changed.
write_if_changed() {
	local f=$1 tmp
	shift
	tmp=$(mktemp)
	printf '%s\n' "$@" >"$tmp"
	if cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv "$tmp" "$f"; fi
}

# build_platform PLATFORM [FLAVOUR]: one boot medium of PLATFORM. FLAVOUR
# release (the default: configs/PLATFORM_defconfig, into build/PLATFORM/) is
# what users run; test (configs/PLATFORM-test_defconfig, CONFIG_TEST_HOOKS=y,
# into build/PLATFORM-test/) is what the tests boot. Both have the same
# layout. The test flavour compiles its own hyp and VMM but takes the bundle
# of the release build, which must be built first.
build_platform() {
	local plat=$1 flavour=${2:-release} out name ver bid files
	check_platform "$plat"
	case $flavour in
	release) name=$plat ;;
	test) name=$plat-test ;;
	*) die "unknown build flavour '$flavour' (expected: release or test)" ;;
	esac
	out=$BUILD/$name
	ver=$(version)
	bid=$(build_id)
	if [[ $flavour == release ]]; then
		say "build $name ($ver)"
	else
		say "build $name ($ver, test build: test-only calls on; bundle of build/$plat)"
	fi
	mkdir -p "$out"
	$PY "$ROOT/tools/build/kconfig.py" "$ROOT/Kconfig" "$ROOT/configs/${name}_defconfig" "$out/config"
	write_if_changed "$out/config/include/generated/version.h" \
		"#define BUILD_VERSION \"$ver\"" "#define BUILD_ID ${bid}ULL"
	make -s -C "$ROOT/vmm" O="$out/vmm" CONFIG_DIR="$out/config"
	make -s -C "$ROOT/hyp" O="$out/hyp" CONFIG_DIR="$out/config" VMM_BIN="$out/vmm/vmm.bin"
	cp "$out/hyp/hyp.bin" "$out/hyp.bin"
	mkimage -A arm64 -O linux -T script -C none -n "hyp boot script" \
		-d "$ROOT/tools/build/boot.cmd" "$out/boot.scr" >/dev/null
	if [[ $flavour == release ]]; then
		build_bundle "$out"
	else
		share_bundle "$BUILD/$plat" "$out"
	fi
	files=("$out/boot.scr" "$out/hyp.bin" "$out/bundle.cpio")
	if [[ $plat == qemu-virt ]]; then
		make_fat "$out/boot.fat" 60 "${files[@]}"
		make_disk "$out/disk.img" 64 "$out/boot.fat"
		say "built $out/disk.img"
	else
		fetch_target
		local fw=$CACHE/root/usr/lib/raspi-firmware
		cp "$CACHE/root/bcm2711-rpi-4-b.dtb" "$out/bcm2711-rpi-4-b.dtb"
		cp "$ROOT/dts/rpi4-config.txt" "$out/config.txt"
		cp "$CACHE/root/usr/lib/u-boot/rpi_4/u-boot.bin" "$out/u-boot.bin"
		make_fat "$out/boot.fat" 60 "${files[@]}" "$fw/start4.elf" "$fw/fixup4.dat" \
			"$out/config.txt" "$out/u-boot.bin" "$out/bcm2711-rpi-4-b.dtb"
		# QEMU wants an SD image whose size is a power of two.
		make_disk "$out/sdcard.img" 64 "$out/boot.fat"
		say "built $out/sdcard.img"
	fi
	rm -f "$out/boot.fat"
}

# cmd_build [PLATFORM [FLAVOUR...]]: the release image of PLATFORM, then the
# other flavours named (test), then vmctl.
cmd_build() {
	local plat=${1:-qemu-virt} f
	check_platform "$plat"
	shift || true
	fetch_target
	build_platform "$plat" release
	for f in "$@"; do
		[[ $f == release ]] || build_platform "$plat" "$f"
	done
	build_vmctl
}

# vmctl, static (musl): build/vmctl/vmctl for this machine, and
# build/vmctl/aarch64/vmctl.
build_vmctl() {
	make -s -C "$ROOT/tools/vmctl" O="$BUILD/vmctl" VERSION="$(version)"
}

# The build command of the command line: the release image only.
cmd_build_release() {
	(($# <= 1)) || die "build takes one platform, not '$*'"
	cmd_build "$@"
}

# ----------------------------------------------------------------- run ----

cmd_run() {
	local plat=${1:-qemu-virt} variant
	check_platform "$plat"
	cmd_deps
	cmd_build "$plat"
	variant=virt-gicv3
	[[ $plat == rpi4 ]] && variant=rpi4
	say "booting $variant in QEMU and starting the Linux VM (Ctrl-] back to the VMM prompt, Ctrl-A X quits QEMU)"
	say "from another terminal: $BUILD/vmctl/vmctl -c $BUILD/run/vmm.sock list (see docs/vmctl.md)"
	exec $PY "$ROOT/tools/build/qemu.py" "$variant" --build "$BUILD" --image release \
		--serve "$BUILD/run" --send "run linux"
}

# ---------------------------------------------------------------- test ----

TOTAL_PASSED=0
TOTAL_FAILED=0

# Adds the counts of a line "...: N passed, M failed" from file $1.
count_results() {
	local line p f
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n1 || true)
	if [[ -z $line ]]; then
		say "no result line in $1: counted as one failure"
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
		return
	fi
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '^[0-9]+')
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '^[0-9]+')
	TOTAL_PASSED=$((TOTAL_PASSED + p))
	TOTAL_FAILED=$((TOTAL_FAILED + f))
}

unit_data() {
	local data=$BUILD/host/unit/data v
	mkdir -p "$data"
	for v in 2 3; do
		if [[ ! -f $data/virt-gicv$v.dtb ]]; then
			qemu-system-aarch64 -M "virt,virtualization=on,gic-version=$v,dumpdtb=$data/virt-gicv$v.dtb" \
				-cpu cortex-a72 -smp 4 -m 1G -display none -nic none >/dev/null 2>&1
		fi
	done
	cp "$CACHE/root/bcm2711-rpi-4-b.dtb" "$data/"
}

group_unit() {
	local log=$BUILD/test/unit.log
	say "test group unit: host unit tests (ASan, UBSan)"
	unit_data
	make -s -C "$ROOT/tests/unit" O="$BUILD/host/unit" DATA="$BUILD/host/unit/data"
	"$BUILD/host/unit/unit-tests" -d "$BUILD/host/unit/data" 2>&1 | tee "$log" || true
	count_results "$log"
}

# Runs pytest on tests/DIR, counting results from its JUnit report.
run_pytest() {
	local name=$1 dir=$2 log=$BUILD/test/$1.log xml=$BUILD/test/$1.xml
	shift 2
	rm -f "$xml"
	(cd "$ROOT" && HYP_BUILD="$BUILD" HYP_IMAGE="${HYP_IMAGE:-test}" $PY -m pytest -q -p no:cacheprovider \
		--junitxml="$xml" "$@" "$ROOT/tests/$dir") 2>&1 | tee "$log" || true
	$PY "$ROOT/tools/build/junit_count.py" "$xml" "$name" >>"$log"
	tail -n1 "$log"
	count_results "$log"
}

group_layout() {
	say "test group layout: no file over 600 lines, the hyp's headers kept to it, no cycle among the hyp's or the VMM's files"
	run_pytest layout layout
}

group_boot() {
	say "test group boot: QEMU virt GICv3, virt GICv2, raspi4b; the release image against the test image"
	run_pytest boot boot
}

# Runs the libFuzzer target over the memory interface for $1 seconds.
# run_fuzz SECONDS TARGET: one libFuzzer target of tests/fuzz, with its own
# corpus; prints a line "fuzz: N passed, M failed".
run_fuzz() {
	local secs=$1 target=${2:-fuzz_mem} out=$BUILD/host/fuzz rc=0
	local log=$BUILD/test/$target.log
	make -s -C "$ROOT/tests/fuzz" O="$out"
	mkdir -p "$out/corpus-$target" "$out/crashes" "$BUILD/test"
	# Hand-made inputs that reach deep states at once (tests/fuzz/seeds).
	if [[ -d $ROOT/tests/fuzz/seeds/$target ]]; then
		cp -n "$ROOT/tests/fuzz/seeds/$target"/* "$out/corpus-$target/"
	fi
	"$out/$target" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$target-" "$out/corpus-$target" >"$log" 2>&1 || rc=$?
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^Done' "$log" || true
	if ((rc == 0)); then
		echo "$target: 1 passed, 0 failed (${secs} s, corpus $out/corpus-$target)"
	else
		tail -n 30 "$log"
		echo "$target: 0 passed, 1 failed (crash input in $out/crashes/)"
	fi
}

group_fuzz() {
	local log=$BUILD/test/fuzz-summary.log
	say "test group fuzz: libFuzzer over the memory interface (60 s) and the vCPU life cycle (60 s)"
	run_fuzz 60 fuzz_mem | tee "$log"
	count_results "$log"
	run_fuzz 60 fuzz_vcpu | tee "$log"
	count_results "$log"
}

cmd_bench() {
	cmd_deps
	cmd_build qemu-virt test
	make -s -C "$ROOT/tests/bench" O="$BUILD/host/bench"
	say "bench: QEMU virt GICv3 with -icount shift=0 (the test image), and the core on this machine"
	HYP_BUILD="$BUILD" HYP_IMAGE=test $PY "$ROOT/tools/build/bench.py"
}

cmd_fuzz() {
	local secs=${1:-600}
	[[ $secs =~ ^[0-9]+$ ]] || die "fuzz takes a number of seconds, not '$secs'"
	cmd_deps_quiet_check
	for t in fuzz_mem fuzz_vcpu fuzz_ctl fuzz_vmcfg; do
		run_fuzz "$secs" "$t"
	done
}

group_model() {
	say "test group model: the C memory core against the Python model, 100000 operations"
	make -s -C "$ROOT/tests/model" O="$BUILD/host/model"
	MODEL_OPS=${MODEL_OPS:-100000} run_pytest model model -s
}

group_guests() {
	say "test group guests: test guests as protected VMs on virt GICv3, virt GICv2, raspi4b"
	run_pytest guests guests
}

group_linux() {
	say "test group linux: Debian's arm64 kernel as a protected VM on virt GICv3, virt GICv2, raspi4b"
	run_pytest linux linux
}

group_io() {
	say "test group io: virtio devices through grants (test guests, Linux block and network) on virt GICv3, virt GICv2, raspi4b"
	run_pytest io io
}

group_vmctl() {
	local t
	say "test group vmctl: the protocol codec and configuration parser fuzzed, 20 s each; vmctl on virt GICv3, virt GICv2, raspi4b"
	for t in fuzz_ctl fuzz_vmcfg; do
		run_fuzz 20 "$t" | tee "$BUILD/test/$t-summary.log"
		count_results "$BUILD/test/$t-summary.log"
	done
	run_pytest vmctl vmctl
}

group_hostile() {
	say "test group hostile: a compromised VMM's attacks on protected VMs (test image) on virt GICv3, virt GICv2, raspi4b"
	HOSTILE_STORM_CALLS=${HOSTILE_STORM_CALLS:-100000} run_pytest hostile hostile
}

TEST_GROUPS=(unit layout fuzz model boot guests linux io vmctl hostile)

# soak [MINUTES]: the long runs (docs/security.md has their figures): the
# model at 10^6 operations, each fuzz target for SOAK_FUZZ_SECONDS (600),
# the hostile storm at 10^6 calls, 1,000 create/start/destroy cycles and
# MINUTES (60) of three Linux VMs doing disk and network I/O.
cmd_soak() {
	local mins=${1:-60} fuzz=${SOAK_FUZZ_SECONDS:-600} t start=$SECONDS
	[[ $mins =~ ^[0-9]+$ ]] || die "soak takes a number of minutes, not '$mins'"
	[[ $fuzz =~ ^[0-9]+$ ]] || die "SOAK_FUZZ_SECONDS must be a number of seconds, not '$fuzz'"
	cmd_deps
	fetch_target
	cmd_build qemu-virt test
	cmd_build rpi4 test
	mkdir -p "$BUILD/test"
	say "soak: the model at 1000000 operations"
	make -s -C "$ROOT/tests/model" O="$BUILD/host/model"
	MODEL_OPS=${SOAK_MODEL_OPS:-1000000} run_pytest soak-model model -s
	for t in fuzz_mem fuzz_vcpu fuzz_ctl fuzz_vmcfg; do
		say "soak: $t for $fuzz s"
		run_fuzz "$fuzz" "$t" | tee "$BUILD/test/soak-$t.log"
		count_results "$BUILD/test/soak-$t.log"
	done
	say "soak: the hostile storm at ${SOAK_STORM_CALLS:-1000000} calls on every variant"
	HOSTILE_STORM_CALLS=${SOAK_STORM_CALLS:-1000000} run_pytest soak-storm hostile -k storm -s
	say "soak: ${SOAK_CYCLES:-1000} create/start/destroy cycles, $mins min of Linux I/O"
	SOAK_MINUTES=$mins run_pytest soak soak -s
	say "soak: $(((SECONDS - start) / 60)) min"
	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	((TOTAL_FAILED == 0))
}

cmd_test() {
	local groups=("$@") g
	((${#groups[@]})) || groups=("${TEST_GROUPS[@]}")
	for g in "${groups[@]}"; do
		declare -F "group_$g" >/dev/null || die "unknown test group '$g' (groups: ${TEST_GROUPS[*]})"
	done
	cmd_deps
	fetch_target
	cmd_build qemu-virt test
	cmd_build rpi4 test
	mkdir -p "$BUILD/test"
	for g in "${groups[@]}"; do
		"group_$g"
	done
	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	((TOTAL_FAILED == 0))
}

# ----------------------------------------------------------------- loc ----

cmd_loc() {
	cmd_deps_quiet_check
	local plat objs=()
	for plat in qemu-virt rpi4; do
		build_platform $plat >/dev/null
		objs+=($(make -s -C "$ROOT/hyp" O="$BUILD/$plat/hyp" CONFIG_DIR="$BUILD/$plat/config" print-objs))
	done
	$PY "$ROOT/tools/build/loc.py" "$ROOT" "${objs[@]}"
}

cmd_clean() {
	find "$BUILD" -mindepth 1 -maxdepth 1 -not -name cache -exec rm -rf {} + 2>/dev/null || true
}

main() {
	local cmd=${1:-help}
	shift || true
	case $cmd in
	deps) cmd_deps ;;
	build) cmd_deps_quiet_check; cmd_build_release "$@" ;;
	run) cmd_run "$@" ;;
	test) cmd_test "$@" ;;
	fuzz) cmd_fuzz "$@" ;;
	bench) cmd_bench ;;
	soak) cmd_soak "$@" ;;
	loc) cmd_loc ;;
	clean) cmd_clean ;;
	help | -h | --help) usage ;;
	*) usage >&2; die "unknown command '$cmd'" ;;
	esac
}

# build alone does not install; it says what is missing.
cmd_deps_quiet_check() {
	local missing
	missing=$(missing_host_packages)
	[[ -z $missing ]] || die "missing packages: $(echo $missing) (run ./build.sh deps as root)"
}

main "$@"
