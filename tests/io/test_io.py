"""I/O through grants, on each platform variant: the VMM's virtio devices
reach only what a VM grants (test guests vblk and vbad), a protected Linux VM
uses a block device and the virtual switch through the window it grants at
boot, and the VMM can read that window and nothing else of it."""
import os
import re
import time

import pexpect

from conftest import guest_results

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
BOOT_TIMEOUT = 600
PROMPT = "/ # "
PING = r"(\d+) packets transmitted, (\d+) packets received"

VBLK = ["setup", "ungranted_ring_refused", "grant_ring", "ungranted_buffer_refused",
        "grant_buffer", "read_superblock", "write_last_sector", "read_back",
        "past_the_end_ioerr", "revoke_buffer", "revoked_buffer_refused"]

# attack -> the reason the VMM must log for it
VBAD = {
    "out_of_range_address": "a buffer outside the VM's RAM, or empty",
    "past_end_of_ram": "a buffer outside the VM's RAM, or empty",
    "wrapping_address": "a buffer outside the VM's RAM, or empty",
    "huge_length": "a buffer outside the VM's RAM, or empty",
    "huge_chain": "a request longer than the device allows",
    "descriptor_loop": "a descriptor chain longer than the ring (a loop)",
    "head_past_ring": "a descriptor index past the ring",
    "next_past_ring": "a descriptor index past the ring",
    "avail_index_jump": "the avail index ran more than a ring ahead",
    "indirect_descriptor": "an indirect descriptor (not offered)",
    "readable_after_writable": "a device-readable buffer after a writable one",
}


