"""F7: the performance monitors and debug registers are not shared between
worlds. The hostile VMM (`hostile pmu-arm`) presets its counters and arms a
watchpoint over the test guests' RAM on every CPU; then the `pmu` guest
(a PMU of its own) and `pmu-none` (none) run. The guests see fresh or
absent counters and debug registers that read as zero and stay off; the
VMM finds its counters exactly where it left them (no guest event counted)
and its watchpoint and debug settings unchanged."""
import re

from conftest import guest_results

PRESET_EVENTS = 0x12345

GUEST_RESULTS = {
    "pmu": ["debug_regs_hidden", "debug_stays_off", "no_watchpoint", "pmu_fresh",
            "pmu_own_events"],
    "pmu-none": ["debug_regs_hidden", "debug_stays_off", "no_watchpoint", "pmu_absent"],
}


def run_guest(machine, name):
    out = machine.command(f"guest {name}", timeout=120)
    results = guest_results(out, name)
    assert results and all(v == "PASS" for v in results.values()), out
    missing = [r for r in GUEST_RESULTS[name] if r not in results]
    assert not missing, f"missing results {missing}:\n{out}"
    assert re.search(rf"^vm {name}: powered off", out, re.M), out
    return out


def test_pmu_and_debug_stay_in_their_world(machine):
    out = machine.command("hostile pmu-arm")
    m = re.search(r"hostile pmu-arm: (\d+) CPUs", out)
    assert m, out
    cpus = int(m.group(1))
    for name in ("pmu", "pmu-none"):
        out = run_guest(machine, name)
        print(re.findall(r"^\[\S+\] RESULT .*$", out, re.M))
    out = machine.command("hostile pmu-check")
    rows = re.findall(r"hostile pmu-check: cpu (\d+) events (0x[0-9a-f]+) \(set 0x[0-9a-f]+\) "
                      r"cycles (\w+) pmcr.E (\d) enabled (0x[0-9a-f]+) type (\d+) "
                      r"watch (0x[0-9a-f]+)/(0x[0-9a-f]+) mdscr (0x[0-9a-f]+)", out)
    assert len(rows) == cpus, out
    for cpu, events, cycles, enable, cnten, typ, wvr, wcr, mdscr in rows:
        # Not one of the guests' increments (a thousand, on whichever CPU
        # ran them) reached the VMM's counter, and its settings stand.
        assert int(events, 16) == PRESET_EVENTS, out
        assert cycles == "kept" and enable == "1" and int(cnten, 16) == 0x80000001, out
        assert typ == "0", out
        assert int(wvr, 16) == 0x40000000 and int(wcr, 16) != 0, out
        assert int(mdscr, 16) == 1 << 15, out
    print(out)
