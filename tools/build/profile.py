#!/usr/bin/python3
"""Where the instructions of one exit go: the bench guest (tests/guests/bench.c)
under QEMU -icount shift=0 with the insnprof plugin (tools/profile/), which
counts every instruction every emulated CPU runs inside the guest's marked
windows (a null hypercall, an MMIO exit to the VMM, a timer deadline to its
handler, an IPI to its handler), run once as most VMs run and once with a
PMU of its own (bench-pmu.cfg). Each window's instructions are split by
who ran them (the hyp at EL2, the VMM or the guest at EL1) and by function.

Usage: profile.py [--json FILE] [--top N]
Needs the test image (build/qemu-virt-test/) and build/host/profile/insnprof.so.
"""
import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile

import pexpect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
VARIANT = "virt-gicv3"
NM = "aarch64-linux-gnu-nm"
PATHS = ["guest_null_hypercall", "guest_mmio_exit", "timer_injection", "virtual_ipi"]
# Windows 0-3: the bench guest as most VMs run (no PMU of its own); 4-7: the
# same with a PMU of its own (bench-pmu.cfg), which every switch saves and loads.
WINDOWS = {**dict(enumerate(PATHS)), **{4 + i: p + "_pmu" for i, p in enumerate(PATHS)}}


class Symbols:
    """Function symbols of an ELF image, relocated to `base`."""

    def __init__(self, elf, base=0):
        out = subprocess.run([NM, "-n", "-S", "--defined-only", elf], check=True,
                             capture_output=True, text=True).stdout
        self.addrs, self.names, self.end = [], [], base
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[-2] in "tTwW":
                addr = int(parts[0], 16) + base
                self.addrs.append(addr)
                self.names.append(parts[-1])
                size = int(parts[1], 16) if len(parts) == 4 else 4
                self.end = max(self.end, addr + size)

    def holds(self, pc):
        return bool(self.addrs) and self.addrs[0] <= pc < self.end

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"


def run(plugin):
    """Boots the test image with the plugin, runs the bench guest, quits:
    the boot log and the plugin's report."""
    fd, out = tempfile.mkstemp(prefix="insnprof-", suffix=".txt")
    os.close(fd)
    cmd = qemu.command(VARIANT, BUILD, ["-icount", "shift=0", "-plugin", f"{plugin},out={out}"],
                       image=IMAGE, snapshot=True)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=600)
    guest = ""
    try:
        child.expect_exact("vmm> ")
        boot = child.before
        for name in ("bench", "bench-pmu"):
            child.sendline(f"guest {name}")
            child.expect_exact("vmm> ")
            guest += child.before
        child.sendcontrol("a")
        child.send("x")
        child.expect(pexpect.EOF, timeout=120)
    finally:
        child.close(force=True)
    if "vm bench: powered off" not in guest or "vm bench-pmu: powered off" not in guest:
        sys.exit(f"profile: the bench guest did not finish:\n{guest}")
    with open(out) as f:
        report = f.read()
    os.unlink(out)
    return boot, report


def analyse(boot, report, top):
    img = qemu.image_dir("qemu-virt", BUILD, IMAGE)
    hyp_base = int(re.search(r"hyp image \d+ KiB at (0x[0-9a-f]+)", boot).group(1), 16)
    vmm_base = int(re.search(r"starting the VMM at EL1 \(entry (0x[0-9a-f]+)\)", boot).group(1), 16)
    hyp = Symbols(os.path.join(img, "hyp", "hyp.elf"), hyp_base)
    vmm = Symbols(os.path.join(img, "vmm", "vmm.elf"), vmm_base)
    guest = Symbols(os.path.join(BUILD, "guests", "bench.elf"))
    result = {}
    for m in re.finditer(r"^window (\d+) (\d+) (\d+)$", report, re.M):
        k, n, total = (int(x) for x in m.groups())
        result[k] = {"name": WINDOWS.get(k, f"window{k}"), "windows": n,
                     "per_window": total / n, "by_part": {}, "by_function": {}, "by_cpu": {}}
    for m in re.finditer(r"^cpu (\d+) (\d+) (\d+) (\d+)$", report, re.M):
        k, cpu, el, insns = (int(x) for x in m.groups())
        w = result[k]
        w["by_cpu"][cpu] = w["by_cpu"].get(cpu, 0) + insns / w["windows"]
    for m in re.finditer(r"^pc (\d+) (\d+) (0x[0-9a-f]+) (\d+)$", report, re.M):
        k, el, pc, insns = int(m.group(1)), int(m.group(2)), int(m.group(3), 16), int(m.group(4))
        w = result[k]
        if el == 2:
            part, fn = "hyp", hyp.name(pc)
        elif el == 1 and guest.holds(pc):
            part, fn = "guest", guest.name(pc)
        elif el == 1:
            part, fn = "vmm", vmm.name(pc)
        else:
            part, fn = f"EL{el}", "?"
        per = insns / w["windows"]
        w["by_part"][part] = w["by_part"].get(part, 0) + per
        key = f"{part}:{fn}"
        w["by_function"][key] = w["by_function"].get(key, 0) + per
    for w in result.values():
        w["by_function"] = dict(sorted(w["by_function"].items(), key=lambda kv: -kv[1])[:top])
    dropped = re.search(r"^dropped (\d+)$", report, re.M)
    if dropped and int(dropped.group(1)) != 0:
        print(f"profile: {dropped.group(1)} instructions not attributed (table full)")
    return result


def show(result):
    for k in sorted(result):
        w = result[k]
        parts = ", ".join(f"{p} {v:,.0f}" for p, v in sorted(w["by_part"].items(), key=lambda kv: -kv[1]))
        cpus = ", ".join(f"CPU{c} {v:,.0f}" for c, v in sorted(w["by_cpu"].items()))
        print(f"\n{w['name']}: {w['per_window']:,.1f} instructions per window "
              f"({w['windows']} windows); {parts}; {cpus}")
        for fn, v in w["by_function"].items():
            print(f"  {v:10,.1f}  {fn}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the breakdown here too")
    ap.add_argument("--top", type=int, default=25, help="functions listed per window")
    ap.add_argument("--plugin", default=os.path.join(BUILD, "host", "profile", "insnprof.so"))
    args = ap.parse_args()
    boot, report = run(args.plugin)
    result = analyse(boot, report, args.top)
    show(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
