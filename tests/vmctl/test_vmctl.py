"""vmctl against a running system, on each platform variant: two Linux VMs
and a test guest at once, each console answering; one destroyed while the
others run, its memory back and every frame accounted for; its name and
VMID reused; 50 create/destroy cycles without a leak; bad configurations
and bad requests refused with their documented messages and exit codes;
malformed frames answered without harm."""
import itertools
import json
import os
import re
import socket
import struct
import subprocess
import time
import zlib

import ctlmux
import pexpect
import pytest

from conftest import BUILD, VARIANTS, Machine, wait_until

VMCTL = os.path.join(BUILD, "vmctl", "vmctl")
BOOT_TIMEOUT = 600

LINUX_CFG = """name = "{name}"
kernel = "linux/Image"
ramdisk = "linux/initrd.gz"
cmdline = "console=ttyAMA0 rdinit=/init"
memory = 256
vcpus = 2
"""
# With an I/O window: a power button (a virtio input device), for
# `vmctl shutdown` and `vmctl reboot`.
LINUX_BUTTON_CFG = LINUX_CFG + "io_window = 8\n"
ECHO_CFG = """name = "{name}"
kernel = "guests/echo.bin"
memory = {memory}
vcpus = 1
"""


class System(Machine):
    """A machine with the VMM's console shared through ctlmux.py (as
    `./build.sh run` does), and vmctl run against it."""

    def __init__(self, variant, tmp):
        super().__init__(variant, console="serve", log=f"vmctl-{variant}.log")
        self.tmp = tmp

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


@pytest.fixture(scope="module", params=VARIANTS)
def system(request, tmp_path_factory):
    s = System(request.param, str(tmp_path_factory.mktemp("cfg")))
    yield s
    s.close()


def stats(system):
    out = json.loads(system.vmctl("--json", "stats", check=0).stdout)
    owners = {o["name"]: o for o in out["owners"]}
    return out, owners


def balance(system):
    """(frames of all owners, VMM frames, VMM table pages + free pool pages)."""
    out, owners = stats(system)
    return (out["frames_total"], owners["vmm"]["frames"],
            owners["vmm"]["table_pages"] + out["table_pages_free"])


def listed(system):
    return {v["name"]: v for v in json.loads(system.vmctl("--json", "list", check=0).stdout)}


def in_console(system, name, line, expect, timeout=120):
    c = system.console(name)
    c.sendline(line)
    c.expect(expect, timeout=timeout)
    m = c.match
    c.sendcontrol("]")
    c.expect_exact(f"[detached from {name}]", timeout=30)
    c.expect(pexpect.EOF, timeout=30)
    return m


def wait_linux(system, name):
    """Attaches to Linux VM `name` until its shell answers."""
    c = system.console(name)
    try:
        c.expect(r"HYP-GUEST-READY \S+ cpus=2", timeout=BOOT_TIMEOUT)
    except pexpect.TIMEOUT:
        # A boot that stopped: what the VMM knows of every VM's vCPUs
        # and devices, and where each physical CPU is (QEMU's
        # monitor), twice a few seconds apart; and what the VMM and
        # the hyp printed on their own console meanwhile.
        state = []
        for _ in range(2):
            state += [system.vmctl("info", n).stdout for n in ("linux-a", "linux-b", "echo")]
            state.append(system.monitor("info registers -a"))
            time.sleep(3)
        state.append("the VMM's console:\n" + system.console_unread()[-4000:])
        system.log.write("\n".join(state))
        raise AssertionError(f"{name} stopped booting after:\n{c.before[-2000:]}\n"
                             + "\n".join(state)) from None
    c.sendline("")
    c.expect_exact("#", timeout=60)
    c.sendline(f"echo {name}-$((40+2))")
    c.expect(f"{name}-42", timeout=60)
    c.sendcontrol("]")
    c.expect_exact(f"[detached from {name}]", timeout=30)


def test_cli_conventions(system):
    r = system.vmctl("--help", check=0)
    assert "Usage: vmctl" in r.stdout and r.stderr == ""
    assert re.match(r"^vmctl \S+\n$", system.vmctl("--version", check=0).stdout)
    r = system.vmctl("frobnicate", check=2)
    assert "unknown command 'frobnicate'" in r.stderr
    assert system.vmctl("start", check=2).stderr.startswith("vmctl: start: wrong number")
    r = system.vmctl("info", "bad name!", check=2)
    assert "'bad name!' is not a VM name" in r.stderr
    r = subprocess.run([VMCTL, "-c", "/nonexistent.sock", "list"],
                       capture_output=True, text=True)
    assert r.returncode == 3 and "/nonexistent.sock" in r.stderr
    assert "vmm " in system.vmctl("ping", check=0).stdout