def frames(machine):
    out = machine.command("frames 0")
    m = re.search(r"owner 0: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return int(m.group(1)), int(m.group(2)) + int(m.group(3))


def sh(machine, line, expect, timeout=120):
    """Runs a shell command in the attached VM; waits for `expect`, then the prompt."""
    machine.child.sendline(line)
    machine.child.expect(expect, timeout=timeout)
    m = machine.child.match
    machine.child.expect_exact(PROMPT, timeout=60)
    return m


def boot(machine, name):
    c = machine.child
    c.sendline(f"run {name}")
    c.expect(r"HYP-GUEST-READY (\S+) cpus=(\d+)", timeout=BOOT_TIMEOUT)
    c.expect_exact(PROMPT, timeout=60)


def detach(machine):
    machine.child.sendcontrol("]")
    machine.child.expect_exact("vmm> ", timeout=30)


def attach(machine, name):
    machine.child.sendline(f"console {name}")
    machine.child.expect_exact(f"vm {name}: console attached", timeout=30)
    sh(machine, "echo back-$((40+2))", r"back-42")


def test_vmm_reaches_only_granted_buffers(machine):
    before = frames(machine)
    out = machine.command("guest vblk", timeout=120)
    got = guest_results(out, "vblk")
    assert got == {name: "PASS" for name in VBLK}, out
    # Each refusal was the hyp's: the VMM's access to a page not granted.
    assert out.count("refused: a VM's private page") >= 3, out
    assert out.count("vm vblk: virtio-blk refused the driver's request: guest memory the VM "
                     "has not granted") == 3, out
    assert "vm vblk: powered off" in out, out
    assert frames(machine) == before


def test_bad_descriptors_refused_beside_another_vm(machine):
    before = frames(machine)
    out = machine.command("guest vbad vblk", timeout=180)
    bad = guest_results(out, "vbad")
    for attack, reason in VBAD.items():
        assert bad.get(attack) == "PASS", out
    assert bad.get("device_recovers") == "PASS", out
    assert "FAIL" not in bad.values(), out
    for reason in set(VBAD.values()):
        assert f"vm vbad: virtio-blk refused the driver's request: {reason}" in out, out
    # The VM beside it saw nothing of that.
    assert guest_results(out, "vblk") == {name: "PASS" for name in VBLK}, out
    assert "vm vbad: powered off" in out and "vm vblk: powered off" in out, out
    assert frames(machine) == before


def test_linux_block_device(machine):
    machine.before_linux = frames(machine)
    want = open(os.path.join(BUILD, "disk", "files", "data.md5")).read().split()[0]
    boot(machine, "linux-io")
    # The bundle's disk: a file whose checksum is known.
    m = sh(machine, "mkdir -p /mnt && mount /dev/vda /mnt && md5sum /mnt/data.bin",
           r"([0-9a-f]{32})  /mnt/data.bin")
    assert m.group(1) == want
    # Written, then read back from the device (not the page cache).
    m = sh(machine, "dd if=/dev/urandom of=/mnt/new bs=64k count=16 2>/dev/null && "
           "md5sum /mnt/new > /mnt/new.md5 && cat /mnt/new.md5",
           r"([0-9a-f]{32})  /mnt/new")
    written = m.group(1)
    m = sh(machine, "umount /mnt && echo 3 > /proc/sys/vm/drop_caches && "
           "mount /dev/vda /mnt && md5sum /mnt/new", r"([0-9a-f]{32})  /mnt/new")
    assert m.group(1) == written
    sh(machine, "sync; echo synced-$((1+1))", "synced-2")
    # A reboot (PSCI SYSTEM_RESET; on_reboot's default restarts it): booted
    # again from its images, memory cleared, with its disk as it left it.
    c = machine.child
    c.sendline("umount /mnt; reboot -f")
    c.expect(r"vm linux-io: reset after \d+ exits on \d+ CPUs \(vm\d+\); 256 MiB cleared",
             timeout=120)
    c.expect(r"vm linux-io: restarted \(vm\d+\), boot 2", timeout=120)
    c.expect(r"HYP-GUEST-READY (\S+) cpus=(\d+)", timeout=BOOT_TIMEOUT)
    c.expect_exact(PROMPT, timeout=60)
    m = sh(machine, "mkdir -p /mnt && mount /dev/vda /mnt && md5sum /mnt/new /mnt/data.bin",
           r"([0-9a-f]{32})  /mnt/new\s+([0-9a-f]{32})  /mnt/data.bin")
    assert m.group(1, 2) == (written, want)
    # The virtio console: a shell on /dev/hvc0, typed into with `console NAME hvc`.
    sh(machine, "setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1' & "
       "echo spawned-$((1+1))", "spawned-2")
    detach(machine)
    machine.child.sendline("console linux-io hvc")
    machine.child.expect_exact("typing into its virtio console", timeout=30)
    # One line, written at once: a kernel message (a loaded host's "hrtimer:
    # interrupt took ...") can come between two commands' output.
    sh(machine, "echo via-hvc-$((6*7)) $(tty)", r"via-hvc-42 /dev/hvc0")
    detach(machine)
    out = machine.command("info linux-io")
    assert re.search(r"virtio-blk\s+\d+ requests, 0 refused", out), out
    assert re.search(r"virtio-console\s+[1-9]\d* requests, 0 refused", out), out
    # Its exits by kind: a boot's console bytes are UART writes (the flag
    # register is read from the VMM's lent copy: it exits only while typed
    # input waits), its disk's requests virtio MMIO; the kinds add up to the
    # MMIO count and the whole (the VM idles meanwhile: a few more between
    # the reads of the counters).
    m = re.search(r"\), (\d+) exits\s", out)
    k = re.search(r"exits: MMIO (\d+) \(GIC (\d+), UART flag reads (\d+), UART other (\d+), "
                  r"test device (\d+), virtio and other (\d+)\), WFI (\d+), interrupt (\d+), "
                  r"HVC (\d+), SGI (\d+), power (\d+), abort (\d+), fault (\d+)", out)
    assert m and k, out
    n = [int(v) for v in k.groups()]
    assert abs(n[0] - sum(n[1:6])) <= 20 and abs(int(m.group(1)) - sum(n[:1] + n[6:])) <= 20, out
    assert n[2] * 10 < n[3] and n[3] > 1000 and n[5] > 100 and n[4] == 0 and n[12] == 0, out
    # The VMM reaches the 32 MiB window the VM granted, and nothing else.
    out = machine.command("probe linux-io", timeout=300)
    assert "the VMM read 8192 of the 65536 pages it gave the VM" in out, out
    # Kept: a later VM gets this disk with the new file on it.
    out = machine.command("disk-save linux-io disks/test.img")
    assert "is now image disks/test.img" in out, out
    # And on the boot medium's partition 2 (the default Linux VM's disk);
    # not on the boot partition, the bundle's, or one there is not.
    for part, refusal in (("1", "partition 1 of the boot medium is the boot partition"),
                          ("3", "partition 3 of the boot medium holds the bundle"),
                          ("7", "the boot medium's partitions are medium:1 to medium:4")):
        out = machine.command(f"disk-save linux-io medium:{part}")
        assert f"disk-save: {refusal}" in out or refusal in out, out
    out = machine.command("disk-save linux-io medium:2", timeout=120)
    assert "is now on partition 2 of the boot medium" in out, out
    machine.written = written


def test_disk_saved_on_the_medium(machine):
    """The default Linux VM (its disk partition 2 of the boot medium) finds
    the file linux-io wrote, which disk-save put there."""
    boot(machine, "linux")
    m = sh(machine, "mkdir -p /mnt && mount /dev/vda /mnt && md5sum /mnt/new",
           r"([0-9a-f]{32})  /mnt/new")
    assert m.group(1) == getattr(machine, "written", None)
    sh(machine, "umount /mnt; echo off-$((1+1))", "off-2")
    detach(machine)
    out = machine.command("destroy linux", timeout=120)
    assert "vm linux: destroyed" in out, out


def test_linux_network(machine):
    """Two Linux VMs on the switch: ping, 4 MiB (throughput is the bench's) with a matching checksum, ping back."""
    boot(machine, "linux-net")
    # It booted with the disk linux-io saved.
    m = sh(machine, "mkdir -p /mnt && mount /dev/vda /mnt && md5sum /mnt/new",
           r"([0-9a-f]{32})  /mnt/new")
    assert m.group(1) == getattr(machine, "written", None)
    sh(machine, "ifconfig eth0 10.0.0.2 up; echo up-$((1+1))", "up-2")
    sh(machine, "mkfifo /tmp/hold; (nc -l -p 5000 > /tmp/rx <>/tmp/hold; md5sum /tmp/rx) & "
       "echo listening-$((1+1))", "listening-2")
    detach(machine)
    attach(machine, "linux-io")
    sh(machine, "ifconfig eth0 10.0.0.1 up; echo up-$((1+1))", "up-2")
    m = sh(machine, "ping -c 3 10.0.0.2", PING, timeout=60)
    assert m.group(2) == "3", m.group(0)
    m = sh(machine, "dd if=/dev/urandom of=/tmp/tx bs=1M count=4 2>/dev/null && "
           "md5sum /tmp/tx", r"([0-9a-f]{32})  /tmp/tx")
    sent = m.group(1)
    try:
        sh(machine, "nc 10.0.0.2 5000 < /tmp/tx; echo sent-$((1+1))", "sent-2", timeout=600)
    except pexpect.TIMEOUT:
        # Stalled: what the VMM knows of both VMs' vCPUs and queues, twice
        # a few seconds apart, and where every physical CPU is.
        detach(machine)
        state = []
        for _ in range(2):
            state += [machine.command(f"info {name}") for name in ("linux-io", "linux-net")]
            time.sleep(3)
        state.append(machine.monitor("info registers -a"))
        raise AssertionError("the transfer stalled:\n" + "\n".join(state)) from None
    # linux-io sends as linux-net: a gratuitous ARP for 10.0.0.2 and three pings from
    # linux-net's MAC (-U binds to the address it claims; the new MAC emptied the ARP
    # cache, and a static entry sends the pings without asking). The switch drops them
    # at linux-io's port; linux-net's echo count below shows that none arrived.
    sh(machine, "echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind; "
       "ip link set dev eth0 address 52:54:00:00:00:02; echo spoof-$((1+1))", "spoof-2")
    sh(machine, "arping -U -c 2 -I eth0 10.0.0.2", r"Sent 2 probe", timeout=60)
    sh(machine, "arp -s 10.0.0.2 52:54:00:00:00:02; echo static-$((1+1))", "static-2")
    m = sh(machine, "ping -c 3 -W 1 10.0.0.2", PING, timeout=60)
    assert m.group(1) == "3" and m.group(2) == "0", m.group(0)
    # With its own MAC back (and the static entry gone with the old one), linux-net
    # answers it.
    sh(machine, "ip link set dev eth0 address 52:54:00:00:00:01; echo own-$((1+1))", "own-2")
    m = sh(machine, "ping -c 3 10.0.0.2", PING, timeout=60)
    assert m.group(2) == "3", m.group(0)
    detach(machine)
    machine.child.sendline("console linux-net")
    machine.child.expect(r"([0-9a-f]{32})  /tmp/rx", timeout=300)
    assert machine.child.match.group(1) == sent
    # And the other way round.
    sh(machine, "echo back-$((40+2))", r"back-42")
    m = sh(machine, "ping -c 3 10.0.0.1", PING, timeout=60)
    assert m.group(2) == "3", m.group(0)
    # Echo requests that reached linux-net: linux-io's two pings of 3, not the spoofed one.
    m = sh(machine, "grep '^Icmp:' /proc/net/snmp", r"Icmp: ([A-Za-z ]+)\r*\nIcmp: ([\d ]+)\r*\n")
    icmp = dict(zip(m.group(1).split(), m.group(2).split()))
    assert icmp["InEchos"] == "6", m.group(0)
    detach(machine)
    for name in ("linux-io", "linux-net"):
        out = machine.command("info " + name)
        m = re.search(r"virtio-net\s+\d+ requests, 0 refused; frames dropped: (\d+) spoofed", out)
        assert m, out
        # linux-io's: the 2 ARPs, the 3 pings, and any IPv6 neighbour discovery the change set off.
        assert int(m.group(1)) >= 5 if name == "linux-io" else m.group(1) == "0", out
        out = machine.command("destroy " + name, timeout=120)
        assert f"vm {name}: destroyed" in out, out
    # Every frame and table page back with the VMM (the saved disk is VMM memory).
    assert frames(machine) == machine.before_linux
