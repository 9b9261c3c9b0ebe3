"""Fixtures of the boot tests: one QEMU machine per platform variant,
booted through U-Boot to the VMM prompt, shared by the tests of a module.

The machines boot the test image (build/PLATFORM-test/, the test-only calls
on), or the image HYP_IMAGE names (release: build/PLATFORM/)."""
import os
import re
import sys
import time

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "build"))
import qemu  # noqa: E402

BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
VARIANTS = ["virt-gicv3", "virt-gicv2", "rpi4"]
# The Pi 4 reads its boot files from an emulated SD card: about 30 s to the
# prompt alone, several times that on a loaded 2-core machine.
BOOT_TIMEOUT = 300
PROMPT = "vmm> "


class Machine:
    """A booted system: the QEMU child and what it printed while booting."""

    def __init__(self, variant, image=IMAGE):
        self.variant = variant
        self.image = image
        logdir = os.path.join(BUILD, "test")
        os.makedirs(logdir, exist_ok=True)
        self.logfile = open(os.path.join(logdir, log_name(variant, image)), "w")
        cmd = qemu.command(variant, BUILD, image=image)
        start = time.monotonic()
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=BOOT_TIMEOUT)
        self.child.logfile_read = self.logfile
        self.child.expect_exact(PROMPT)
        self.boot_seconds = time.monotonic() - start
        self.boot_log = self.child.before.replace("\r", "")
        with open(os.path.join(logdir, "boot-times.txt"), "a") as f:
            f.write(f"{variant} ({image} image): {self.boot_seconds:.1f} s from QEMU start "
                    "to the VMM prompt\n")

    def command(self, line, timeout=30):
        """Types `line` at the VMM prompt and returns its output."""
        self.child.sendline(line)
        self.child.expect_exact(PROMPT, timeout=timeout)
        out = self.child.before.replace("\r", "")
        # drop the echoed command line
        return out.split("\n", 1)[1] if "\n" in out else ""

    def close(self):
        if self.child.isalive():
            self.child.sendcontrol("a")
            self.child.send("x")
            try:
                self.child.expect(pexpect.EOF, timeout=10)
            except pexpect.TIMEOUT:
                pass
        self.child.close(force=True)
        self.logfile.close()


def log_name(variant, image=IMAGE):
    """The file in build/test/ that keeps what a machine printed."""
    return f"boot-{variant}.log" if image == "test" else f"boot-{variant}-{image}.log"


@pytest.fixture(scope="module", params=VARIANTS)
def machine(request):
    m = Machine(request.param)
    yield m
    m.close()


def hex_field(text, pattern):
    """The first hex number that follows `pattern` in text, as an int."""
    m = re.search(pattern + r"\s*(0x[0-9a-fA-F]+)", text)
    assert m, f"no match for {pattern!r} in:\n{text}"
    return int(m.group(1), 16)
