#!/usr/bin/python3
"""Plots of ./build.sh bench's results.json, as SVG (matplotlib):

- instructions.svg: the exit paths and memory calls, instructions before
  (tools/build/bench_before.json) and now, with the targets;
- ratios.svg: the Linux VM and the I/O against native, the median of the
  interleaved runs with their spread (min to max), and the targets;
- scaling.svg: exits per second of guests doing MMIO with 1, 2 and 4
  vCPUs, when results.json has them (bench.py's scaling figures).

Usage: plots.py RESULTS.json OUTDIR
"""
import json
import os
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
plt.rcParams["svg.hashsalt"] = "hyp-bench"  # the same input gives the same file
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["font.size"] = 9

PATH_ROWS = [
    ("guest_null_hypercall", "guest null hypercall"),
    ("guest_mmio_exit", "guest MMIO exit, VMM and back"),
    ("timer_injection", "timer armed to handler"),
    ("virtual_ipi", "virtual IPI, send to handler"),
]
OP_ROWS = [
    ("prot_and_map_4k", "prot_and_map 4 KiB"),
    ("prot_and_map_2m", "prot_and_map 2 MiB"),
    ("grant_4k", "grant one page"),
    ("revoke_4k", "revoke one page"),
]
RATIO_ROWS = [
    ("linux", "instructions", "boot", "Linux boot, instructions"),
    ("linux", "seconds", "boot", "Linux boot, wall-clock"),
    ("linux", "instructions", "work", "dd 256 MiB | md5sum, instructions"),
    ("linux", "seconds", "work", "yes | head -c 64M | md5sum, wall-clock"),
    ("io", None, "blk_mib_s", "virtio-blk read (throughput)"),
    ("io", None, "net_mib_s", "virtio-net, VM to VM (throughput)"),
]


def instructions(res, before, out):
    labels, old, now_pmu, now, target = [], [], [], [], []
    windows = res.get("paths", {}).get("windows", {})
    for key, label in PATH_ROWS:
        if key + "_pmu" not in windows:
            continue
        labels.append(label)
        old.append(before["paths"].get(key + "_pmu"))
        now_pmu.append(windows[key + "_pmu"]["per_window"])
        now.append(windows[key]["per_window"] if key in windows else None)
        target.append(before["targets"].get(key + "_pmu"))
    ops = res.get("qemu", {}).get("ops", {})
    for key, label in OP_ROWS:
        if key not in ops:
            continue
        labels.append(label)
        old.append(before["ops"].get(key))
        now_pmu.append(None)
        now.append(ops[key]["median"])
        target.append(before["targets"].get(key))
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(labels) + 1.4))
    h = 0.27
    ys = range(len(labels))
    for i, (vals, name, colour) in enumerate([
            (old, "before", "#bbbbbb"),
            (now_pmu, "now, guest with a PMU of its own", "#6a9fd4"),
            (now, "now (paths: guest without a PMU)", "#1f4e79")]):
        pos = [y + (i - 1) * h for y, v in zip(ys, vals) if v]
        ax.barh(pos, [v for v in vals if v], height=h, label=name, color=colour)
        for p, v in zip(pos, [v for v in vals if v]):
            ax.text(v * 1.08, p, f"{v:,.0f}", va="center", fontsize=7)
    tys = [y for y, t in zip(ys, target) if t]
    ax.scatter([t for t in target if t], tys, marker="|", s=300, color="#c0392b",
               label="target", zorder=3)
    ax.set_xscale("log")
    ax.set_yticks(list(ys))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel("instructions (log scale; -icount shift=0, exact)")
    ax.set_title("Exit paths (insnprof, every CPU per window) and memory calls (VMM's bench)")
    ax.legend(loc="lower right", fontsize=7)
    ax.set_xlim(right=max(v for v in old + now + now_pmu if v) * 6)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "instructions.svg"))
    plt.close(fig)


def ratios(res, before, out):
    labels, med, lo, hi, target = [], [], [], [], []
    for group, mode, key, label in RATIO_ROWS:
        g = res.get(group)
        if not g:
            continue
        f = g[mode][key] if mode else g.get(key)
        if not f or "ratio" not in f:
            continue
        r = f["ratio"]
        labels.append(label)
        med.append(r["median"])
        lo.append(r["median"] - r["min"])
        hi.append(r["max"] - r["median"])
        tkey = f"{group}_{mode}_{key}" if mode else f"{group}_{key}"
        target.append(before["targets"].get(tkey))
    if not labels:
        return
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(labels) + 1.4))
    ys = list(range(len(labels)))
    ax.barh(ys, med, xerr=[lo, hi], color="#1f4e79", capsize=3, height=0.5,
            label="VM / native, median (bar: min to max)")
    for y, m, e in zip(ys, med, hi):
        ax.text(m + e + 0.05, y, f"{m:.2f}", va="center", fontsize=7)
    tys = [y for y, t in zip(ys, target) if t]
    ax.scatter([t for t in target if t], tys, marker="|", s=300, color="#c0392b",
               label="target", zorder=3)
    ax.axvline(1.0, color="#888888", linewidth=0.8)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    runs = len(res.get("linux", {}).get("seconds", {}).get("boot", {}).get("ratio", {})
               .get("runs", []))
    ax.set_xlabel("VM / native (times and instructions: lower is better; throughput: "
                  "higher is better)")
    ax.set_title(f"The Linux VM and its I/O against native, {runs} interleaved runs each")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "ratios.svg"))
    plt.close(fig)


def scaling(res, out):
    sc = res.get("scaling")
    if not sc:
        return
    rows = sc["rows"]
    n = [r["vcpus"] for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.2))
    med = [r["exits_per_s"]["median"] for r in rows]
    ax[0].errorbar(n, med, yerr=[[m - r["exits_per_s"]["min"] for m, r in zip(med, rows)],
                                 [r["exits_per_s"]["max"] - m for m, r in zip(med, rows)]],
                   marker="o", capsize=3, color="#1f4e79", label="measured (median, min-max)")
    ax[0].plot(n, [med[0] * k for k in n], linestyle="--", color="#999999",
               label="linear from 1 vCPU")
    ax[0].set_xticks(n)
    ax[0].set_xlabel("vCPUs doing MMIO (two VMs)")
    ax[0].set_ylabel("exits per second (wall-clock)")
    ax[0].set_title(f"Wall-clock, {sc.get('host_cpus', '?')} host cores", fontsize=9)
    ax[0].legend(fontsize=7)
    per = [r["instructions_per_exit"] for r in rows]
    ax[1].bar([str(k) for k in n], per, color="#6a9fd4")
    for i, v in enumerate(per):
        ax[1].text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)
    ax[1].set_xlabel("vCPUs doing MMIO (two VMs)")
    ax[1].set_ylabel("instructions per exit, every CPU")
    ax[1].set_title("-icount shift=0: flat = no CPU waits for another", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "scaling.svg"))
    plt.close(fig)


def main(results, out):
    with open(results) as f:
        res = json.load(f)
    with open(os.path.join(HERE, "bench_before.json")) as f:
        before = json.load(f)
    os.makedirs(out, exist_ok=True)
    instructions(res, before, out)
    ratios(res, before, out)
    scaling(res, out)
    print(f"plots: {', '.join(sorted(p for p in os.listdir(out) if p.endswith('.svg')))} "
          f"in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plots.py RESULTS.json OUTDIR")
    main(sys.argv[1], sys.argv[2])
