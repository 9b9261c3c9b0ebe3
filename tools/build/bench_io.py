"""I/O rows of ./build.sh bench: block read and network throughput of Linux
VMs on the VMM's virtio devices (through their granted I/O windows), and the
same workloads in Linux booted natively by the same QEMU with QEMU's own
virtio-mmio devices (same Image, initramfs and command line, 2 CPUs each).

Block: the 8 MiB test disk read 8 times with the page cache dropped before
each read (64 MiB). Network: 16 MiB from tmpfs sent with nc from one Linux
to the other, timed to the sender's end. Both are wall-clock times seen by
the host. Each is taken RUNS times (BENCH_RUNS, 5), the VMs and the native
pair interleaved, and reported as the median of the per-run ratios VM /
native with their spread. In the VMs' runs the VMM's `list` also gives
the exits each workload made (the block read: linux-io's; the transfer:
both VMs'), looked at with the consoles detached between the workloads.
"""
import os
import re
import statistics
import time

import pexpect

import qemu

BLOCK_READ = ("for i in 1 2 3 4 5 6 7 8; do echo 3 > /proc/sys/vm/drop_caches; "
              "dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null; done; echo read-$((1+1))")
BLOCK_MIB = 64
NET_MIB = 16
PROMPT = "/ # "
CMDLINE = "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init"


def _sh(child, line, expect, timeout=120):
    child.sendline(line)
    child.expect(expect, timeout=timeout)
    m = child.match
    child.expect_exact(PROMPT, timeout=60)
    return m


def _timed(child, line, expect, timeout=600):
    t = time.monotonic()
    _sh(child, line, expect, timeout)
    return time.monotonic() - t


def _receiver(child, ip):
    _sh(child, f"ifconfig eth0 {ip} up; echo up-$((1+1))", "up-2")
    _sh(child, "mkfifo /tmp/hold; (nc -l -p 5000 > /tmp/rx <>/tmp/hold; md5sum /tmp/rx) & "
        "echo listening-$((1+1))", "listening-2")


def _send(child, ip, peer):
    """Seconds to send NET_MIB to peer; the checksum sent."""
    _sh(child, f"ifconfig eth0 {ip} up; ping -c 1 {peer} >/dev/null; echo up-$((1+1))", "up-2",
        timeout=60)
    m = _sh(child, f"dd if=/dev/urandom of=/tmp/tx bs=1M count={NET_MIB} 2>/dev/null && "
            "md5sum /tmp/tx", r"([0-9a-f]{32})  /tmp/tx")
    secs = _timed(child, f"nc {peer} 5000 < /tmp/tx; echo sent-$((1+1))", "sent-2")
    return secs, m.group(1)


def list_exits(child):
    """Each VM's exits so far, from the list of the VMM's prompt (the child
    at it): read from the list's header on, so no text before it can pass
    for a row."""
    child.sendline("list")
    child.expect(r"\nNAME +STATE +VMID[^\n]*\n")
    child.expect_exact("MiB free for VMs")
    rows = re.findall(r"(?m)^(\S+) +\S+ +\d+ +\d+ +\d+/\d+ +(\d+)", child.before)
    child.expect_exact("vmm> ")
    return {name: int(n) for name, n in rows}


def vm_figures(build, variant, image):
    cmd = qemu.command(variant, build, image=image, snapshot=True)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=300)

    def detach():
        child.sendcontrol("]")
        child.expect_exact("vmm> ", timeout=30)

    def boot(name):
        child.sendline(f"run {name}")
        child.expect(r"HYP-GUEST-READY", timeout=600)
        child.expect_exact(PROMPT, timeout=60)

    def attach(name):
        child.sendline(f"console {name}")
        child.expect_exact("console attached")
        child.sendline("")
        child.expect_exact(PROMPT, timeout=60)

    try:
        child.expect_exact("vmm> ")
        boot("linux-net")
        _receiver(child, "10.0.0.2")
        detach()
        boot("linux-io")
        detach()
        e0 = list_exits(child)
        attach("linux-io")
        blk = _timed(child, BLOCK_READ, "read-2")
        detach()
        e1 = list_exits(child)
        attach("linux-io")
        net, sent = _send(child, "10.0.0.1", "10.0.0.2")
        detach()
        e2 = list_exits(child)
        child.sendline("console linux-net")
        child.expect(r"([0-9a-f]{32})  /tmp/rx", timeout=300)
        if child.match.group(1) != sent:
            raise RuntimeError("bench: the VM network transfer arrived corrupted")
    finally:
        child.sendcontrol("a")
        child.send("x")
        child.close(force=True)
    return {"blk_mib_s": BLOCK_MIB / blk, "net_mib_s": NET_MIB / net,
            "blk_exits": e1["linux-io"] - e0["linux-io"],
            "net_exits": sum(e2[n] - e1[n] for n in ("linux-io", "linux-net"))}