def test_bad_configurations(system):
    cases = [
        ("name = \"a\"\nkernel = \"k\"\nmemory = 3\n", 3, "'memory' must be an even number"),
        ("name = \"a\"\nkernel = \"k\"\nmemory = 2\nvcpus = 9\n", 4, "'vcpus' must be 1 to 4"),
        ("# comment\nnmae = \"a\"\n", 2, "unknown setting 'nmae'"),
        ("name = \"a\nkernel = \"k\"\n", 1, "unterminated string"),
        ("name = \"a\"\nkernel = \"k\"\n", 0, "'memory' is not set"),
    ]
    for i, (text, line, msg) in enumerate(cases):
        path = system.config(text, f"bad{i}")
        r = system.vmctl("create", path, check=2)
        where = f"{path}:{line}: " if line else f"{path}: "
        assert r.stderr == f"vmctl: {where}{msg}" + r.stderr.split(msg, 1)[1], r.stderr
        assert r.stderr.startswith(f"vmctl: {where}"), r.stderr


def test_bad_requests(system):
    r = system.vmctl("start", "nosuchvm", check=1)
    assert r.stderr == "vmctl: no such VM: no VM called 'nosuchvm'\n"
    r = system.vmctl("destroy", "nosuchvm", check=1)
    assert "no such VM" in r.stderr
    big = system.config(ECHO_CFG.format(name="huge", memory=2048), "huge")
    r = system.vmctl("create", big, check=1)
    assert r.stderr.startswith("vmctl: not enough memory: 2048 MiB asked for, "), r.stderr
    noimg = system.config(ECHO_CFG.format(name="noimg", memory=16).replace(
        "guests/echo.bin", "guests/none.bin"), "noimg")
    r = system.vmctl("create", noimg, check=1)
    assert "no such image: no image 'guests/none.bin'" in r.stderr
    one = system.config(ECHO_CFG.format(name="dup", memory=16), "dup")
    system.vmctl("create", one, check=0)
    r = system.vmctl("create", one, check=1)
    assert r.stderr == "vmctl: name in use: a VM called 'dup' exists\n"
    system.vmctl("destroy", "dup", check=0)
    assert "dup" not in listed(system)


def test_two_linux_vms_and_a_guest(system):
    before = balance(system)
    for name, cfg in (("linux-a", LINUX_BUTTON_CFG), ("linux-b", LINUX_CFG)):
        system.vmctl("create", system.config(cfg.format(name=name), name), check=0)
    system.vmctl("create", system.config(ECHO_CFG.format(name="echo", memory=16), "echo"),
                 check=0)
    vms = listed(system)
    assert {n: vms[n]["state"] for n in vms} == {"linux-a": "created", "linux-b": "created",
                                                 "echo": "created"}
    for name in ("linux-a", "linux-b", "echo"):
        system.vmctl("start", name, check=0)
    old_vmid = listed(system)["linux-b"]["vmid"]

    # Each console answers: the Linux shells and the echo guest.
    for name in ("linux-a", "linux-b"):
        wait_linux(system, name)
    m = in_console(system, "echo", "ping-7", r"echo: (ping-\d)")
    assert m.group(1) == "ping-7"
    vms = listed(system)
    assert all(vms[n]["state"] == "running" for n in ("linux-a", "linux-b", "echo")), vms
    check_top(system)

    # Destroy one: the others keep running, its memory comes back.
    system.vmctl("destroy", "linux-b", check=0)
    vms = listed(system)
    assert "linux-b" not in vms and vms["linux-a"]["state"] == "running"
    in_console(system, "linux-a", "echo still-$((1+1))", r"still-2")
    in_console(system, "echo", "again", r"echo: again")
    out, owners = stats(system)
    assert "linux-b" not in owners
    assert out["frames_total"] == before[0], "every frame has one owner"
    given = owners["linux-a"]["frames"] + owners["echo"]["frames"]
    assert owners["vmm"]["frames"] == before[1] - given

    # The name and the VMID are free again.
    system.vmctl("create", system.config(LINUX_CFG.format(name="linux-b"), "linux-b"),
                 check=0)
    assert listed(system)["linux-b"]["vmid"] == old_vmid
    check_shutdown_and_reboot(system)
    for name in ("linux-b", "echo"):
        system.vmctl("destroy", name, check=0)
    assert listed(system) == {}
    assert balance(system) == before


