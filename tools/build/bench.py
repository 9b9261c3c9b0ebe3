#!/usr/bin/python3
"""./build.sh bench: instruction counts of the hyp's calls in QEMU,
nanoseconds per operation of the memory core compiled for the build machine,
and the Linux VM against the same kernel booted natively by the same QEMU.

QEMU runs with -icount shift=0, so the PMU cycle counter the VMM reads
advances by one per executed instruction: the figures repeat on any
machine. The host figures are wall-clock and vary by about 20% here.

Writes build/bench/results.json and prints a table.
"""
import json
import os
import re
import subprocess
import sys
import time

import pexpect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
VARIANT = "virt-gicv3"


def qemu_figures():
    cmd = qemu.command(VARIANT, BUILD, ["-icount", "shift=0"])
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=300)
    try:
        child.expect_exact("vmm> ")
        child.sendline("bench")
        child.expect_exact("vmm> ")
        out = child.before.replace("\r", "")
        child.sendline("guest bench")
        child.expect_exact("vmm> ")
        guest_out = child.before.replace("\r", "")
    finally:
        child.sendcontrol("a")
        child.send("x")
        child.close(force=True)
    if "BENCH done" not in out:
        sys.exit(f"bench: the VMM's bench did not finish:\n{out}")
    if "vm bench: powered off" not in guest_out:
        sys.exit(f"bench: the bench guest did not finish:\n{guest_out}")
    figures = {}
    for m in re.finditer(r"^(?:\[bench\] )?BENCH (\S+) (\d+) (\d+)$", out + guest_out, re.M):
        figures[m.group(1)] = {"median": int(m.group(2)), "samples": int(m.group(3))}
    return figures


LINUX_CMDLINE = "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init"
WORKLOAD = "dd if=/dev/zero of=/tmp/f bs=1M count=64 2>/dev/null && md5sum /tmp/f"
MARKER = r"HYP-GUEST-READY \S+ cpus=2"


def timed_workload(child):
    """Seconds of wall-clock time the 64 MiB tmpfs workload takes."""
    child.expect_exact("#", timeout=60)
    t = time.monotonic()
    child.sendline(WORKLOAD)
    child.expect(r"[0-9a-f]{32}  /tmp/f", timeout=600)
    return time.monotonic() - t


def linux_figures():
    """Boot time to the marker and the workload's time, in the Linux VM
    (from the start of its boot vCPU) and natively (from QEMU's start: the
    same QEMU machine type, 2 CPUs, 256 MiB, the same Image, initramfs and
    command line, no hypervisor)."""
    bundle = os.path.join(BUILD, "qemu-virt", "bundle", "linux")
    cmd = qemu.command(VARIANT, BUILD)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=300)
    try:
        child.expect_exact("vmm> ")
        child.sendline("run linux")
        child.expect(r"vm linux: vm\d+, 256 MiB, 2 vCPUs; console attached")
        t = time.monotonic()  # vm_start and the boot vCPU's first vcpu_run follow
        child.expect(MARKER, timeout=600)
        vm = {"boot_s": time.monotonic() - t, "workload_s": timed_workload(child)}
    finally:
        child.sendcontrol("a")
        child.send("x")
        child.close(force=True)
    native_cmd = [qemu.QEMU, "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", "2",
                  "-m", "256M", "-kernel", os.path.join(bundle, "Image"),
                  "-initrd", os.path.join(bundle, "initrd.gz"), "-append", LINUX_CMDLINE,
                  "-display", "none", "-nic", "none", "-serial", "mon:stdio"]
    t = time.monotonic()
    child = pexpect.spawn(native_cmd[0], native_cmd[1:], encoding="utf-8",
                          codec_errors="replace", timeout=300)
    try:
        child.expect(MARKER, timeout=600)
        native = {"boot_s": time.monotonic() - t, "workload_s": timed_workload(child)}
    finally:
        child.sendcontrol("a")
        child.send("x")
        child.close(force=True)
    return {"vm": vm, "native": native}


def host_figures():
    exe = os.path.join(BUILD, "host", "bench", "bench_host")
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    figures = {}
    for m in re.finditer(r"^HOST (\S+) ([0-9.]+) (\d+)$", out, re.M):
        figures[m.group(1)] = {"ns": float(m.group(2)), "iterations": int(m.group(3))}
    return figures


ROWS = [
    ("null_hypercall", "null hypercall round trip"),
    ("prot_and_map_4k", "prot_and_map, 4 KiB page"),
    ("prot_and_map_2m", "prot_and_map, 2 MiB block"),
    ("grant_4k", "grant, one page"),
    ("revoke_4k", "revoke, one page"),
    ("clear_4k", "clear_vm_range, per page"),
    ("clear_2m", "clear_vm_range, per 2 MiB"),
    ("guest_null_hypercall", "guest null hypercall round trip"),
    ("guest_mmio_exit_ns", "guest MMIO exit to the VMM and back (ns)"),
    ("timer_injection_ns", "timer deadline to guest handler (ns)"),
    ("virtual_ipi_ns", "virtual IPI, send to handler (ns)"),
]


def main():
    t0 = time.monotonic()
    q = qemu_figures()
    h = host_figures()
    lx = linux_figures()
    results = {
        "qemu": {"variant": VARIANT, "unit": "instructions (median; PMU cycles under -icount shift=0)",
                 "ops": q},
        "host": {"unit": "nanoseconds per operation of hyp/core/mem.c built for the build machine",
                 "ops": h},
        "linux": {"variant": VARIANT, "unit": "seconds of wall-clock time, one run", **lx},
        "seconds": round(time.monotonic() - t0, 1),
    }
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    path = os.path.join(BUILD, "bench", "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"{'operation':42} {'instructions':>13} {'host ns':>10}")
    for key, label in ROWS:
        qi = q.get(key, {}).get("median", "-")
        hn = h.get(key, {}).get("ns")
        print(f"{label:42} {qi:>13} {('%.0f' % hn) if hn is not None else '-':>10}")
    print()
    print(f"{'Linux, wall-clock seconds':42} {'VM':>8} {'native':>8} {'ratio':>7}")
    for key, label in [("boot_s", "boot: vcpu_run to the marker line"),
                       ("workload_s", "64 MiB written to tmpfs and md5sum")]:
        v, n = lx["vm"][key], lx["native"][key]
        print(f"{label:42} {v:8.2f} {n:8.2f} {v / n:7.2f}")
    print(f"(written to {path})")


if __name__ == "__main__":
    main()
