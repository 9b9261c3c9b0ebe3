"""Debian's arm64 cloud kernel as a protected VM, on each platform variant:
it boots through the VMM's loader to the initramfs' marker with 2 CPUs, a
shell command round-trips through the emulated PL011, a 64 MiB workload in
tmpfs reads back with the right checksum, the VMM can read none of the
pages it gave the VM while it runs, and poweroff ends the VM with every
frame back with the VMM. The same VM with memory on demand (and a PMU of
its own) boots with part of its memory and gets more as it touches it."""
import hashlib
import re

BOOT_TIMEOUT = 600


def frames(machine):
    out = machine.command("frames 0")
    m = re.search(r"owner 0: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return int(m.group(1)), int(m.group(2)) + int(m.group(3))


def shell(machine, line, expect, timeout=120):
    machine.child.sendline(line)
    machine.child.expect(expect, timeout=timeout)
    return machine.child.match


def boot(machine, name):
    c = machine.child
    c.sendline(f"run {name}")
    c.expect(r"HYP-GUEST-READY (\S+) cpus=(\d+)", timeout=BOOT_TIMEOUT)
    assert c.match.group(1).startswith("6.1.0-"), c.match.group(0)
    assert c.match.group(2) == "2", "both vCPUs came up"
    c.expect_exact("#", timeout=60)  # the shell's prompt


def detach(machine):
    machine.child.sendcontrol("]")
    machine.child.expect_exact("vmm> ", timeout=30)


def listed(machine, name):
    """(state, MiB given, MiB of the VM) from `list`."""
    out = machine.command("list")
    m = re.search(rf"^{re.escape(name)}\s+(\w+)\s+\d+\s+\d+\s+(\d+)/(\d+)", out, re.M)
    assert m, out
    return m.group(1), int(m.group(2)), int(m.group(3))


def test_linux_vm(machine):
    before = frames(machine)
    boot(machine, "linux")
    m = shell(machine, "echo hello-$((6*7)) $(grep -c ^processor /proc/cpuinfo)",
              r"hello-42 (\d+)")
    assert m.group(1) == "2"

    # 64 MiB written to tmpfs and read back: the checksum must match.
    size = 64 << 20
    want = hashlib.md5(bytes(size)).hexdigest()
    m = shell(machine, f"dd if=/dev/zero of=/tmp/f bs=1M count={size >> 20} 2>/dev/null"
              " && md5sum /tmp/f", r"([0-9a-f]{32})  /tmp/f", timeout=600)
    assert m.group(1) == want

    # While it runs, the VMM can read none of the pages it gave the VM.
    detach(machine)
    assert listed(machine, "linux") == ("running", 256, 256)
    out = machine.command("probe linux", timeout=300)
    assert "the VMM read 0 of the 65536 pages it gave the VM" in out, out
    assert "refused: a VM's private page" in out, out

    # Back on its console, the shell still answers; then power off.
    machine.child.sendline("console linux")
    shell(machine, "echo back-$((40+2))", r"back-42")
    machine.child.sendline("poweroff -f")
    machine.child.expect(r"vm linux: powered off after \d+ exits on \d+ CPUs", timeout=300)
    machine.child.expect_exact("vmm> ", timeout=60)
    # Every frame it had is the VMM's again (zeroed by clear_vm_range).
    assert frames(machine) == before


def test_linux_memory_on_demand(machine):
    before = frames(machine)
    boot(machine, "linux-ondemand")
    detach(machine)
    state, booted, total = listed(machine, "linux-ondemand")
    assert state == "running" and total == 256 and booted < total, (state, booted, total)
    machine.child.sendline("console linux-ondemand")
    # Its configuration gives it a PMU of its own: Linux's driver finds it
    # in the device tree (with no interrupt, it counts but cannot sample).
    m = shell(machine, "echo PMU-$(dmesg | grep -c 'hw perfevents: enabled')-END",
              r"PMU-(\d+)-END")
    assert m.group(1) == "1", machine.child.before
    m = shell(machine, "dd if=/dev/zero of=/tmp/f bs=1M count=64 2>/dev/null && md5sum /tmp/f",
              r"([0-9a-f]{32})  /tmp/f", timeout=600)
    assert m.group(1) == hashlib.md5(bytes(64 << 20)).hexdigest()
    detach(machine)
    # Touching 64 MiB more made the VMM give it more blocks.
    assert listed(machine, "linux-ondemand")[1] >= booted + 32
    out = machine.command("destroy linux-ondemand", timeout=120)
    assert re.search(r"vm linux-ondemand: destroyed after \d+ exits", out), out
    assert frames(machine) == before