def check_shutdown_and_reboot(system):
    """vmctl reboot and shutdown of linux-a (it has a power button), each
    answered once the guest has done it; refused for a VM with none
    (echo), one not running (linux-b, created) and bad arguments."""
    r = system.vmctl("shutdown", "echo", check=1)
    assert "vm echo has no power button for a shutdown" in r.stderr, r.stderr
    r = system.vmctl("reboot", "linux-b", check=1)
    assert "vm linux-b is not running" in r.stderr, r.stderr
    for bad in (["--timeout", "x"], ["--timeout=-1"], ["--timeout", "86401"], ["--wait"]):
        r = system.vmctl("shutdown", "linux-a", *bad, check=2)
        assert "--timeout" in r.stderr, (bad, r.stderr)
    old = listed(system)["linux-a"]
    r = system.vmctl("reboot", "linux-a", "--timeout", "300", check=0)
    assert re.match(r"vm linux-a: reset \d+\.\d s after its restart key was pressed: "
                    r"restarted\n$", r.stdout), r.stdout
    assert "asking linux-a to reboot; destroyed if it still runs in 300 s" in r.stderr
    new = listed(system)["linux-a"]
    assert new["state"] == "running" and new["uptime_ms"] < old["uptime_ms"], (old, new)
    wait_linux(system, "linux-a")
    r = system.vmctl("--json", "shutdown", "linux-a", "--timeout=300", check=0)
    out = json.loads(r.stdout)
    assert out["result"] == "done", out
    assert re.match(r"vm linux-a: powered off \d+\.\d s after its power key was pressed: "
                    r"destroyed$", out["message"]), out
    assert "linux-a" not in listed(system)


