#!/usr/bin/python3
"""The Linux VM against the same kernel booted natively by the same QEMU
(virt GICv3, 2 CPUs, 256 MiB, the same Image, initramfs and command line),
for ./build.sh bench: each figure is taken RUNS times (BENCH_RUNS, 5),
the VM and the native boot interleaved, and reported as the median of the
per-run ratios with their spread.

- Instructions, under -icount shift=0 with the insnprof plugin counting
  every CPU's instructions (tools/profile/insnprof.c, count= mode): the
  boot from the VM's start (the VMM's line before vm_start) or QEMU's
  start (native) to the initramfs' marker line, and `dd if=/dev/zero
  bs=1M count=256 | md5sum` from the command to its checksum.
- Wall-clock seconds, without -icount: the same boot, and `sh -c 'yes |
  head -c 64M | md5sum'`, whose processes wake each other across the two
  CPUs.

In the VM's wall-clock runs the VMM's `list` also gives the VM's exits
for the boot and for the pipe (its console detached and attached again
around each look), and from them what each exit cost in host time beyond
the native run: (VM - native) / exits.

Both sides run with KASLR (QEMU's device tree carries a seed natively; the
VMM puts one from the hyp's TRNG into the VM's), so both have the kernel
unmapped at EL0 (KPTI) alike; each run checks that neither kernel said it
went without.

Usage: bench_linux.py [RUNS]  (prints the table; bench.py imports figures())
"""
import os
import statistics
import struct
import sys
import tempfile
import time

import pexpect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_io  # noqa: E402
import qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
VARIANT = "virt-gicv3"
CMDLINE = "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init"
MARKER = r"HYP-GUEST-READY \S+ cpus=2"
SUM = r"[0-9a-f]{32}  -"
DD = "dd if=/dev/zero bs=1M count=256 2>/dev/null | md5sum"
# Run by a non-interactive shell: typed at busybox's interactive prompt the
# same pipe is about 40 times slower, natively as in the VM (1 MiB: 53.5 s
# against 1.45 s natively), so 64 MiB would take the better part of an hour.
PIPE = "sh -c 'yes | head -c 67108864 | md5sum'"
NO_KASLR = "KASLR disabled"


class Boot:
    """One QEMU boot of the Linux VM ("vm") or of the kernel alone
    ("native"), with the instruction counter (icount=True) or without."""

    def __init__(self, kind, icount):
        self.kind, self.counter = kind, None
        extra = []
        if icount:
            fd, self.counter = tempfile.mkstemp(prefix="insncount-")
            os.close(fd)
            plugin = os.path.join(BUILD, "host", "profile", "insnprof.so")
            extra = ["-icount", "shift=0", "-plugin", f"{plugin},count={self.counter}"]
        if kind == "vm":
            cmd = qemu.command(VARIANT, BUILD, extra, image=IMAGE, snapshot=True)
        else:
            bundle = os.path.join(qemu.image_dir("qemu-virt", BUILD, IMAGE), "bundle", "linux")
            cmd = [qemu.QEMU, "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", "2",
                   "-m", "256M", "-kernel", os.path.join(bundle, "Image"),
                   "-initrd", os.path.join(bundle, "initrd.gz"), "-append", CMDLINE,
                   "-display", "none", "-nic", "none", "-serial", "mon:stdio"] + extra
        self.t0 = time.monotonic()
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                                   timeout=900)

    def now(self):
        """Instructions so far (icount) or seconds since QEMU started."""
        if self.counter is None:
            return time.monotonic() - self.t0
        with open(self.counter, "rb") as f:
            data = f.read(8)
        return struct.unpack("<Q", data)[0] if len(data) == 8 else 0

    def boot(self):
        """From the VM's start (or QEMU's) to the marker line."""
        start = 0
        if self.kind == "vm":
            self.child.expect_exact("vmm> ")
            self.child.sendline("run linux-bench")
            self.child.expect(r"vm linux-bench: vm\d+, 256 MiB, 2 vCPUs; console attached")
            start = self.now()
        self.child.expect(MARKER)
        took = self.now() - start
        if NO_KASLR in self.child.before:
            sys.exit(f"bench_linux: the {self.kind} kernel ran without KASLR")
        return took

    def exits(self):
        """The VM's exits so far, from the VMM's list; its console is
        detached for the look and attached again, and the shell's prompt
        asked for again (it may have come while detached)."""
        self.child.send("\x1d")
        self.child.expect_exact("vmm> ")
        n = bench_io.list_exits(self.child)["linux-bench"]
        self.child.sendline("console linux-bench")
        self.child.expect_exact("console attached")
        self.child.sendline("")
        return n

    def run(self, command):
        """From typing `command` to its checksum line."""
        self.child.expect_exact("#", timeout=120)
        start = self.now()
        self.child.sendline(command)
        self.child.expect(SUM)
        return self.now() - start

    def close(self):
        self.child.sendcontrol("a")
        self.child.send("x")
        self.child.close(force=True)
        if self.counter is not None:
            os.unlink(self.counter)


