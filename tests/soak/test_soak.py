"""The long runs of ./build.sh soak (docs/security.md has their figures):
1,000 create/start/destroy cycles of a small guest with nothing leaked,
and three Linux VMs doing disk and network I/O for SOAK_MINUTES. The
model at 10^6 operations, the fuzz targets and the hostile storm at 10^6
calls are run by build.sh beside these. One platform variant
(SOAK_VARIANT, default virt-gicv3)."""
import itertools
import os
import re
import time

import pytest

from conftest import BUILD, Machine

PROMPT = "/ # "
VARIANT = os.environ.get("SOAK_VARIANT", "virt-gicv3")
CYCLES = int(os.environ.get("SOAK_CYCLES", "1000"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))


@pytest.fixture(scope="module")
def soak_machine():
    m = Machine(VARIANT)
    yield m
    m.close()


def frames(machine):
    out = machine.command("frames 0")
    m = re.search(r"owner 0: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return int(m.group(1)), int(m.group(2)) + int(m.group(3))


_seq = itertools.count(1)
# What a line editor may put between the characters it echoes: a line
# wrap, a cursor move.
_EDIT = r"(?:[\r\n\b ]|\x1b\[[0-9;]*[A-Za-z])*"


def echo_of(piece):
    """A pattern for the shell's echo of the typed `piece`."""
    return _EDIT.join(re.escape(c) for c in piece)


def sh(machine, line, expect=None, timeout=300):
    """Types a shell command into the attached VM and waits for it. Each
    attach replays the VM's console history, so every wait is for a fresh
    marker: `@@N-ok` after the command, or, with `expect`, the command's
    output tagged `@@N ` (the typed line shows `@@$((N))`, never `@@N`).
    Typed a few characters at a time, each piece once the shell has
    echoed the one before (a long line once lost its end on a loaded
    machine)."""
    n = next(_seq)
    if expect is None:
        sep = " " if line.endswith("&") else "; "  # "&;" is not sh
        full, want = f"{line}{sep}echo @@$(({n}))-ok", rf"@@{n}-ok"
    else:
        full, want = f'R=$({line}); echo "@@$(({n})) $R"', rf"@@{n} {expect}"
    for i in range(0, len(full), 16):
        piece = full[i:i + 16]
        machine.child.send(piece)
        machine.child.expect(echo_of(piece), timeout=60)
    machine.child.send("\n")
    machine.child.expect(want, timeout=timeout)
    m = machine.child.match
    machine.child.expect_exact(PROMPT, timeout=120)
    return m


def detach(machine):
    machine.child.sendcontrol("]")
    machine.child.expect_exact("vmm> ", timeout=30)


def attach(machine, name):
    machine.child.sendline(f"console {name}")
    machine.child.expect_exact(f"vm {name}: console attached", timeout=30)
    sh(machine, "true")


def test_create_start_destroy_cycles(soak_machine):
    m = soak_machine
    before = frames(m)
    start = time.monotonic()
    for i in range(CYCLES):
        out = m.command("guest hello", timeout=120)
        assert "RESULT hello PASS" in out and "vm hello: powered off" in out, f"cycle {i}: {out}"
    after = frames(m)
    print(f"\nsoak: {CYCLES} create/start/destroy cycles in {time.monotonic() - start:.0f} s; "
          f"VMM frames and table pages before {before}, after {after}")
    assert after == before


def test_three_linux_vms_doing_io(soak_machine):
    m = soak_machine
    want = open(os.path.join(BUILD, "disk", "files", "data.md5")).read().split()[0]
    before = frames(m)
    vms = [("linux-io", "10.0.0.1"), ("linux-net", "10.0.0.2"), ("linux-net3", "10.0.0.3")]
    for name, ip in vms:
        m.child.sendline(f"run {name}")
        m.child.expect(r"HYP-GUEST-READY", timeout=600)
        m.child.expect_exact(PROMPT, timeout=120)
        sh(m, f"mkdir -p /mnt && mount /dev/vda /mnt && ifconfig eth0 {ip} up")
        detach(m)
    deadline = time.monotonic() + MINUTES * 60
    rounds = 0
    while time.monotonic() < deadline or rounds == 0:
        for k, (name, ip) in enumerate(vms):
            peer = vms[(k + 1) % len(vms)]
            attach(m, peer[0])
            sh(m, "rm -f /tmp/rx /tmp/rx.md5 /tmp/rx.tmp; (nc -l -p 5000 > /tmp/rx; "
               "md5sum /tmp/rx > /tmp/rx.tmp; mv /tmp/rx.tmp /tmp/rx.md5) &")
            detach(m)
            attach(m, name)
            # disk: the known file, and a new one written and read back
            got = sh(m, "sync; echo 3 > /proc/sys/vm/drop_caches; md5sum /mnt/data.bin",
                     r"([0-9a-f]{32})  /mnt/data.bin").group(1)
            assert got == want, f"{name}, round {rounds}"
            w = sh(m, "dd if=/dev/urandom of=/mnt/soak bs=64k count=32 2>/dev/null && sync && "
                   "md5sum /mnt/soak", r"([0-9a-f]{32})  /mnt/soak").group(1)
            r = sh(m, "echo 3 > /proc/sys/vm/drop_caches; md5sum /mnt/soak",
                   r"([0-9a-f]{32})  /mnt/soak").group(1)
            assert r == w, f"{name}, round {rounds}"
            # network: 4 MiB to the next VM
            sent = sh(m, "dd if=/dev/urandom of=/tmp/tx bs=64k count=64 2>/dev/null && "
                      "md5sum /tmp/tx", r"([0-9a-f]{32})  /tmp/tx").group(1)
            sh(m, f"nc {peer[1]} 5000 < /tmp/tx", timeout=600)
            detach(m)
            attach(m, peer[0])
            # this round's checksum, once the receiver has written it
            got = sh(m, "while [ ! -e /tmp/rx.md5 ]; do sleep 1; done; cat /tmp/rx.md5",
                     r"([0-9a-f]{32})  /tmp/rx").group(1)
            assert got == sent, f"{name} -> {peer[0]}, round {rounds}"
            detach(m)
        rounds += 1
    for name, _ in vms:
        out = m.command(f"info {name}")
        assert re.search(r"virtio-blk\s+\d+ requests, 0 refused", out), out
        assert re.search(r"virtio-net\s+\d+ requests, 0 refused", out), out
        out = m.command(f"destroy {name}", timeout=120)
        assert f"vm {name}: destroyed" in out, out
    after = frames(m)
    print(f"\nsoak: three Linux VMs, {rounds} rounds of disk and network I/O in "
          f"{MINUTES:g} min; VMM frames and table pages before {before}, after {after}")
    assert after == before