def check_top(system):
    """vmctl top against list and stats, while linux-a writes its console."""
    in_console(system, "linux-a", "(for i in $(seq 1 3000); do echo top-$i; done; "
               "echo top-done) & echo started-$((6*7))", r"started-42")
    _, owners = stats(system)
    first = listed(system)
    top = json.loads(system.vmctl("--json", "top", "--once", check=0).stdout)
    last = listed(system)
    _, owners_after = stats(system)
    vms = {v["name"]: v for v in top["vms"]}
    assert set(vms) == {"linux-a", "linux-b", "echo"}, top
    assert 0.9 < top["interval_s"] < 30, top
    for name, v in vms.items():
        assert v["state"] == "running" and v["usage_known"], v
        # memory as the list and the hyp's records say (none on demand)
        assert v["memory_mib"] == last[name]["memory_mib"] == v["given_mib"], (v, last[name])
        assert v["frames"] == owners[name]["frames"] == owners_after[name]["frames"], v
        assert v["held_seconds"] > 0 and 0 <= v["held_percent"] <= 100 * v["vcpus"] + 5, v
        # the exits of its interval, no more than the list saw around it,
        # and its kinds adding up to them (the same counters, one moment;
        # each rate printed to 0.1)
        rates = v["exits_per_s"]
        assert rates["total"] * top["interval_s"] <= last[name]["exits"] - first[name]["exits"] + 1
        assert abs(sum(r for k, r in rates.items() if k != "total") - rates["total"]) < 0.5, v
        mmio = sum(v["mmio_per_s"].values())
        assert abs(mmio - rates["mmio"]) < 0.3, v
    # linux-a writes its console meanwhile: its UART writes are MMIO exits
    assert vms["linux-a"]["mmio_per_s"]["uart_other"] > 10, vms["linux-a"]
    # The live view: a table a second, until it is stopped.
    r = subprocess.run(["timeout", "3.5", VMCTL, "-c", system.sock, "top"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 124 and r.stdout.count("NAME ") >= 2, (r.returncode, r.stdout)
    assert "linux-a" in r.stdout and "\033[2J" in r.stdout, r.stdout


def test_create_destroy_cycles_leak_nothing(system):
    before = balance(system)
    cfg = system.config(ECHO_CFG.format(name="cycle", memory=4), "cycle")
    for _ in range(50):
        system.vmctl("create", cfg, check=0)
        system.vmctl("start", "cycle", check=0)
        system.vmctl("destroy", "cycle", check=0)
    assert balance(system) == before


def frame(ftype, fid, payload=b"", version=1):
    body = struct.pack("<BBBIHh", 0xC7, version, ftype, fid, len(payload), 0) + payload
    return b"\x01" + body + struct.pack("<I", zlib.crc32(body))


class Line:
    """A raw connection to the VMM's UART (QEMU's socket, no mux)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        wait_until(lambda: self.sock.connect_ex(path) == 0, 60, f"QEMU listening on {path}")
        self.dec = ctlmux.Decoder()
        self.text = b""
        self.frames = []
        self.ids = itertools.count(100)

    def read_until(self, cond, timeout=60, must=True):
        """Reads the line until cond() holds: True, or, once `timeout`
        seconds have passed, a failure (False if not `must`)."""
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() >= end:
                assert not must, (self.text[-2000:], self.frames)
                return False
            self.sock.settimeout(max(0.1, end - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            assert data, "the line closed"
            for kind, item in self.dec.feed(data):
                if kind == "text":
                    self.text += item
                else:
                    self.frames.append(item)
        return True

    def reply(self, fid):
        self.read_until(lambda: any(f[1] == fid for f in self.frames))
        return next(f for f in self.frames if f[1] == fid)

    def sync(self):
        """Waits until the VMM takes frames again (after a bad frame it
        drops input until the line has been quiet): pings, each with an id
        of its own, until one is answered."""
        def answered():
            fid = next(self.ids)
            self.sock.sendall(frame(1, fid))
            return self.read_until(lambda: any(f[1] == fid for f in self.frames), timeout=1,
                                   must=False)

        wait_until(answered, 120, "the VMM taking frames again", interval=0)


def test_malformed_frames_straight_to_the_vmm():
    """Bad frames on the VMM's line get error replies or are dropped with a
    logged reason, typed commands still work, and good frames still do."""
    machine = Machine("virt-gicv3", console="socket", log="line-virt-gicv3.log")
    try:
        line = Line(machine.uart)  # connected before U-Boot's first line: nothing typed yet
        line.read_until(lambda: b"vmm> " in line.text, timeout=BOOT_TIMEOUT)
        # Unknown type, and a malformed payload: refused with distinct codes.
        line.sock.sendall(frame(0x55, 1) + frame(4, 2, b"\x00\xff"))
        assert line.reply(1)[2] == -2 and line.reply(2)[2] == -3
        # A bad CRC: an error reply for its id, the reason logged.
        bad = bytearray(frame(1, 3))
        bad[-1] ^= 0xFF
        line.sock.sendall(bytes(bad))
        assert line.reply(3)[2] == -1
        line.read_until(lambda: b"control: bad frame (id 3): bad CRC" in line.text)
        # Oversized: refused from its header; the rest is dropped, not typed.
        line.sync()
        line.text = b""
        huge = struct.pack("<BBBIHh", 0xC7, 1, 1, 4, 0xFFFF, 0)
        line.sock.sendall(b"\x01" + huge + b"version\r" * 10)
        assert line.reply(4)[2] == -1
        line.read_until(lambda: b"payload longer than 4096 bytes" in line.text)
        # A command typed once the VMM takes input again answers after
        # anything the dropped bytes would have run.
        line.sync()
        line.sock.sendall(b"cpus\r")
        line.read_until(lambda: b"CPUs online" in line.text)
        assert b"hyp ABI" not in line.text, "the rest of a bad frame was typed"
        # Truncated: dropped after a second of silence.
        line.sock.sendall(frame(1, 5)[:9])
        line.read_until(lambda: b"control: truncated frame dropped" in line.text)
        # Wrong version.
        line.sock.sendall(frame(1, 6, version=7))
        assert line.reply(6)[2] == -1
        line.sync()
        # The VMM still answers a good frame and a typed command.
        line.sock.sendall(frame(1, 7))
        assert line.reply(7)[2] == 0
        line.text = b""
        line.sock.sendall(b"cpus\r")
        line.read_until(lambda: b"CPUs online" in line.text)
        assert b"unknown command" not in line.text
    finally:
        machine.close()


def test_upload_stop_and_resume(system):
    guest = os.path.join(BUILD, "guests", "echo.bin")
    r = system.vmctl("upload", guest, "my-echo.bin", check=0)
    assert r.stdout.startswith("my-echo.bin: uploaded, "), r.stdout
    images = json.loads(system.vmctl("--json", "images", check=0).stdout)
    assert {"name": "my-echo.bin", "size": os.path.getsize(guest),
            "source": "uploaded"} in images
    assert system.vmctl("upload", "/nonexistent.bin", check=2).stderr.startswith(
        "vmctl: /nonexistent.bin: ")
    cfg = system.config(ECHO_CFG.format(name="up", memory=4).replace(
        "guests/echo.bin", "my-echo.bin"), "up")
    system.vmctl("create", cfg, check=0)
    system.vmctl("start", "up", check=0)
    in_console(system, "up", "hi", r"echo: hi")
    system.vmctl("stop", "up", check=0)
    vm = listed(system)["up"]
    assert vm["state"] == "stopped"
    # A running echo guest exits every 20 ms (its timer): once one beside
    # it has exited 20 times more, a running "up" would have too.
    system.vmctl("create", system.config(ECHO_CFG.format(name="beside", memory=4), "beside"),
                 check=0)
    system.vmctl("start", "beside", check=0)
    first = listed(system)["beside"]["exits"]
    wait_until(lambda: listed(system)["beside"]["exits"] >= first + 20, 120,
               "a running echo guest exiting")
    assert listed(system)["up"]["exits"] == vm["exits"], "a stopped VM does not run"
    system.vmctl("destroy", "beside", check=0)
    assert "wrong state" in system.vmctl("stop", "up", check=1).stderr
    system.vmctl("start", "up", check=0)
    in_console(system, "up", "back", r"echo: back")
    info = json.loads(system.vmctl("--json", "info", "up", check=0).stdout)
    assert info["kernel"] == "my-echo.bin" and info["vm"]["state"] == "running"
    # Its one vCPU's exits are the VM's (both read under the VM's lock).
    vcpu = info["vcpus"][0]
    assert vcpu["exits"] == info["vm"]["exits"] > 0, info
    assert vcpu["last_exit"] in ("mmio", "wfi", "irq") and 0 <= vcpu["cpu"] < 4, vcpu
    assert re.search(r"vcpu 0   on.*, pending 0x[0-9a-f]+; \d+ exits, the last (mmio|wfi|irq)\n",
                     system.vmctl("info", "up", check=0).stdout)
    system.vmctl("destroy", "up", check=0)


def test_disk_save_and_device_refusals(system):
    """A VM's disk kept as an image; bad device settings refused at create."""
    disk_cfg = ECHO_CFG.format(name="disky", memory=4) + 'disk = "disks/test.img"\n'
    system.vmctl("create", system.config(disk_cfg, "disky"), check=0)
    r = system.vmctl("disk-save", "disky", "saved.img", check=0)
    assert r.stdout == "disky: disk saved as image saved.img\n", r.stdout
    images = json.loads(system.vmctl("--json", "images", check=0).stdout)
    assert {"name": "saved.img", "size": 8 << 20, "source": "uploaded"} in images
    info = json.loads(system.vmctl("--json", "info", "disky", check=0).stdout)
    assert info["devices"] == [{"kind": "block", "detail": "disks/test.img", "requests": 0,
                                "refusals": 0, "needs_reset": False}], info
    assert info["io_window_mib"] == 0
    # A VM without a disk, and one that does not exist.
    system.vmctl("create", system.config(ECHO_CFG.format(name="plain", memory=4), "plain"),
                 check=0)
    assert "vm plain has no disk" in system.vmctl("disk-save", "plain", "x.img", check=1).stderr
    assert "no VM called 'nosuch'" in system.vmctl("disk-save", "nosuch", "x.img",
                                                   check=1).stderr
    assert "wrong number of arguments" in system.vmctl("disk-save", "disky", check=2).stderr
    # A disk that is no image; a MAC address another VM has.
    nodisk = ECHO_CFG.format(name="nodisk", memory=4) + 'disk = "disks/none.img"\n'
    assert "no image 'disks/none.img'" in system.vmctl(
        "create", system.config(nodisk, "nodisk"), check=1).stderr
    mac = 'vif = "52:54:00:aa:bb:01"\n'
    system.vmctl("create", system.config(ECHO_CFG.format(name="net1", memory=4) + mac, "net1"),
                 check=0)
    # Its switch port's drop counters come after the device records.
    info = json.loads(system.vmctl("--json", "info", "net1", check=0).stdout)
    assert info["devices"] == [{"kind": "network", "detail": "52:54:00:aa:bb:01",
                                "requests": 0, "refusals": 0, "needs_reset": False,
                                "spoofed": 0, "undelivered": 0}], info
    out = system.vmctl("info", "net1", check=0).stdout
    assert re.search(r"virtio +network +52:54:00:aa:bb:01 +0 requests, 0 refused; "
                     r"frames dropped: 0 spoofed, 0 undelivered\n", out), out
    r = system.vmctl("create", system.config(ECHO_CFG.format(name="net2", memory=4) + mac,
                                             "net2"), check=1)
    assert "vif 52:54:00:aa:bb:01 is vm net1's" in r.stderr, r.stderr
    for name in ("disky", "plain", "net1"):
        system.vmctl("destroy", name, check=0)
