"""SMCCC and TRNG are the hyp's (audit F8, T8): a hostile VMM that answers
every call a guest addresses to it with "success, version 1.2" (the test
build's `hostile hvc on`, vmm/hostile/hostile_hvc.c) is never asked for the
SMC Calling Convention's architecture calls or TRNG, over HVC or SMC; the
guests get the hyp's answers, which match what the hyp's boot log says of
the CPU; TRNG output differs between calls and between VMs. A control call
(an id of the hyp ABI's range that no one implements) does reach the VMM
and gets its hostile answer: the answering was live."""
import re

from conftest import guest_results

SMCCC_GUEST = ["version_hvc", "features_self_hvc", "workarounds_true_hvc",
               "unknown_arch_call_hvc", "trng_hvc", "version_smc", "features_self_smc",
               "workarounds_true_smc", "unknown_arch_call_smc", "trng_smc",
               "trng_hvc_smc_differ"]
CONTROL_FN = 0xc6005555


def is_firmware_id(fn):
    """SMCCC architecture calls (owner 0) and TRNG (0x8400005x/0xC400005x)."""
    fn &= 0xffffffff
    return (fn & 0xbfff0000) == 0x80000000 or (fn & ~0x4000000f & 0xffffffff) == 0x84000050


def run_guests(machine):
    """Both copies of the smccc guest at once, the VMM answering as a hostile
    VMM would; returns the output."""
    out = machine.command("hostile hvc on")
    assert "hostile hvc: on" in out, out
    try:
        out = machine.command("guest smccc smccc", timeout=180)
    finally:
        machine.command("hostile hvc off")
    return out


def test_vmm_never_sees_smccc_or_trng(machine):
    out = run_guests(machine)
    for vm in ("smccc", "smccc-2"):
        results = guest_results(out, vm)
        assert results and all(v == "PASS" for v in results.values()), out
        assert set(SMCCC_GUEST) <= set(results), out
        assert re.search(rf"^vm {vm}: powered off", out, re.M), out
        # The control call reached the hostile VMM and got its answer.
        assert f"[{vm}] smccc: vmm call answered 0x10002" in out, out
    asked = [int(fn, 16) for fn in
             re.findall(r"^hostile hvc: vm \S+ asked the VMM fn (0x[0-9a-f]+)", out, re.M)]
    assert asked.count(CONTROL_FN) == 2, out
    assert not [fn for fn in asked if is_firmware_id(fn)], out
    assert not [fn for fn in asked if fn != CONTROL_FN], out


def test_answers_match_the_hyp_boot_log(machine):
    """What a guest is told is what the hyp found at boot; TRNG is served
    exactly when the hyp had a real entropy source."""
    log = machine.boot_log
    m = re.search(r"cpu0: Spectre-v2 (\S+), Spectre-BHB (\S+), Spectre-v4 \(SSB\) (\S+); "
                  r"on entry from EL1: (.*)", log)
    assert m, log
    v2, bhb, v4, entry = m.groups()
    out = machine.command("guest smccc", timeout=120)
    g = re.search(r"\[smccc\] smccc: hvc version 0x10001 wa1 (-?\d+) wa2 (-?\d+) wa3 (-?\d+) "
                  r"a72 (\d)", out)
    assert g, out
    wa1, wa2, wa3, a72 = (int(x) for x in g.groups())
    assert wa1 == {"not": 1, "mitigated": 0, "VULNERABLE": -1}[v2], (v2, out)
    assert (wa2 == -1) == (v4 == "VULNERABLE") or wa2 == -1, (v4, out)
    if a72:
        # Both platforms' Cortex-A72 with no EL3 firmware offering SMCCC 1.1.
        assert "no firmware SMCCC 1.1" in log, log
        assert (v2, bhb, v4) == ("VULNERABLE", "mitigated", "VULNERABLE"), m.group(0)
        assert entry.strip() == "branch-history loop", m.group(0)
        assert "is vulnerable to Spectre-v2" in log, log
        assert (wa1, wa2, wa3) == (-1, -1, -1), out
    served = re.search(r"entropy: .*; TRNG served", log)
    absent = "TRNG answers NOT_SUPPORTED" in log
    assert bool(served) != absent, log
    # RAM is scanned for copies of the tree's seeds exactly when the hyp
    # mixed in a non-zero one.
    m = re.search(r"entropy: (\d+) device-tree seed", log)
    mixed = int(m.group(1)) if m else 0
    scanned = re.search(r"entropy: \d+ more copies of the seeds removed from RAM", log)
    skipped = "entropy: no device-tree seed mixed in: RAM not scanned for copies" in log
    assert (bool(scanned), skipped) == ((True, False) if mixed > 0 else (False, True)), log
    version = int(re.search(r"\[smccc\] smccc: hvc trng version (-?\d+)", out).group(1))
    assert version == (0x10000 if served else -1), out
    if machine.variant.startswith("virt"):
        # QEMU virt puts both seeds in /chosen and U-Boot keeps them; the
        # hyp takes them out of the tree it got and out of QEMU's original.
        assert "entropy: 2 device-tree seeds (removed from the tree)" in log, log
        assert re.search(r"entropy: [1-9]\d* more copies of the seeds removed", log), log


def test_trng_differs_between_vms(machine):
    out = run_guests(machine)
    firsts = re.findall(r"^\[(smccc(?:-2)?)\] smccc: (hvc|smc) trng ([0-9a-f]{16} [0-9a-f]{16} "
                        r"[0-9a-f]{16})$", out, re.M)
    if "TRNG answers NOT_SUPPORTED" in machine.boot_log:
        assert not firsts, out
        return
    assert len(firsts) == 4, out
    values = [f[2] for f in firsts]
    assert len(set(values)) == 4, out
