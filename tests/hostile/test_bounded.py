"""The hyp's work for a guest is bounded (audit F10, F12), on each variant.

- A guest granting and revoking all of its RAM for ever, on two vCPUs
  (`sharestorm`), does not keep the VMM waiting for the hyp's memory lock:
  the VMM's own memory calls (`hostile latency`, MEM_INFO, which takes the
  lock) and its console (`frames 0`) answer within a bound. The figures
  are printed, against the same measured with no guest running.
- Guests that grant one page in each 2 MiB region of their RAM, have the
  VMM read it (so that its stage 2 maps the page through a level-3 table
  of its own) and revoke it, round after round and VM after VM
  (`tablegrant`), leave the VMM's table-page count where it started. The
  audit's 16 MiB guest took it from 3 to 13 for good.
"""
import re
import time

# What the VMM may wait for the hyp's memory lock while a guest storms
# grant/revoke. One call of the hyp covers at most 512 steps of a range
# (0.3-0.6 ms in QEMU here), but the lock is a test-and-set lock (a guest
# calling back to back from two vCPUs may take it again first), and QEMU's
# CPUs are host threads that a loaded host deschedules, lock held or not.
# Measured here: means of 4.8-101 ms and worsts of 0.17-2.9 s, following the
# host's load (docs/security.md). The bounds only catch a stall; what QEMU
# shows exactly is the number of calls a pass takes.
MEAN_US = 500_000
WORST_US = 10_000_000
ROUNDS_OF_VMS = 3


def vmm_figures(machine):
    """(frames, table pages, free pool pages) of the VMM (`frames 0`)."""
    out = machine.command("frames 0")
    m = re.search(r"owner 0: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return tuple(int(g) for g in m.groups())


def latency(machine, calls=300):
    out = machine.command(f"hostile latency {calls}", timeout=120)
    m = re.search(r"(\d+) MEM_INFO calls, mean (\d+) us, worst (\d+) us", out)
    assert m, out
    return int(m.group(2)), int(m.group(3))


def console_round_trips(machine, n=10):
    """Seconds each of n `frames 0` took at the console, best and worst."""
    times = []
    for _ in range(n):
        t = time.monotonic()
        vmm_figures(machine)
        times.append(time.monotonic() - t)
    return min(times), max(times)


def test_grant_revoke_storm_does_not_stall_the_vmm(machine):
    before = vmm_figures(machine)
    idle_mean, idle_worst = latency(machine)
    idle_console = console_round_trips(machine)

    out = machine.command("create sharestorm", timeout=60)
    assert "vm sharestorm: created" in out, out
    machine.command("start sharestorm")
    deadline = time.monotonic() + 90
    while True:
        log = machine.command("hostile log sharestorm")
        rounds = re.findall(r"sharestorm: round (\d+), (\d+) calls per pass over \d+ MiB, "
                            r"(\d+) us per call; vCPU 1 on: (-?\d+)", log)
        if len(rounds) >= 2:
            break
        assert time.monotonic() < deadline, f"sharestorm does not run:\n{log}"
        time.sleep(1)
    assert rounds[-1][3] == "0", log  # vCPU 1 started: both vCPUs storm
    assert "grant -" not in log and "revoke -" not in log, log
    calls_per_pass = int(rounds[-1][1])
    us_per_call = int(rounds[-1][2])
    busy_mean, busy_worst = latency(machine)
    busy_console = console_round_trips(machine)
    log = machine.command("hostile log sharestorm")
    last = int(re.findall(r"sharestorm: round (\d+)", log)[-1])
    out = machine.command("destroy sharestorm", timeout=60)
    assert "vm sharestorm:" in out, out

    print(f"\n{machine.variant}: MEM_INFO from the VMM, idle: mean {idle_mean} us, worst "
          f"{idle_worst} us; with a guest granting and revoking its 16 MiB on 2 vCPUs "
          f"({calls_per_pass} calls per pass, {us_per_call} us per call as the guest sees it, "
          f"{last} rounds so far): mean {busy_mean} us, "
          f"worst {busy_worst} us")
    print(f"{machine.variant}: `frames 0` at the console, idle {idle_console[0] * 1e3:.0f}-"
          f"{idle_console[1] * 1e3:.0f} ms, during the storm {busy_console[0] * 1e3:.0f}-"
          f"{busy_console[1] * 1e3:.0f} ms")
    # 16 MiB: 4,096 pages in 2 MiB blocks, at most 512 steps a call.
    assert calls_per_pass == 8
    assert busy_mean < MEAN_US, f"the VMM waited {busy_mean} us on average for the hyp"
    assert busy_worst < WORST_US, f"the VMM waited {busy_worst} us for the hyp"
    assert busy_console[1] < 5.0
    after = vmm_figures(machine)
    assert (after[0], after[1] + after[2]) == (before[0], before[1] + before[2])


def run_tablegrant_pair(machine, tries=2):
    want = sorted(2 * [(name, "PASS") for name in (
        "grant_revoke_calls", "vmm_reads_granted", "private_after_revoke")])
    out = machine.command("guest tablegrant tablegrant", timeout=180)
    # Not anchored: the hyp's lines about the VMM's refused reads (after
    # each revoke) share the console and may cut into the guests' lines,
    # the two CPUs' bytes interleaved. A pair whose lines came out cut,
    # with no failure among those that did not, runs once more.
    results = re.findall(r"RESULT (\w+) (PASS|FAIL)", out)
    if sorted(results) != want and all(r == "PASS" for _, r in results) and tries > 1:
        print(f"\n{machine.variant}: tablegrant lines cut by the hyp's, run again:\n{out}")
        run_tablegrant_pair(machine, tries - 1)
        return
    assert sorted(results) == want, out
    assert len(re.findall(r"vm tablegrant(?:-2)?: powered off", out)) == 2, out


def test_vmm_tables_reclaimed_after_grants(machine):
    booted = vmm_figures(machine)
    # The first run reads the guest's image from the read-only bundle,
    # which the VMM maps page by page: those level-3 tables stay, once.
    run_tablegrant_pair(machine)
    before = vmm_figures(machine)
    for _ in range(ROUNDS_OF_VMS):
        run_tablegrant_pair(machine)
    after = vmm_figures(machine)
    print(f"\n{machine.variant}: VMM frames, table pages, free pool pages at boot {booted}, "
          f"after a first pair of tablegrant VMs {before}, after {2 * ROUNDS_OF_VMS} more "
          f"(each: 16 rounds over its 7 regions) {after}")
    assert after == before
