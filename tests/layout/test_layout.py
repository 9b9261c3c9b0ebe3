"""The tree's layout rules (docs/testing.md): no file tracked by git over
600 lines but data and generated files (LONG_ALLOWED); the hyp's private
headers (everything under hyp/) included by nothing outside hyp/ and its
host tests; no cycle among the hyp's source files, nor among the VMM's,
in the test build of either platform (tools/build/cycles.py over the
objects `make print-objs` lists: run after ./build.sh has built them)."""
import fnmatch
import os
import re
import subprocess

import pytest

from conftest import BUILD, ROOT

MAX_LINES = 600
# Data and generated files, which may be longer.
LONG_ALLOWED = [
    "tests/fuzz/seeds/*",  # fuzz corpora
    "*.dtb",  # device tree blobs
    "docs/img/*.svg",  # plots drawn by tools/build/plots.py
]
# The hyp's host tests, which may include its private headers.
HYP_TESTS = ["tests/unit/", "tests/fuzz/", "tests/model/", "tests/bench/", "tests/support/"]
CODE = (".c", ".h", ".S", ".lds", ".mk", "Makefile")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# Folders other programs' headers come from; a name found there is theirs.
SHARED_INCLUDES = ["lib/include", "vmm/include", "tests/support/include"]
PLATFORMS = ["qemu-virt", "rpi4"]
NM = "aarch64-linux-gnu-nm"


def tracked():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                         capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(ROOT, p))]


def test_no_file_over_600_lines():
    long = []
    for path in tracked():
        if any(fnmatch.fnmatch(path, pat) for pat in LONG_ALLOWED):
            continue
        with open(os.path.join(ROOT, path), "rb") as f:
            n = f.read().count(b"\n")
        if n > MAX_LINES:
            long.append(f"{path}: {n} lines")
    assert not long, f"files over {MAX_LINES} lines:\n" + "\n".join(long)


def hyp_header(path, kind, name):
    """The header under hyp/ that `#include <name>` or `"name"` in path
    names, or None."""
    if kind == '"':
        rel = os.path.normpath(os.path.join(os.path.dirname(path), name))
        if rel.startswith("hyp/") and os.path.isfile(os.path.join(ROOT, rel)):
            return rel
    if any(os.path.isfile(os.path.join(ROOT, d, name)) for d in SHARED_INCLUDES):
        return None
    rel = os.path.join("hyp/include", name)
    return rel if os.path.isfile(os.path.join(ROOT, rel)) else None


def test_hyp_private_headers_stay_in_hyp():
    found = []
    for path in tracked():
        if path.startswith("hyp/") or any(path.startswith(t) for t in HYP_TESTS):
            continue
        if not path.endswith(CODE):
            continue
        with open(os.path.join(ROOT, path), errors="replace") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            header = hyp_header(path, m.group(1), m.group(2))
            if header is not None:
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path}:{line}: includes {header}")
        for m in re.finditer(r"-I\S*\bhyp/(include|arch)\S*", text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{path}:{line}: puts {m.group(0)[2:]} on the include path")
    assert not found, "the hyp's private headers outside hyp/:\n" + "\n".join(found)


@pytest.mark.parametrize("plat", PLATFORMS)
@pytest.mark.parametrize("program", ["hyp", "vmm"])
def test_no_cycle(program, plat):
    out = os.path.join(BUILD, f"{plat}-test")
    assert os.path.isdir(os.path.join(out, program)), \
        f"{out}/{program}: not built (./build.sh test builds it)"
    objs = subprocess.run(
        ["make", "-s", "-C", os.path.join(ROOT, program), f"O={out}/{program}",
         f"CONFIG_DIR={out}/config", "print-objs"],
        check=True, capture_output=True, text=True).stdout.split()
    assert objs, f"make -C {program} print-objs listed nothing"
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "build", "cycles.py"),
                        NM, ROOT] + objs, capture_output=True, text=True)
    assert r.returncode == 0, f"{program} ({plat} test build) has cycles:\n{r.stdout}{r.stderr}"
