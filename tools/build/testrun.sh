# Sourced by build.sh: how the test groups run and how they are counted.
# The counts come from each pytest group's JUnit report (junit_count.py),
# the unit harness's summary line and each fuzz target's exit status; a
# group that leaves none of these counts as failed.
# shellcheck shell=bash

TOTAL_PASSED=0
TOTAL_FAILED=0

# add_counts LINE: adds the "N passed, M failed" of LINE (printed by
# junit_count.py from a JUnit report, or a harness's summary line) to the
# totals; a LINE without them counts as one failure.
add_counts() {
	if [[ $1 =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		TOTAL_PASSED=$((TOTAL_PASSED + BASH_REMATCH[1]))
		TOTAL_FAILED=$((TOTAL_FAILED + BASH_REMATCH[2]))
	else
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
	fi
}

# run_pytest NAME DIR [ARG...]: pytest on tests/DIR, counted from its JUnit
# report build/test/NAME.xml (a missing report is a failure).
run_pytest() {
	local name=$1 dir=$2 xml=$BUILD/test/$1.xml line
	shift 2
	rm -f "$xml"
	(cd "$ROOT" && HYP_BUILD="$BUILD" HYP_IMAGE="${HYP_IMAGE:-test}" $PY -m pytest -q -p no:cacheprovider \
		--junitxml="$xml" "$@" "tests/$dir") 2>&1 | tee "$BUILD/test/$name.log" || true
	line=$($PY "$TOOLS/junit_count.py" "$xml" "$name")
	printf '%s\n' "$line"
	add_counts "$line"
}

# run_fuzz SECONDS TARGET...: libFuzzer targets of tests/fuzz for SECONDS
# each, side by side (one process each; the machine has two cores), each
# with its own corpus (seeded from tests/fuzz/seeds/TARGET): one test each.
run_fuzz() {
	local secs=$1 out=$BUILD/host/fuzz target rc
	shift
	make -s -C "$ROOT/tests/fuzz" O="$out"
	mkdir -p "$out/crashes" "$BUILD/test"
	for target in "$@"; do
		mkdir -p "$out/corpus-$target"
		[[ ! -d $ROOT/tests/fuzz/seeds/$target ]] || cp -n "$ROOT/tests/fuzz/seeds/$target"/* "$out/corpus-$target/"
		rm -f "$BUILD/test/$target.rc"
		("$out/$target" -max_total_time="$secs" -print_final_stats=1 \
			-artifact_prefix="$out/crashes/$target-" "$out/corpus-$target" \
			>"$BUILD/test/$target.log" 2>&1
		 echo $? >"$BUILD/test/$target.rc") &
	done
	wait
	for target in "$@"; do
		rc=$(cat "$BUILD/test/$target.rc" 2>/dev/null || echo 1)
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^Done' "$BUILD/test/$target.log" || true
		((rc == 0)) || tail -n 30 "$BUILD/test/$target.log"
		if ((rc == 0)); then
			echo "$target: 1 passed, 0 failed (${secs} s, corpus $out/corpus-$target)"
			TOTAL_PASSED=$((TOTAL_PASSED + 1))
		else
			echo "$target: 0 passed, 1 failed (crash input in $out/crashes/)"
			TOTAL_FAILED=$((TOTAL_FAILED + 1))
		fi
	done
}

# The unit harness prints "unit: N passed, M failed" last on its standard
# output; a harness that ends without it, or fails after it, is a failure.
group_unit() {
	local dir=$BUILD/host/unit v rc=0 summary
	mkdir -p "$dir/data"
	for v in 2 3; do
		[[ -f $dir/data/virt-gicv$v.dtb ]] ||
			qemu-system-aarch64 -M "virt,virtualization=on,gic-version=$v,dumpdtb=$dir/data/virt-gicv$v.dtb" \
				-cpu cortex-a72 -smp 4 -m 1G -display none -nic none >/dev/null 2>&1
	done
	cp "$CACHE/root/bcm2711-rpi-4-b.dtb" "$dir/data/"
	make -s -C "$ROOT/tests/unit" O="$dir" DATA="$dir/data"
	"$dir/unit-tests" -d "$dir/data" >"$BUILD/test/unit.log" || rc=$?
	cat "$BUILD/test/unit.log"
	summary=$(tail -n1 "$BUILD/test/unit.log")
	if [[ ! $summary =~ ^unit:\ [0-9]+\ passed,\ [0-9]+\ failed$ ]]; then
		summary="unit: no summary line, exit status $rc"
		echo "$summary"
	elif ((rc != 0)) && [[ $summary == *" 0 failed" ]]; then
		summary="${summary% 0 failed} 1 failed (exit status $rc after the summary)"
		echo "$summary"
	fi
	add_counts "$summary"
}

# results: the last line of every test command; fails if a test failed.
results() {
	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	((TOTAL_FAILED == 0))
}
