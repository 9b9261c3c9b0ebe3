#!/usr/bin/env bash
# The single entry point of the project: ./build.sh help lists the commands.
# The steps are tools/build/*.sh (packages, initramfs, bundle, boot media)
# and the Makefiles of hyp/, vmm/, tools/vmctl/ and tests/; each redoes its
# work only when one of its inputs changed.
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tools/build/lib.sh"
# shellcheck source=tools/build/testrun.sh
. "$TOOLS/testrun.sh"
PLATFORMS=(qemu-virt rpi4)

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
                        every test group, or the named ones, booting the test
                        images; ends with "N passed, N failed". Groups:
                        $(group_names | fold -s -w 54 | sed 's/ *$//; 1!s/^/                        /')
  fuzz [SECONDS]        run each libFuzzer target for SECONDS (default 600)
  soak [MINUTES]        the long runs: the model at 10^6 operations, each fuzz
                        target 10 min, the hostile storm at 10^6 calls, 1,000
                        guest cycles, MINUTES (60) of three Linux VMs' I/O
  bench [paths|scaling|plots]
                        instructions per hyp call and per exit path in QEMU
                        (-icount shift=0; paths: only those, with a profile),
                        ns per memory operation on this machine, exits per
                        second with 1, 2, 4 vCPUs (scaling: only those), the
                        Linux VM and its I/O against native (BENCH_RUNS=5
                        interleaved runs), VM create and destroy; QEMU boots
                        the test image build/qemu-virt-test/; writes
                        build/bench/results.json and its plots (plots: only
                        redraw them) as build/bench/*.svg
  loc                   lines of the trusted code: what links into hyp.bin, by folder
  clean                 remove build/ except the download cache
  help                  this text

Run deps, run and test as root on Debian 12: they install what is missing.
USAGE
}

check_platform() {
	[[ " ${PLATFORMS[*]} " == *" $1 "* ]] || die "unknown platform '$1' (expected: ${PLATFORMS[*]})"
}

# write_if_changed FILE LINE... : keeps FILE's time stamp if nothing changed.
write_if_changed() {
	local f=$1
	shift
	[[ -f $f && $(<"$f") == "$(printf '%s\n' "$@")" ]] || printf '%s\n' "$@" >"$f"
}

# build_programs NAME: the configuration, the VMM and hyp.bin of
# build/NAME, from configs/NAME_defconfig.
build_programs() {
	local out=$BUILD/$1 bid
	bid=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || true)
	mkdir -p "$out"
	$PY "$TOOLS/kconfig.py" "$ROOT/Kconfig" "$ROOT/configs/${1}_defconfig" "$out/config"
	write_if_changed "$out/config/include/generated/version.h" \
		"#define BUILD_VERSION \"$HYP_VERSION\"" "#define BUILD_ID 0x${bid:-0}ULL"
	make -s -C "$ROOT/vmm" O="$out/vmm" CONFIG_DIR="$out/config"
	make -s -C "$ROOT/hyp" O="$out/hyp" CONFIG_DIR="$out/config" VMM_BIN="$out/vmm/vmm.bin"
	cmp -s "$out/hyp/hyp.bin" "$out/hyp.bin" || cp "$out/hyp/hyp.bin" "$out/hyp.bin"
}

# build_platform PLATFORM [FLAVOUR]: one boot medium of PLATFORM. FLAVOUR
# release (the default: configs/PLATFORM_defconfig, into build/PLATFORM/) is
# what users run; test (configs/PLATFORM-test_defconfig, CONFIG_TEST_HOOKS=y,
# into build/PLATFORM-test/) is what the tests boot. Both have the same
# layout and the same bundle.
build_platform() {
	local plat=$1 flavour=${2:-release} name
	check_platform "$plat"
	case $flavour in
	release) name=$plat && say "build $name ($HYP_VERSION)" ;;
	test) name=$plat-test && say "build $name ($HYP_VERSION, test build: test-only calls on)" ;;
	*) die "unknown build flavour '$flavour' (expected: release or test)" ;;
	esac
	build_programs "$name"
	"$TOOLS/bundle.sh" "$BUILD/$name"
	"$TOOLS/bootdisk.sh" "$plat" "$BUILD/$name"
}

# cmd_build [PLATFORM [FLAVOUR...]]: the release image of PLATFORM, then the
# other flavours named (test), then vmctl (static, musl: build/vmctl/vmctl
# for this machine, build/vmctl/aarch64/vmctl).
cmd_build() {
	local plat=${1:-qemu-virt} f
	check_platform "$plat"
	shift || true
	"$TOOLS/fetch.sh"
	for f in release "$@"; do
		build_platform "$plat" "$f"
	done
	make -s -C "$ROOT/tools/vmctl" O="$BUILD/vmctl" VERSION="$HYP_VERSION"
}

cmd_run() {
	local plat=${1:-qemu-virt} variant=virt-gicv3
	check_platform "$plat"
	"$TOOLS/deps.sh"
	cmd_build "$plat"
	[[ $plat == rpi4 ]] && variant=rpi4
	say "booting $variant in QEMU; the VMM starts the Linux VM (autostart) and attaches its console (Ctrl-] back to the VMM prompt, Ctrl-A X quits QEMU)"
	say "from another terminal: $BUILD/vmctl/vmctl -c $BUILD/run/vmm.sock list (see docs/vmctl.md)"
	exec $PY "$TOOLS/qemu.py" "$variant" --build "$BUILD" --image release \
		--serve "$BUILD/run"
}

# ---------------------------------------------------------------- test ----

# The test groups, in the order `./build.sh test` runs them, each "NAME:
# what it checks". A group with no group_NAME function runs pytest on
# tests/NAME.
TEST_GROUPS=(
	"unit: host unit tests (ASan, UBSan)"
	"layout: the tree's rules: no file over 600 lines, the hyp's headers its own, no cycle among the hyp's or the VMM's files"
	"fuzz: libFuzzer over the memory interface (60 s) and the vCPU life cycle (60 s)"
	"model: the C memory core against the Python model, 100000 operations"
	"boot: QEMU virt GICv3, virt GICv2, raspi4b; the release image against the test image"
	"guests: test guests as protected VMs on virt GICv3, virt GICv2, raspi4b"
	"linux: Debian's arm64 kernel as a protected VM on virt GICv3, virt GICv2, raspi4b"
	"io: virtio devices through grants (test guests, Linux block and network) on virt GICv3, virt GICv2, raspi4b"
	"vmctl: the protocol codec and configuration parser fuzzed, 20 s each; vmctl on virt GICv3, virt GICv2, raspi4b"
	"hostile: a compromised VMM's attacks on protected VMs (test image) on virt GICv3, virt GICv2, raspi4b"
)
group_names() { printf '%s\n' "${TEST_GROUPS[@]%%:*}" | paste -sd' ' | sed 's/ /, /g'; }
group_fuzz() {
	run_fuzz 60 fuzz_mem fuzz_vcpu
}
group_model() {
	make -s -C "$ROOT/tests/model" O="$BUILD/host/model"
	MODEL_OPS=${MODEL_OPS:-100000} run_pytest model model -s
}
group_vmctl() {
	run_fuzz 20 fuzz_ctl fuzz_vmcfg
	run_pytest vmctl vmctl
}
group_hostile() { HOSTILE_STORM_CALLS=${HOSTILE_STORM_CALLS:-100000} run_pytest hostile hostile; }

# test_setup: what every test command needs: deps, and the release and test
# images of both platforms.
test_setup() {
	"$TOOLS/deps.sh"
	cmd_build qemu-virt test
	cmd_build rpi4 test
	mkdir -p "$BUILD/test"
}

cmd_test() {
	local g entry
	(($#)) || set -- "${TEST_GROUPS[@]%%:*}"
	for g in "$@"; do
		[[ " $(group_names | tr -d ,) " == *" $g "* ]] || die "unknown test group '$g' (groups: $(group_names))"
	done
	test_setup
	for g in "$@"; do
		for entry in "${TEST_GROUPS[@]}"; do [[ ${entry%%:*} != "$g" ]] || say "test group $entry"; done
		if declare -F "group_$g" >/dev/null; then "group_$g"; else run_pytest "$g" "$g"; fi
	done
	results
}

# soak [MINUTES]: the long runs (docs/security.md has their figures): the
# model at 10^6 operations, each fuzz target for SOAK_FUZZ_SECONDS (600),
# the hostile storm at 10^6 calls, 1,000 create/start/destroy cycles and
# MINUTES (60) of three Linux VMs doing disk and network I/O.
cmd_soak() {
	local mins=${1:-60} fuzz=${SOAK_FUZZ_SECONDS:-600} start=$SECONDS
	[[ $mins =~ ^[0-9]+$ ]] || die "soak takes a number of minutes, not '$mins'"
	[[ $fuzz =~ ^[0-9]+$ ]] || die "SOAK_FUZZ_SECONDS must be a number of seconds, not '$fuzz'"
	test_setup
	say "soak: the model at 1000000 operations"
	make -s -C "$ROOT/tests/model" O="$BUILD/host/model"
	MODEL_OPS=${SOAK_MODEL_OPS:-1000000} run_pytest soak-model model -s
	say "soak: fuzz_mem and fuzz_vcpu, then fuzz_ctl and fuzz_vmcfg, for $fuzz s each"
	run_fuzz "$fuzz" fuzz_mem fuzz_vcpu
	run_fuzz "$fuzz" fuzz_ctl fuzz_vmcfg
	say "soak: the hostile storm at ${SOAK_STORM_CALLS:-1000000} calls on every variant"
	HOSTILE_STORM_CALLS=${SOAK_STORM_CALLS:-1000000} run_pytest soak-storm hostile -k storm -s
	say "soak: ${SOAK_CYCLES:-1000} create/start/destroy cycles, $mins min of Linux I/O"
	SOAK_MINUTES=$mins run_pytest soak soak -s
	say "soak: $(((SECONDS - start) / 60)) min"
	results
}

cmd_fuzz() {
	local secs=${1:-600}
	[[ $secs =~ ^[0-9]+$ ]] || die "fuzz takes a number of seconds, not '$secs'"
	"$TOOLS/deps.sh" --check
	mkdir -p "$BUILD/test"
	run_fuzz "$secs" fuzz_mem fuzz_vcpu
	run_fuzz "$secs" fuzz_ctl fuzz_vmcfg
}

cmd_bench() {
	"$TOOLS/deps.sh" --bench
	cmd_build qemu-virt test
	make -s -C "$ROOT/tests/bench" O="$BUILD/host/bench"
	make -s -C "$ROOT/tools/profile" O="$BUILD/host/profile"
	say "bench: QEMU virt GICv3 with -icount shift=0 (the test image), and the core on this machine"
	HYP_BUILD="$BUILD" HYP_IMAGE=test $PY "$TOOLS/bench.py" "$@"
}

# loc: the sources in the dependency files of the objects each platform's
# hyp.bin links.
cmd_loc() {
	local plat objs=() o
	"$TOOLS/deps.sh" --check
	for plat in "${PLATFORMS[@]}"; do
		build_programs "$plat"
		read -ra o < <(make -s -C "$ROOT/hyp" O="$BUILD/$plat/hyp" CONFIG_DIR="$BUILD/$plat/config" print-objs)
		objs+=("${o[@]}")
	done
	$PY "$TOOLS/loc.py" "$ROOT" "${objs[@]}"
}

cmd_clean() {
	find "$BUILD" -mindepth 1 -maxdepth 1 -not -name cache -exec rm -rf {} + 2>/dev/null || true
}

cmd=${1:-help}
shift || true
case $cmd in
deps) "$TOOLS/deps.sh" ;;
build) (($# <= 1)) || die "build takes one platform, not '$*'"; "$TOOLS/deps.sh" --check; cmd_build "$@" ;;
run) cmd_run "$@" ;;
test) cmd_test "$@" ;;
fuzz) cmd_fuzz "$@" ;;
bench) cmd_bench "$@" ;;
soak) cmd_soak "$@" ;;
loc) cmd_loc ;;
clean) cmd_clean ;;
help | -h | --help) usage ;;
*) usage >&2; die "unknown command '$cmd'" ;;
esac
