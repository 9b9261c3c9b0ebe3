"""Boot tests: each platform variant boots through U-Boot's boot.scr to
the hyp and the VMM server, every CPU comes up, and the VMM's commands
reach the hyp over HVC. Runs on QEMU virt (GICv3 and GICv2) and raspi4b."""
import os
import re

from conftest import ROOT, hex_field


def abi_version():
    """HV_ABI_VERSION_MAJOR.MINOR as lib/include/abi/hv_abi.h defines it:
    what the hyp and the VMM must report."""
    with open(os.path.join(ROOT, "lib", "include", "abi", "hv_abi.h")) as f:
        text = f.read()
    major, minor = (re.search(rf"#define HV_ABI_VERSION_{w} (\d+)", text).group(1)
                    for w in ("MAJOR", "MINOR"))
    return f"{major}.{minor}"


ABI = abi_version()

EXPECTED = {
    "virt-gicv3": ("qemu-virt", 3, "PL011"),
    "virt-gicv2": ("qemu-virt", 2, "PL011"),
    "rpi4": ("rpi4", 2, "BCM2711 mini UART"),
}


def test_uboot_ran_boot_script(machine):
    assert "boot.scr: starting the hyp from" in machine.boot_log
    assert "Starting kernel" in machine.boot_log


def test_hyp_banner(machine):
    plat, gic, uart = EXPECTED[machine.variant]
    log = machine.boot_log
    m = re.search(r"^hyp (\S+) \(ABI (\d+)\.(\d+)\) on (\S+): ", log, re.M)
    assert m, log
    assert m.group(4) == plat
    assert f"hyp: GICv{gic}, 4 CPUs, RAM " in log
    assert re.search(r"hyp: hyp image \d+ KiB at 0x[0-9a-f]+, footprint \d+ KiB", log)
    assert f"hyp: console {uart} at " in log


def test_every_cpu_online(machine):
    log = machine.boot_log
    for cpu in (1, 2, 3):
        assert f"hyp: cpu{cpu} online (MPIDR 0x{cpu:x})" in log
    assert "hyp: 4 of 4 CPUs online" in log


def test_vmm_banner(machine):
    plat, gic, _ = EXPECTED[machine.variant]
    assert re.search(rf"vmm \S+: VMM server at EL1, hyp ABI {re.escape(ABI)}, 4 CPUs, GICv{gic}, "
                     rf"platform {plat}", machine.boot_log)


def test_version_over_hvc(machine):
    out = machine.command("version")
    assert re.search(rf"^hyp ABI {re.escape(ABI)}, build [0-9a-f]{{12}}$", out, re.M), out
    assert re.search(r"^vmm \S+$", out, re.M), out


def test_cpus_over_hvc(machine):
    out = machine.command("cpus")
    assert "4 CPUs online; the VMM runs on CPU 0" in out


def test_mem_lists_owned_memory(machine):
    out = machine.command("mem")
    assert "Memory owned by the VMM:" in out
    m = re.search(r"total\s+(\d+) MiB", out)
    assert m and int(m.group(1)) > 512, out
    hyp = hex_field(out, r"hyp")
    assert hyp % (2 << 20) == 0, "the hyp's range is 2 MiB aligned"


def test_vmm_reads_its_own_memory(machine):
    out = machine.command("mem")
    image = hex_field(out, r"image")
    out = machine.command(f"peek 0x{image + 0x38:x}")
    # The VMM image starts with the Linux Image header: magic "ARM\x64".
    assert re.search(rf"^0x{image + 0x38:x}: 0x[0-9a-f]{{8}}644d5241$", out, re.M), out


def test_vmm_refused_hyp_memory(machine):
    hyp = hex_field(machine.command("mem"), r"hyp")
    target = hyp + 0x1000
    out = machine.command(f"peek 0x{target:x}")
    assert f"peek 0x{target:x}: access refused (stage-2 fault reported by the hyp" in out, out
    assert re.search(rf"hyp: VMM read at IPA 0x{target:x} \(VA 0x{target:x}, PC 0x[0-9a-f]+\) "
                     r"refused: hyp memory", out), out
    # The hyp and the VMM keep running.
    assert f"hyp ABI {ABI}" in machine.command("version")
    assert "4 CPUs online" in machine.command("cpus")


def test_bad_input_is_reported(machine):
    assert "frobnicate: unknown command (try 'help')" in machine.command("frobnicate")
    assert "usage: peek ADDRESS" in machine.command("peek nowhere")
    assert "not 8-byte aligned" in machine.command("peek 0x1001")


def test_fatal_exception_at_el2_is_reported(machine):
    # The VMM waits until the hyp reports CPU 3 stopped, then answers.
    report = machine.command("test-fault 3")
    assert report.endswith("hyp: CPU 3 stopped\ntest-fault: CPU 3 stopped; 3 CPUs online\n"), report
    assert "hyp: FATAL: synchronous exception at EL2 on CPU 3" in report, report
    assert re.search(r"EC 0x25 \(data abort\)  ESR 0000000096[0-9a-f]{6}  FAR 0000007ffffff000",
                     report), report
    assert re.search(r"ELR [0-9a-f]{16}  SPSR [0-9a-f]{16}", report), report
    assert re.search(r"x0  [0-9a-f]{16}  x1  [0-9a-f]{16}", report), report
    assert "x30 " in report
    assert "3 CPUs online" in machine.command("cpus")
    assert "refused" in machine.command("test-fault 3")
    assert "refused" in machine.command("test-fault 0")
    assert "refused" in machine.command("test-fault 99")
