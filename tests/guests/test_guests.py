"""Test guests (tests/guests/*.c) run as protected VMs by the VMM's `guest`
command on each platform variant. Every guest prints RESULT lines; each must
PASS, the expected number must appear, the guest must power off, and every
frame it was given must come back to the VMM."""
import re

import pytest

from conftest import guest_results

# guest -> the RESULT names it must print
GUESTS = {
    "hello": ["hello"],
    "hvc": ["hvc_version", "hvc_unknown", "hvc_vmm_only", "psci_version"],
    "smccc": ["version_hvc", "features_self_hvc", "workarounds_true_hvc",
              "unknown_arch_call_hvc", "trng_hvc", "version_smc", "features_self_smc",
              "workarounds_true_smc", "unknown_arch_call_smc", "trng_smc", "trng_hvc_smc_differ"],
    "mmio": ["ldrb", "ldrh", "ldr_w", "ldr_x", "ldrsb_x", "ldrsb_w", "ldrsh_x",
             "ldrsw", "strb", "strh", "str_w", "str_x", "str_xzr"],
    "grant": ["private_before", "grant", "vmm_reads_granted", "revoke", "private_after",
              "revoke_twice", "grant_unaligned", "grant_overflow"],
    "timer": ["timer_irq", "timer_not_early", "wfi_wakes"],
    "smp": ["psci_features", "affinity_off", "cpu_on", "secondaries_up", "affinity_on",
            "cpu_on_already_on", "cpu_on_no_such_cpu", "cpu_off", "cpu_on_bad_entry",
            "cpu_on_after_cpu_off"],
    "uart": ["uart_ids", "uart_line_regs", "uart_reads_without_exits", "uart_write_emulated",
             "uart_rx_irq", "uart_line_low", "uart_lent_again"],
    "preempt": ["spinner_runs", "spinner_stopped"],
    "sgi": ["secondaries_ready", "sgi_targeted", "sgi_all_but_self", "sgi_disabled",
            "sgi_disabled_at_run_time", "sgi_to_self", "sgi_distributor_off",
            "sgi_burst_underflow"],
    "ondemand": ["fresh_load_reads_zero", "store_reads_back", "fresh_ldrsw_reads_zero",
                 "fresh_ldr_w_reads_zero"],
    "exitscale": ["exitscale"],
    "attack": ["read_outside_ram", "write_physical_gic", "smc", "hvc_sweep",
               "hvc_prot_and_map", "grant_outside_ram", "grant_huge", "grant_gicv",
               "revoke_gicv", "grant_all_ipa", "revoke_all_ipa", "grant_after",
               "revoke_more_than_granted", "revoke_overflow", "alive"],
}


# guests that run several vCPUs
MULTI_VCPU = {"smp", "sgi", "preempt", "exitscale"}


def frames(machine):
    out = machine.command("frames 0")
    m = re.search(r"owner 0: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return int(m.group(1)), int(m.group(2)) + int(m.group(3))


@pytest.mark.parametrize("name", list(GUESTS))
def test_guest(machine, name):
    before = frames(machine)
    out = machine.command(f"guest {name}", timeout=120)
    results = guest_results(out, name)
    failed = [r for r, v in results.items() if v != "PASS"]
    assert not failed, out
    missing = [r for r in GUESTS[name] if r not in results]
    assert not missing, f"missing results {missing}:\n{out}"
    m = re.search(rf"^vm {name}: powered off after \d+ exits on (\d+) CPUs", out, re.M)
    assert m, out
    if name in MULTI_VCPU:
        # The VMM runs vCPUs on every physical CPU, not only its first.
        assert int(m.group(1)) >= 2, out
    # Every frame and table page given to the guest is back.
    assert frames(machine) == before


def test_two_guests_at_once_cannot_see_each_other(machine):
    before = frames(machine)
    out = machine.command("guest isolation isolation", timeout=180)
    lines = re.findall(r"\[isolation(?:-2)?\] RESULT isolation (PASS|FAIL) vm(\d+): "
                       r"(\d+) words changed",
                       out, re.M)
    assert len(lines) == 2, out
    assert all(r == "PASS" and c == "0" for r, _, c in lines), out
    assert lines[0][1] != lines[1][1], "two distinct VMs"
    assert len(re.findall(r"^vm isolation(?:-2)?: powered off after \d+ exits on \d+ CPUs",
                          out, re.M)) == 2, out
    assert frames(machine) == before


def test_vm_survives_refused_accesses(machine):
    """After the attack guest, a new guest still runs (the hyp and VMM are intact)."""
    machine.command("guest attack", timeout=120)
    out = machine.command("guest hello", timeout=120)
    assert "[hello] RESULT hello PASS" in out, out


def test_life_cycle_policies(machine):
    """vms/reboot.cfg: its reset restarts it from its images (memory cleared,
    the test device counting the boot), and so does its crash (its
    exception vector where it has no memory: the VMM's aborts come back at
    one address until it gives up on it); its power-off keeps it, ended,
    with its memory, until `destroy` clears it."""
    before = frames(machine)
    out = machine.command("guest reboot", timeout=120)
    results = guest_results(out, "reboot")
    assert all(results.get(b) == "PASS" for b in ("first_boot", "second_boot", "third_boot")), out
    assert "reset_returned" not in results and "crash_returned" not in results, out
    assert re.search(r"^vm reboot: reset after \d+ exits on \d+ CPUs \(vm\d+\); 16 MiB cleared",
                     out, re.M), out
    assert re.search(r"^vm reboot: restarted \(vm\d+\), boot 2$", out, re.M), out
    assert re.search(r"^vm reboot: vCPU 0: 1000 aborts in a row at IPA 0x1200: its exceptions "
                     r"fault, it has crashed$", out, re.M), out
    assert re.search(r"^vm reboot: crashed after \d+ exits on \d+ CPUs \(vm\d+\); 16 MiB cleared",
                     out, re.M), out
    assert re.search(r"^vm reboot: restarted \(vm\d+\), boot 3$", out, re.M), out
    assert re.search(r"^vm reboot: powered off after \d+ exits: preserved", out, re.M), out
    out = machine.command("list")
    assert re.search(r"^reboot\s+\S*\s*ended", out, re.M) or "reboot" in out, out
    assert frames(machine)[0] < before[0], "its memory is kept"
    out = machine.command("destroy reboot", timeout=60)
    assert re.search(r"vm reboot: powered off after \d+ exits on \d+ CPUs \(vm\d+\); "
                     r"16 MiB cleared", out), out
    assert frames(machine) == before
