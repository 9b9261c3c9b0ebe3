#!/usr/bin/python3
"""./build.sh bench: instruction counts of the hyp's calls in QEMU,
nanoseconds per operation of the memory core compiled for the build machine,
the instructions of each exit path, counted by a QEMU plugin (profile.py),
and the Linux VM against the same kernel booted natively by the same QEMU
(boot, a tmpfs workload, block and network throughput: bench_io.py).
Exits per second with 1, 2 and 4 vCPUs of two VMs doing MMIO (wall-clock
medians, and instructions per exit under -icount). `bench.py paths`
measures only the exit paths, with their profile; `bench.py scaling` only
the exits per second; `bench.py plots` redraws the plots of results.json.

QEMU runs with -icount shift=0, so the PMU cycle counter the VMM reads
advances by one per executed instruction: the figures repeat on any
machine. The host figures are wall-clock and vary by about 20% here.

QEMU boots the test image (build/qemu-virt-test/, or the image HYP_IMAGE
names): the grant and revoke rows need its test-only calls
(HV_FN_TEST_GRANT, HV_FN_TEST_REVOKE; on a release image they would time
the refusal, HV_E_NOT_SUPPORTED).

Writes build/bench/results.json, prints a table and draws the plots
(plots.py: build/bench/*.svg).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

import pexpect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_io  # noqa: E402
import bench_linux  # noqa: E402
import profile as exit_profile  # noqa: E402
import qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("HYP_IMAGE", "test")
VARIANT = "virt-gicv3"


def quit_qemu(child):
    """Ctrl-A X: QEMU's (or the console multiplexer's) way out."""
    child.sendcontrol("a")
    child.send("x")
    child.close(force=True)


def qemu_figures():
    cmd = qemu.command(VARIANT, BUILD, ["-icount", "shift=0"], image=IMAGE, snapshot=True)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=300)
    try:
        child.expect_exact("vmm> ")
        child.sendline("bench")
        child.expect_exact("vmm> ")
        out = child.before.replace("\r", "")
        child.sendline("guest bench-pmu")  # its own PMU times the null hypercall
        child.expect_exact("vmm> ")
        guest_out = child.before.replace("\r", "")
    finally:
        quit_qemu(child)
    if "BENCH done" not in out:
        sys.exit(f"bench: the VMM's bench did not finish:\n{out}")
    if "vm bench-pmu: powered off" not in guest_out:
        sys.exit(f"bench: the bench guest did not finish:\n{guest_out}")
    figures = {}
    for m in re.finditer(r"^(?:\[bench\] )?BENCH (\S+) (\d+) (\d+)$", out + guest_out, re.M):
        figures[m.group(1)] = {"median": int(m.group(2)), "samples": int(m.group(3))}
    return figures


ECHO_CFG = """name = "bench-echo"
kernel = "guests/echo.bin"
memory = 16
vcpus = 1
"""
BIG_CFG = """name = "bench-big"
kernel = "linux/Image"
ramdisk = "linux/initrd.gz"
cmdline = "console=ttyAMA0 rdinit=/init"
memory = 256
vcpus = 2
"""


def vmctl_figures():
    """Through vmctl, on the default system without -icount: create and boot
    a 16 MiB guest to its first console line; destroy a 256 MiB VM (its
    clear_vm_range scrub timed by the VMM) against a plain memset of 256 MiB
    in the same run."""
    import subprocess
    import tempfile

    rundir = os.path.join(BUILD, "bench", "run")
    vmctl = os.path.join(BUILD, "vmctl", "vmctl")
    sock = os.path.join(rundir, "vmm.sock")
    child = pexpect.spawn("/usr/bin/python3", [os.path.join(ROOT, "tools", "build", "qemu.py"),
                                               VARIANT, "--build", BUILD, "--image", IMAGE,
                                               "--serve", rundir],
                          encoding="utf-8", codec_errors="replace", timeout=300)
    tmp = tempfile.mkdtemp()

    def run(*args):
        subprocess.run([vmctl, "-c", sock] + list(args), check=True, capture_output=True,
                       timeout=300)

    def cfg(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    try:
        child.expect_exact("vmm> ")
        for _ in range(50):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        child.sendline("memset-bench 256")
        child.expect(r"memset-bench: (\d+) MiB zeroed in (\d+) us")
        memset_mib, memset_us = int(child.match.group(1)), int(child.match.group(2))
        echo = cfg("echo.cfg", ECHO_CFG)
        t = time.monotonic()
        run("create", echo)
        run("start", "bench-echo")
        con = pexpect.spawn(vmctl, ["-c", sock, "console", "bench-echo"], encoding="utf-8",
                            codec_errors="replace", timeout=60)
        con.expect(r"echo: ready")
        boot_s = time.monotonic() - t
        con.sendcontrol("]")
        con.expect(pexpect.EOF)
        run("destroy", "bench-echo")
        run("create", cfg("big.cfg", BIG_CFG))
        run("start", "bench-big")
        time.sleep(2)
        t = time.monotonic()
        run("destroy", "bench-big")
        destroy_s = time.monotonic() - t
        child.expect(r"vm bench-big: destroyed after \d+ exits .*; (\d+) MiB cleared in (\d+) us")
        clear_mib, clear_us = int(child.match.group(1)), int(child.match.group(2))
    finally:
        quit_qemu(child)
    return {"create_boot_16mib_s": boot_s, "destroy_256mib_s": destroy_s,
            "clear_mib": clear_mib, "clear_us": clear_us,
            "memset_mib": memset_mib, "memset_us": memset_us}


# Each row's VMs (configs/vms/scale-*.cfg: 1 or 2 vCPUs each), run at once
# by the VMM's `guest` command.
SCALE_ROWS = [("scale-1a",), ("scale-1a", "scale-1b"), ("scale-2a", "scale-2b")]


def scaling_figures(runs=5, log=print):
    """Exits per second of guests doing MMIO (tests/guests/exitscale.c)
    with 1, 2 and 4 vCPUs in one or two VMs, on the default system with a
    fifth CPU (the VMM's CPU 0 serves the console; the others run vCPUs):
    wall-clock, `runs` times with the rows interleaved (medians, spread);
    then once under -icount shift=0, where a row's virtual time is every
    CPU's instructions, so instructions per exit show whether any CPU
    waited for another (a lock held across the exit path would add its
    spinning)."""

    def one_system(extra, rounds):
        # A fifth CPU: CPU 0 serves the console, so each of 4 vCPUs has one.
        cmd = qemu.command(VARIANT, BUILD, ["-smp", "5"] + extra, image=IMAGE, snapshot=True)
        child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                              timeout=900)
        out = {r: [] for r in SCALE_ROWS}
        try:
            child.expect_exact("vmm> ")
            for rnd in range(rounds):
                for row in SCALE_ROWS:
                    child.sendline("guest " + " ".join(row))
                    child.expect_exact("vmm> ")
                    text = child.before.replace("\r", "")
                    lines = [[int(g) for g in m.groups()] for m in re.finditer(
                        r"SCALE vcpus=(\d+) exits=(\d+) start=(\d+) end=(\d+)", text)]
                    if len(lines) != len(row) or "FAIL" in text:
                        raise RuntimeError(f"bench: the scaling guests went wrong:\n{text}")
                    if len({ln[2] for ln in lines}) != 1:
                        raise RuntimeError(f"bench: the scaling VMs began apart:\n{text}")
                    exits = sum(ln[1] for ln in lines)
                    span = max(ln[3] for ln in lines) - lines[0][2]
                    out[row].append((exits, span))
                    log(f"bench scaling: {'icount' if extra else 'wall'} round {rnd + 1}/"
                        f"{rounds}, {' + '.join(row)}: {exits} exits in {span} ns")
        finally:
            quit_qemu(child)
        return out

    wall = one_system([], runs)
    icount = one_system(["-icount", "shift=0"], 1)
    rows = []
    for row in SCALE_ROWS:
        rates = [e / (ns / 1e9) for e, ns in wall[row]]
        e, ns = icount[row][0]
        vcpus = sum(int(name[6]) for name in row)
        rows.append({"vcpus": vcpus, "vms": len(row),
                     "exits_per_s": {"median": statistics.median(rates), "min": min(rates),
                                     "max": max(rates), "runs": [round(r) for r in rates]},
                     "instructions_per_exit": ns / e})
    return {"host_cpus": os.cpu_count(), "rows": rows}


def print_scaling(sc):
    print(f"{'exits per second (exitscale, two VMs)':42} {'wall median':>12} {'spread':>17} "
          f"{'insn/exit':>10}")
    base = sc["rows"][0]["exits_per_s"]["median"]
    for r in sc["rows"]:
        e = r["exits_per_s"]
        print(f"{'  %d vCPU(s) in %d VM(s)' % (r['vcpus'], r['vms']):42} {e['median']:12,.0f} "
              f"{e['min']:8,.0f}-{e['max']:<8,.0f} {r['instructions_per_exit']:10,.0f}"
              f"   ({e['median'] / base:.2f}x)")


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


PATHS = [
    ("guest_null_hypercall", "guest null hypercall"),
    ("guest_mmio_exit", "guest MMIO exit to the VMM and back"),
    ("timer_injection", "timer armed to guest handler (incl. waiting)"),
    ("virtual_ipi", "virtual IPI, send to handler"),
]
PATHS += [(k + "_pmu", label + ", guest PMU") for k, label in PATHS]


def profile_figures():
    """Every CPU's instructions in each of the bench guest's windows, by
    the insnprof plugin (profile.py): the paths' own counts."""
    plugin = os.path.join(BUILD, "host", "profile", "insnprof.so")
    boot, report = exit_profile.run(plugin)
    return {w["name"]: w for w in exit_profile.analyse(boot, report, 12).values()}


def print_paths(p):
    print(f"{'path (every CPU, insnprof)':42} {'instructions':>13} {'hyp':>7} {'VMM':>7} {'guest':>7}")
    for key, label in PATHS:
        w = p.get(key)
        if w is None:
            continue
        parts = w["by_part"]
        print(f"{label:42} {w['per_window']:13,.0f} {parts.get('hyp', 0):7,.0f} "
              f"{parts.get('vmm', 0):7,.0f} {parts.get('guest', 0):7,.0f}")


def plots(path):
    """The SVG plots of results.json, beside it (tools/build/plots.py)."""
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "build", "plots.py"), path,
                    os.path.dirname(path)], check=True)


