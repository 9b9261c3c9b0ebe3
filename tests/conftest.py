"""The QEMU machine of the QEMU test groups (boot, guests, linux, io,
vmctl, soak, hostile): one platform variant of tools/build/qemu.py booted
through U-Boot to the VMM prompt. Its console is on stdio (a pexpect child
running QEMU), or on a Unix socket (QEMU in the background): shared through
tools/build/ctlmux.py with vmctl, as `./build.sh run` does, or left to the
test to connect to.

The machines boot the test image (build/PLATFORM-test/, the test-only calls
on), or the image HYP_IMAGE names (release: build/PLATFORM/). Waits are for
an event with a generous bound (wait_until), never for a fixed time."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "build"))
import qemu  # noqa: E402

BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
LOGDIR = os.path.join(BUILD, "test")
VARIANTS = list(qemu.VARIANTS)
# The Pi 4 reads its boot files from an emulated SD card: about 30 s to the
# prompt alone, several times that on a loaded 2-core machine.
BOOT_TIMEOUT = 300
PROMPT = "vmm> "


def wait_until(cond, timeout, what, interval=0.1):
    """Calls cond() until it returns something true, which is returned;
    fails, naming `what`, once `timeout` seconds have passed without."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(interval)


def log_name(variant, image=IMAGE):
    """The file in build/test/ that keeps what a stdio machine printed."""
    return f"boot-{variant}.log" if image == "test" else f"boot-{variant}-{image}.log"


class Machine:
    """A booted system. console:
      "stdio"  QEMU is the pexpect child `child`; boot_log is what it
               printed up to `ready` (the VMM prompt by default);
      "serve"  QEMU in the background with the console on RUNDIR/uart.sock,
               ctlmux.py the pexpect child (the terminal), vmctl clients
               on `sock` (RUNDIR/vmm.sock);
      "socket" QEMU in the background with the console on `uart`
               (RUNDIR/uart.sock), for the test to connect to; no child.
    RUNDIR is build/test/run-VARIANT (line-VARIANT for "socket"). `ready`,
    a pattern, ends the boot earlier than the prompt; `log` names the file
    in build/test/ that keeps what the machine printed. It boots from the
    image's boot medium, whose writes QEMU drops when it ends, or from the
    file `medium`, which keeps them."""

    def __init__(self, variant, image=IMAGE, console="stdio", log=None, ready=None,
                 medium=None):
        self.variant = variant
        self.image = image
        self.child = None
        self.qemu = None
        os.makedirs(LOGDIR, exist_ok=True)
        self.log = open(os.path.join(LOGDIR, log or log_name(variant, image)), "w")
        start = time.monotonic()
        # The build's boot medium stays as built (its writes are dropped),
        # unless the test gives a copy of its own to keep them.
        media = dict(medium=medium, snapshot=medium is None)
        if console == "stdio":
            cmd = qemu.command(variant, BUILD, image=image, **media)
        elif console in ("serve", "socket"):
            self.rundir = os.path.join(LOGDIR, f"{'run' if console == 'serve' else 'line'}-"
                                               f"{variant}")
            shutil.rmtree(self.rundir, ignore_errors=True)
            os.makedirs(self.rundir)
            self.uart = os.path.join(self.rundir, "uart.sock")
            self.sock = os.path.join(self.rundir, "vmm.sock")
            if console == "socket":
                cmd = qemu.command(variant, BUILD, console=self.uart, image=image, **media)
                self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                             stderr=self.log)
                return
            cmd = ["/usr/bin/python3", os.path.join(ROOT, "tools", "build", "qemu.py"),
                   variant, "--build", BUILD, "--image", image, "--serve", self.rundir]
            cmd += ["--medium", medium] if medium else ["--snapshot"]
        else:
            raise ValueError(f"unknown console {console!r} (stdio, serve or socket)")
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                                   timeout=BOOT_TIMEOUT)
        self.child.logfile_read = self.log
        self.child.expect(ready or re.escape(PROMPT))
        self.boot_seconds = time.monotonic() - start
        self.boot_log = self.child.before.replace("\r", "")
        if ready is not None:
            return
        if console == "serve":
            wait_until(lambda: os.path.exists(self.sock), 60, f"{self.sock} (ctlmux)")
        else:
            with open(os.path.join(LOGDIR, "boot-times.txt"), "a") as f:
                f.write(f"{variant} ({image} image): {self.boot_seconds:.1f} s from QEMU "
                        "start to the VMM prompt\n")

    def command(self, line, timeout=30):
        """Types `line` at the VMM prompt and returns its output."""
        self.child.sendline(line)
        self.child.expect_exact(PROMPT, timeout=timeout)
        out = self.child.before.replace("\r", "")
        # drop the echoed command line
        return out.split("\n", 1)[1] if "\n" in out else ""

    def monitor(self, line, timeout=30):
        """QEMU's monitor command `line` and its output: through
        RUNDIR/monitor.sock for a console on a socket, else Ctrl-A C
        (multiplexed with the console on stdio) and back to the console."""
        if getattr(self, "rundir", None):
            return monitor_socket(os.path.join(self.rundir, "monitor.sock"), line, timeout)
        self.child.sendcontrol("a")
        self.child.send("c")
        self.child.expect_exact("(qemu)", timeout=timeout)
        self.child.sendline(line)
        self.child.expect_exact("(qemu)", timeout=timeout)
        out = self.child.before.replace("\r", "")
        self.child.sendcontrol("a")
        self.child.send("c")
        return out

    def console_wait(self, name, pattern, timeout=120):
        """Attaches to VM `name`'s console (which replays what it printed
        before), waits for `pattern`, detaches; returns the match."""
        self.child.sendline(f"console {name}")
        self.child.expect(pattern, timeout=timeout)
        m = self.child.match
        self.child.sendcontrol("]")
        self.child.expect_exact(PROMPT, timeout=30)
        return m

    def console_unread(self):
        """What the machine printed on its console that no expect has read
        yet (with console "serve": the VMM's and the hyp's own lines)."""
        if self.child is None:
            return ""
        try:
            self.child.expect(pexpect.TIMEOUT, timeout=1)
        except pexpect.EOF:
            pass
        return self.child.before.replace("\r", "")

    def close(self):
        if self.qemu is not None:
            self.qemu.terminate()
            try:
                self.qemu.wait(20)
            except subprocess.TimeoutExpired:
                self.qemu.kill()
                self.qemu.wait()
        if self.child is not None and self.child.isalive():
            self.child.sendcontrol("a")
            self.child.send("x")
            try:
                self.child.expect(pexpect.EOF, timeout=20)
            except pexpect.TIMEOUT:
                pass
        if self.child is not None:
            self.child.close(force=True)
        self.log.close()