def _native(bundle, mem, net, disk=None):
    args = [qemu.QEMU, "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", "2",
            "-m", mem, "-kernel", os.path.join(bundle, "Image"),
            "-initrd", os.path.join(bundle, "initrd.gz"), "-append", CMDLINE,
            "-display", "none", "-serial", "mon:stdio", "-nodefaults"] + net
    if disk:
        args += ["-drive", f"if=none,format=raw,id=d,snapshot=on,file={disk}",
                 "-device", "virtio-blk-device,drive=d"]
    child = pexpect.spawn(args[0], args[1:], encoding="utf-8", codec_errors="replace",
                          timeout=300)
    child.expect(r"HYP-GUEST-READY", timeout=600)
    child.expect_exact(PROMPT, timeout=60)
    return child


def native_figures(build, image):
    bundle = os.path.join(qemu.image_dir("qemu-virt", build, image), "bundle", "linux")
    disk = os.path.join(build, "disk", "test.img")
    port = 20000 + os.getpid() % 20000
    rx = tx = None
    try:
        rx = _native(bundle, "192M", ["-netdev", f"socket,id=n,listen=127.0.0.1:{port}",
                                      "-device", "virtio-net-device,netdev=n,mac=52:54:00:00:00:02"])
        tx = _native(bundle, "256M", ["-netdev", f"socket,id=n,connect=127.0.0.1:{port}",
                                      "-device", "virtio-net-device,netdev=n,mac=52:54:00:00:00:01"],
                     disk)
        _receiver(rx, "10.0.0.2")
        blk = _timed(tx, BLOCK_READ, "read-2")
        net, sent = _send(tx, "10.0.0.1", "10.0.0.2")
        rx.expect(r"([0-9a-f]{32})  /tmp/rx", timeout=300)
        if rx.match.group(1) != sent:
            raise RuntimeError("bench: the native network transfer arrived corrupted")
    finally:
        for child in (tx, rx):
            if child is not None:
                child.sendcontrol("a")
                child.send("x")
                child.close(force=True)
    return {"blk_mib_s": BLOCK_MIB / blk, "net_mib_s": NET_MIB / net}


def _spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 4) for v in values]}


def io_figures(build, variant, image="test", runs=5, log=print):
    """The figures of the VMs on `image` (test or release) and natively:
    per figure the VM's and native MiB/s of each run, and the ratios'
    median and spread."""
    raw = {k: {"blk_mib_s": [], "net_mib_s": [], "blk_exits": [], "net_exits": []}
           for k in ("vm", "native")}
    for r in range(runs):
        for kind in ("vm", "native"):
            f = vm_figures(build, variant, image) if kind == "vm" else native_figures(build, image)
            for key in f:
                raw[kind][key].append(f[key])
            note = (f"; exits: block {f['blk_exits']:,}, network {f['net_exits']:,}"
                    if kind == "vm" else "")
            log(f"bench_io: run {r + 1}/{runs}, {kind}: block {f['blk_mib_s']:.1f} MiB/s, "
                f"network {f['net_mib_s']:.1f} MiB/s{note}")
    out = {}
    for key in ("blk_mib_s", "net_mib_s"):
        vm, nat = raw["vm"][key], raw["native"][key]
        out[key] = {"vm": _spread(vm), "native": _spread(nat),
                    "ratio": _spread([v / n for v, n in zip(vm, nat)])}
    out["exits"] = {key: _spread(raw["vm"][key]) for key in ("blk_exits", "net_exits")}
    return out


ROWS = [("blk_mib_s", f"block read, {BLOCK_MIB} MiB, caches dropped"),
        ("net_mib_s", f"network, {NET_MIB} MiB between two VMs")]


def print_rows(io):
    print(f"{'I/O, MiB/s (wall-clock, medians)':42} {'VM':>8} {'native':>8} {'ratio':>7} "
          f"{'spread':>12}")
    for key, label in ROWS:
        f = io[key]
        print(f"{label:42} {f['vm']['median']:8.1f} {f['native']['median']:8.1f} "
              f"{f['ratio']['median']:7.2f} {f['ratio']['min']:5.2f}-{f['ratio']['max']:<5.2f}")
    for key, label in (("blk_exits", "block read (linux-io)"),
                       ("net_exits", "network (both VMs)")):
        e = io["exits"][key]
        print(f"VM exits, {label}: {e['median']:,.0f} ({e['min']:,}-{e['max']:,})")


if __name__ == "__main__":
    import sys
    build = os.environ.get("HYP_BUILD", os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build"))
    print_rows(io_figures(build, sys.argv[1] if len(sys.argv) > 1 else "virt-gicv3",
                          os.environ.get("HYP_IMAGE", "test"),
                          int(os.environ.get("BENCH_RUNS", "5"))))