def one(kind, icount):
    """The boot's and the workload's figures, and (the VM without -icount)
    the VM's exits in each, else None."""
    b = Boot(kind, icount)
    exits = None
    try:
        boot = b.boot()
        counted = kind == "vm" and not icount
        before = b.exits() if counted else 0
        work = b.run(DD if icount else PIPE)
        if counted:
            exits = (before, b.exits() - before)
    finally:
        b.close()
    return boot, work, exits


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 4) for v in values]}


def figures(runs=5, log=print):
    """{"instructions": {...}, "seconds": {...}}: per figure the VM's and
    native values of each run and the ratios' median and spread."""
    raw = {m: {k: {"boot": [], "work": []} for k in ("vm", "native")}
           for m in ("instructions", "seconds")}
    exits = {"boot": [], "work": []}
    for r in range(runs):
        for mode, icount in (("instructions", True), ("seconds", False)):
            for kind in ("vm", "native"):
                boot, work, ex = one(kind, icount)
                raw[mode][kind]["boot"].append(boot)
                raw[mode][kind]["work"].append(work)
                note = ""
                if ex is not None:
                    exits["boot"].append(ex[0])
                    exits["work"].append(ex[1])
                    note = f"; exits {ex[0]:,} and {ex[1]:,}"
                log(f"bench_linux: run {r + 1}/{runs}, {mode}, {kind}: boot {boot:,.2f}, "
                    f"workload {work:,.2f}{note}")
    out = {}
    for mode in raw:
        out[mode] = {}
        for fig in ("boot", "work"):
            vm, nat = raw[mode]["vm"][fig], raw[mode]["native"][fig]
            out[mode][fig] = {"vm": spread(vm), "native": spread(nat),
                              "ratio": spread([v / n for v, n in zip(vm, nat)])}
    # Host time per exit beyond the native run, per run (wall-clock runs).
    out["exits"] = {}
    for fig in ("boot", "work"):
        vm, nat = raw["seconds"]["vm"][fig], raw["seconds"]["native"][fig]
        out["exits"][fig] = {
            "exits": spread(exits[fig]),
            "us_per_exit": spread([(v - n) / e * 1e6 for v, n, e in zip(vm, nat, exits[fig])
                                   if e > 0])}
    return out


ROWS = [
    ("instructions", "boot", "boot, VM start to marker (instructions)"),
    ("instructions", "work", "dd 256 MiB | md5sum (instructions)"),
    ("seconds", "boot", "boot, VM start to marker (wall s)"),
    ("seconds", "work", "yes | head -c 64M | md5sum (wall s)"),
]


def print_rows(fig):
    print(f"{'Linux VM / native (median of runs)':44} {'VM':>14} {'native':>14} "
          f"{'ratio':>6} {'spread':>12}")
    for mode, key, label in ROWS:
        f = fig[mode][key]
        fmt = "{:14,.0f}" if mode == "instructions" else "{:14.2f}"
        print(f"{label:44} {fmt.format(f['vm']['median'])} {fmt.format(f['native']['median'])} "
              f"{f['ratio']['median']:6.2f} {f['ratio']['min']:5.2f}-{f['ratio']['max']:<5.2f}")
    for key, label in (("boot", "boot"), ("work", "pipe")):
        e = fig["exits"][key]
        print(f"VM exits in the {label} (wall-clock runs): {e['exits']['median']:,.0f} "
              f"({e['exits']['min']:,}-{e['exits']['max']:,}); the VM's extra time per exit "
              f"{e['us_per_exit']['median']:.0f} us "
              f"({e['us_per_exit']['min']:.0f}-{e['us_per_exit']['max']:.0f})")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_RUNS", "5"))
    print_rows(figures(n))