def monitor_socket(path, line, timeout=30):
    """QEMU's monitor command `line` through its Unix socket, and its output
    (without the monitor's echo of it); on a failure, what failed:
    it serves a test's report of another failure, which it must not hide."""
    buf = b""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(path)
            for send in (None, line):
                if send is not None:
                    s.sendall(send.encode() + b"\n")
                    buf = b""
                while b"(qemu)" not in buf:
                    data = s.recv(65536)
                    if not data:
                        break
                    buf += data
    except OSError as e:
        return f"monitor {path}: {e!r}\n{buf.decode(errors='replace')}"
    # The first line is the monitor's echo of the command as it was typed.
    return buf.decode(errors="replace").replace("\r", "").split("\n", 1)[-1]


@pytest.fixture(scope="module", params=VARIANTS)
def machine(request):
    """One machine per platform variant, shared by the tests of a module."""
    m = Machine(request.param)
    yield m
    m.close()


def guest_results(out, name):
    """{check: "PASS" or "FAIL"} of the RESULT lines test guest NAME printed.
    Found anywhere in a line, not only at its start: the hyp's log shares the
    console with the VMM, and a line of it can run into a guest's."""
    return dict(re.findall(rf"\[{re.escape(name)}\] RESULT (\S+) (PASS|FAIL)", out))


def hex_field(text, pattern):
    """The first hex number that follows `pattern` in text, as an int."""
    m = re.search(pattern + r"\s*(0x[0-9a-fA-F]+)", text)
    assert m, f"no match for {pattern!r} in:\n{text}"
    return int(m.group(1), 16)
