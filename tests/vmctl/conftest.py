"""Fixtures of the vmctl tests: a system booted with the VMM's console on
a Unix socket shared through tools/build/ctlmux.py (as `./build.sh run`
does), and vmctl run against it. It boots the test image, or the image
HYP_IMAGE names (as the boot tests)."""
import os
import shutil
import subprocess
import sys
import time

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "build"))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
VMCTL = os.path.join(BUILD, "vmctl", "vmctl")
VARIANTS = ["virt-gicv3", "virt-gicv2", "rpi4"]

LINUX_CFG = """name = "{name}"
kernel = "linux/Image"
ramdisk = "linux/initrd.gz"
cmdline = "console=ttyAMA0 rdinit=/init"
memory = 256
vcpus = 2
"""
ECHO_CFG = """name = "{name}"
kernel = "guests/echo.bin"
memory = {memory}
vcpus = 1
"""


class System:
    def __init__(self, variant, tmp):
        self.variant = variant
        self.rundir = os.path.join(BUILD, "test", f"run-{variant}")
        shutil.rmtree(self.rundir, ignore_errors=True)
        os.makedirs(self.rundir)
        self.sock = os.path.join(self.rundir, "vmm.sock")
        self.tmp = tmp
        self.log = open(os.path.join(BUILD, "test", f"vmctl-{variant}.log"), "w")
        self.child = pexpect.spawn(
            "/usr/bin/python3", [os.path.join(ROOT, "tools", "build", "qemu.py"), variant,
                                 "--build", BUILD, "--image", IMAGE, "--serve", self.rundir],
            encoding="utf-8", codec_errors="replace", timeout=180)
        self.child.logfile_read = self.log
        self.child.expect_exact("vmm> ")
        for _ in range(50):
            if os.path.exists(self.sock):
                break
            time.sleep(0.1)

    def vmctl(self, *args, timeout=180, check=None):
        """Runs vmctl; `check` is the exit status it must have (if given)."""
        r = subprocess.run([VMCTL, "-c", self.sock] + list(args), capture_output=True,
                           text=True, timeout=timeout)
        self.log.write(f"\n$ vmctl {' '.join(args)} -> {r.returncode}\n{r.stdout}{r.stderr}")
        self.log.flush()
        if check is not None:
            assert r.returncode == check, (args, r.returncode, r.stdout, r.stderr)
        return r

    def config(self, text, name):
        path = os.path.join(self.tmp, f"{name}.cfg")
        with open(path, "w") as f:
            f.write(text)
        return path

    def console(self, name):
        """vmctl console NAME on its own terminal (a pexpect child)."""
        c = pexpect.spawn(VMCTL, ["-c", self.sock, "console", name], encoding="utf-8",
                          codec_errors="replace", timeout=300)
        c.logfile_read = self.log
        c.expect_exact(f"[attached to {name}")
        return c

    def close(self):
        if self.child.isalive():
            self.child.sendcontrol("a")
            self.child.send("x")
            try:
                self.child.expect(pexpect.EOF, timeout=20)
            except pexpect.TIMEOUT:
                pass
        self.child.close(force=True)
        self.log.close()


@pytest.fixture(scope="module", params=VARIANTS)
def system(request, tmp_path_factory):
    s = System(request.param, str(tmp_path_factory.mktemp("cfg")))
    yield s
    s.close()
