"""Debian's arm64 cloud kernel as a protected VM, on each platform variant:
it boots through the VMM's loader to the initramfs' marker with 2 CPUs, a
shell command round-trips through the emulated PL011, a 64 MiB workload in
tmpfs reads back with the right checksum, and poweroff ends the VM with every frame
back with the VMM."""
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


def test_linux_vm(machine):
    before = frames(machine)
    c = machine.child
    c.sendline("guest linux")
    c.expect(r"HYP-GUEST-READY (\S+) cpus=(\d+)", timeout=BOOT_TIMEOUT)
    assert c.match.group(1).startswith("6.1.0-"), c.match.group(0)
    assert c.match.group(2) == "2", "both vCPUs came up"
    c.expect_exact("#", timeout=60)  # the shell's prompt

    m = shell(machine, "echo hello-$((6*7)) $(grep -c ^processor /proc/cpuinfo)",
              r"hello-42 (\d+)")
    assert m.group(1) == "2"

    # 64 MiB written to tmpfs and read back: the checksum must match.
    size = 64 << 20
    want = hashlib.md5(bytes(size)).hexdigest()
    m = shell(machine, f"dd if=/dev/zero of=/tmp/f bs=1M count={size >> 20} 2>/dev/null"
              " && md5sum /tmp/f", r"([0-9a-f]{32})  /tmp/f", timeout=600)
    assert m.group(1) == want

    c.sendline("poweroff -f")
    c.expect(r"guest linux: powered off after \d+ exits on \d+ CPUs", timeout=300)
    c.expect_exact("vmm> ", timeout=60)
    # Every frame it had is the VMM's again (zeroed by clear_vm_range).
    assert frames(machine) == before
