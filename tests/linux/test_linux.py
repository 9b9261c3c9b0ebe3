"""Debian's arm64 cloud kernel as a protected VM, on each platform variant:
it boots through the VMM's loader to the initramfs' marker with 2 CPUs, a
shell command round-trips through the emulated PL011, a 64 MiB workload in
tmpfs reads back with the right checksum, the VMM can read none of the
pages it gave the VM while it runs but those of the I/O window it grants,
and `shutdown` (its power button) ends the VM through the guest's own
shutdown path with every frame back with the VMM; `reboot` restarts it the
same way, and a guest that ignores the key is destroyed at the timeout.
The same VM with memory on demand (and a PMU of its own) boots with part
of its memory and gets more as it touches it."""
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

    # While it runs, the VMM can read none of the pages it gave the VM but
    # the 2,048 of the 8 MiB I/O window the VM grants it (for its power
    # button's virtio rings).
    detach(machine)
    assert listed(machine, "linux") == ("running", 256, 256)
    out = machine.command("probe linux", timeout=300)
    assert "the VMM read 2048 of the 65536 pages it gave the VM" in out, out
    assert "refused: a VM's private page" in out, out

    # Back on its console, the shell still answers; then its power key: the
    # guest's acpid runs its shutdown path, whose last lines are seen.
    machine.child.sendline("console linux")
    shell(machine, "echo back-$((40+2))", r"back-42")
    detach(machine)
    out = machine.command("shutdown linux")
    assert "vm linux: power key pressed; destroyed if it still runs in 60 s" in out, out
    machine.child.sendline("console linux")
    for line in ("acpid: power key pressed: powering off", "rc.shutdown: stopping every process",
                 "rc.shutdown: file systems synced and unmounted", "reboot: Power down"):
        machine.child.expect_exact(line, timeout=120)
    machine.child.expect(r"vm linux: powered off after \d+ exits on \d+ CPUs", timeout=300)
    machine.child.expect_exact("vmm> ", timeout=60)
    # Every frame it had is the VMM's again (zeroed by clear_vm_range).
    assert frames(machine) == before


def test_linux_reboot_and_shutdown_timeout(machine):
    """`reboot` presses the restart key: the guest reboots through its
    shutdown path and the VM restarts (on_reboot's default) on the same
    console; then, with acpid killed, `shutdown NAME 3` finds the VM still
    running after 3 s and destroys it. A VM not running, or with no power
    button (a test guest), is refused and left as it was."""
    before = frames(machine)
    c = machine.child
    out = machine.command("create linux", timeout=120)
    assert "vm linux: created" in out, out
    assert "vm linux is not running" in machine.command("shutdown linux")
    assert "vm linux: running" in machine.command("start linux")
    c.sendline("console linux")
    c.expect(r"HYP-GUEST-READY \S+ cpus=2", timeout=BOOT_TIMEOUT)
    c.expect_exact("#", timeout=60)
    detach(machine)
    out = machine.command("reboot linux 300")
    assert "vm linux: restart key pressed; destroyed if it still runs in 300 s" in out, out
    assert "a reboot was asked already" in machine.command("shutdown linux")
    c.sendline("console linux")
    for line in ("acpid: restart key pressed: rebooting",
                 "rc.shutdown: file systems synced and unmounted", "reboot: Restarting system"):
        c.expect_exact(line, timeout=120)
    c.expect(r"vm linux: reset after \d+ exits", timeout=120)
    c.expect(r"vm linux: restarted \(vm\d+\), boot 2", timeout=120)
    # Restarted on the console it had: the second boot shows there.
    c.expect(r"HYP-GUEST-READY \S+ cpus=2", timeout=BOOT_TIMEOUT)
    c.expect_exact("#", timeout=60)
    shell(machine, "killall acpid; echo stopped-$((1+1))", r"stopped-2")
    detach(machine)
    out = machine.command("shutdown linux 3")
    assert "vm linux: power key pressed; destroyed if it still runs in 3 s" in out, out
    c.expect(r"vm linux: did not power off within 3 s", timeout=60)
    c.expect(r"vm linux: destroyed at the timeout after \d+ exits", timeout=60)
    # A test guest has no power button.
    assert "vm victim: created" in machine.command("create victim", timeout=60)
    machine.command("start victim")
    out = machine.command("reboot victim")
    assert "vm victim has no power button for a reboot" in out, out
    assert re.search(r"^victim\s+running", machine.command("list"), re.M)
    assert "vm victim: destroyed" in machine.command("destroy victim", timeout=60)
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
