"""The default system running unattended on its boot medium, on QEMU virt
and on the Pi 4 (raspi4b), each from a copy of the release image's medium
that QEMU keeps writing to, as a board's SD card:

- it boots into the Linux VM with nothing typed (vms/linux.cfg: autostart),
  whose disk is partition 2 of the medium; a file written there survives
  `vmctl shutdown` (the guest's shutdown path seen on its console) and a
  restart of QEMU from the same medium;
- QEMU killed while the guest writes (a power cut): the next boot's e2fsck
  recovers the file system's journal, a forced check then finds it clean,
  and a file synced before the cut reads back.
"""
import os
import re
import shutil
import subprocess
import time

import pytest

import conftest
import qemu

BUILD = conftest.BUILD
VMCTL = os.path.join(BUILD, "vmctl", "vmctl")
LINUX_PROMPT = "/ # "
BOOT_TIMEOUT = 600
MEDIUM_VARIANTS = ["virt-gicv3", "rpi4"]


@pytest.fixture
def medium(request, tmp_path):
    """A copy of the release image's boot medium for this test alone."""
    variant = request.node.callspec.params["variant"]
    path = os.path.join(tmp_path, os.path.basename(qemu.medium_file(variant, BUILD)))
    shutil.copyfile(qemu.medium_file(variant, BUILD), path)
    return path


def boot(variant, medium, log, console="stdio"):
    """The release image from `medium`, up to the autostarted Linux VM's
    shell (its console attached); returns the machine."""
    m = conftest.Machine(variant, image="release", console=console, medium=medium, log=log,
                         ready=re.escape(LINUX_PROMPT))
    assert re.search(r"vm linux: autostart 1: vm\d+, 256 MiB, 2 vCPUs; console attached",
                     m.boot_log), m.boot_log
    assert "HYP-GUEST-READY" in m.boot_log, m.boot_log
    return m


def sh(m, line, expect, timeout=120):
    m.child.sendline(line)
    m.child.expect(expect, timeout=timeout)
    return m.child.match


@pytest.mark.parametrize("variant", MEDIUM_VARIANTS)
def test_the_default_system_keeps_its_disk(variant, medium):
    stamp = f"kept-{os.getpid()}-{time.monotonic_ns()}"
    m = boot(variant, medium, f"medium-{variant}-1.log", console="serve")
    try:
        # Autostarted, with its disk on partition 2 of the medium.
        assert re.search(r"boot medium: partition 2: 64 MiB at sector 131072, type 0x83",
                         m.boot_log), m.boot_log
        sh(m, f"mkdir -p /mnt && mount /dev/vda /mnt && echo {stamp} > /mnt/kept.txt && "
              "sync && echo written-$((6*7))", r"written-42")
        m.child.sendcontrol("]")
        m.child.expect_exact(conftest.PROMPT, timeout=30)
        # vmctl asks from another terminal while this one shows the VM's
        # console: the guest's shutdown path, to its last line.
        p = subprocess.Popen([VMCTL, "-c", m.sock, "shutdown", "linux", "--timeout", "300"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        m.child.sendline("console linux")
        m.child.expect(r"vm linux: powered off after \d+ exits", timeout=400)
        last = m.child.before
        out, err = p.communicate(timeout=60)
        m.log.write(f"\n$ vmctl shutdown linux -> {p.returncode}\n{out}{err}")
        assert p.returncode == 0, (out, err)
        assert re.match(r"vm linux: powered off \d+\.\d s after its power key was pressed: "
                        r"destroyed\n$", out), out
        for line in ("acpid: power key pressed: powering off",
                     "EXT4-fs (vda): unmounting filesystem",
                     "rc.shutdown: file systems synced and unmounted", "reboot: Power down"):
            assert line in last, last[-3000:]
    finally:
        m.close()
    # QEMU again, from the same medium: the file is there.
    m = boot(variant, medium, f"medium-{variant}-2.log")
    try:
        # e2fsck at boot (it names the disk by its label) found it clean.
        assert re.search(r"hyptest: clean, \d+/\d+ files", m.boot_log), m.boot_log
        got = sh(m, "mkdir -p /mnt && mount /dev/vda /mnt && cat /mnt/kept.txt", r"(kept-\d+-\d+)\s")
        assert got.group(1) == stamp
    finally:
        m.close()


@pytest.mark.parametrize("variant", MEDIUM_VARIANTS)
def test_a_power_cut_mid_write_is_repaired_at_the_next_boot(variant, medium):
    m = boot(variant, medium, f"powercut-{variant}-1.log")
    try:
        sh(m, "mkdir -p /mnt && mount /dev/vda /mnt && echo before-cut > /mnt/synced.txt && "
              "sync && echo synced-$((6*7))", r"synced-42")
        # A writer that never stops: files of 256 KiB, each synced.
        sh(m, "(i=0; while :; do dd if=/dev/urandom of=/mnt/w$((i % 40)) bs=64k count=4 "
              "conv=fsync 2>/dev/null; i=$((i+1)); done) & echo writing-$((6*7))",
           r"writing-42")
        time.sleep(3)
    finally:
        # The power cut: QEMU killed, nothing flushed or unmounted.
        m.child.kill(9)
        m.close()
    m = boot(variant, medium, f"powercut-{variant}-2.log")
    try:
        assert re.search(r"hyptest: recovering journal", m.boot_log), m.boot_log
        assert re.search(r"init: /dev/vda: e2fsck repaired it \(exit [12]\)|hyptest: clean",
                         m.boot_log), m.boot_log
        assert sh(m, "mkdir -p /mnt && mount /dev/vda /mnt && cat /mnt/synced.txt", r"(before-cut)")
        # Unmounted, a full check finds nothing to repair.
        got = sh(m, "umount /mnt && e2fsck -fn /dev/vda >/tmp/fsck.log 2>&1; "
                    "echo fsck-exit-$?", r"fsck-exit-(\d+)", timeout=300)
        assert got.group(1) == "0", sh(m, "cat /tmp/fsck.log; echo end-of-log", r"end-of-log")
    finally:
        m.close()