def main():
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    path = os.path.join(BUILD, "bench", "results.json")
    if sys.argv[1:] == ["paths"]:
        p = profile_figures()
        print_paths(p)
        exit_profile.show({i: w for i, w in enumerate(p.values())})
        return
    if sys.argv[1:] == ["scaling"]:
        print_scaling(scaling_figures(runs))
        return
    if sys.argv[1:] == ["plots"]:
        plots(path)
        return
    t0 = time.monotonic()
    q = qemu_figures()
    p = profile_figures()
    h = host_figures()
    sc = scaling_figures(runs)
    lx = bench_linux.figures(runs)
    vc = vmctl_figures()
    io = bench_io.io_figures(BUILD, VARIANT, IMAGE, runs)
    results = {
        "image": IMAGE,
        "qemu": {"variant": VARIANT, "unit": "instructions (median; PMU cycles under -icount shift=0)",
                 "ops": q},
        "paths": {"variant": VARIANT, "unit": "instructions of every CPU per window (insnprof)",
                  "windows": p},
        "host": {"unit": "nanoseconds per operation of hyp/core/mem.c built for the build machine",
                 "ops": h},
        "linux": {"variant": VARIANT, "unit": "instructions (-icount, every CPU) and wall-clock "
                  "seconds; VM and native interleaved, ratios VM / native", **lx},
        "vmctl": {"variant": VARIANT, "unit": "wall-clock (host) and VMM counter times", **vc},
        "scaling": {"variant": VARIANT, "unit": "MMIO exits per wall-clock second; "
                    "instructions of every CPU per exit under -icount shift=0", **sc},
        "io": {"variant": VARIANT, "unit": "MiB/s of wall-clock time; VMs and native "
               "interleaved, ratios VM / native", **io},
        "seconds": round(time.monotonic() - t0, 1),
    }
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"{'operation':42} {'instructions':>13} {'host ns':>10}")
    for key, label in ROWS:
        qi = q.get(key, {}).get("median", "-")
        hn = h.get(key, {}).get("ns")
        print(f"{label:42} {qi:>13} {('%.0f' % hn) if hn is not None else '-':>10}")
    print()
    print_paths(p)
    print()
    bench_linux.print_rows(lx)
    print()
    bench_io.print_rows(io)
    print()
    clear_rate = vc["clear_mib"] / (vc["clear_us"] / 1e6)
    memset_rate = vc["memset_mib"] / (vc["memset_us"] / 1e6)
    print(f"{'VM life cycle (vmctl)':42} {'value':>10}")
    print(f"{'create + boot 16 MiB guest to 1st line, ms':42} {vc['create_boot_16mib_s'] * 1000:10.0f}")
    print(f"{'destroy a 256 MiB VM (vmctl destroy), ms':42} {vc['destroy_256mib_s'] * 1000:10.0f}")
    print(f"{'  clear_vm_range of its 256 MiB, ms':42} {vc['clear_us'] / 1000:10.0f}")
    print(f"{'  scrub rate, MiB/s':42} {clear_rate:10.0f}")
    print(f"{'  memset of 256 MiB in the VMM, MiB/s':42} {memset_rate:10.0f}")
    print(f"{'  scrub / memset':42} {clear_rate / memset_rate:10.2f}")
    print()
    print_scaling(sc)
    print(f"(written to {path})")
    plots(path)


if __name__ == "__main__":
    main()
