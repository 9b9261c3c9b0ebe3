#!/usr/bin/python3
"""Lines of the trusted code: every source and header that went into
hyp.bin, read from the compiler's dependency files of the objects a hyp
build links, counted once each and grouped by directory (hyp/ and the parts
of lib/ it uses).

Usage: loc.py ROOT OBJECT... (the objects `make -C hyp print-objs` lists)
"""
import collections
import os
import sys


def deps(obj):
    """Paths the compiler's dependency file of obj names."""
    with open(obj[:-2] + ".d") as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        _, _, rest = line.partition(":")
        yield from rest.split()


def main():
    root = os.path.realpath(sys.argv[1])
    files = set()
    for obj in sys.argv[2:]:
        for path in deps(obj):
            path = os.path.realpath(path)
            rel = os.path.relpath(path, root)
            if rel.startswith("..") or rel.startswith("build" + os.sep):
                continue
            if os.path.splitext(rel)[1] in (".c", ".h", ".S"):
                files.add(rel)
    if not files:
        sys.exit("loc: no sources found in the dependency files")
    per_dir = collections.Counter()
    for rel in files:
        with open(os.path.join(root, rel), errors="replace") as f:
            per_dir[os.path.dirname(rel)] += sum(1 for _ in f)
    print("%-28s %6s" % ("linked into hyp.bin", "lines"))
    for d in sorted(per_dir):
        print("%-28s %6d" % (d + "/", per_dir[d]))
    print("%-28s %6d" % ("total", sum(per_dir.values())))


if __name__ == "__main__":
    main()
