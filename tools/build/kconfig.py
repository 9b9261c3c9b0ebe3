#!/usr/bin/python3
"""Reads Kconfig with a defconfig and writes the build's configuration.

Usage: kconfig.py KCONFIG DEFCONFIG OUTDIR

Writes OUTDIR/.config, OUTDIR/include/generated/autoconf.h and
OUTDIR/config.mk. A defconfig line that sets an unknown symbol or a value
out of range is reported as FILE:LINE and fails the build.
"""
import os
import re
import sys

import kconfiglib


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    kconfig, defconfig, out = sys.argv[1:]
    kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=False)
    errors = []
    wanted = []
    with open(defconfig) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"CONFIG_([A-Za-z0-9_]+)=(.*)$", line)
            if not m:
                errors.append(f"{defconfig}:{n}: expected CONFIG_NAME=value")
                continue
            name = m.group(1)
            if name not in kconf.syms or not kconf.syms[name].nodes:
                errors.append(f"{defconfig}:{n}: unknown symbol CONFIG_{name}")
                continue
            wanted.append((n, name, m.group(2).strip('"')))
    if errors:
        sys.exit("\n".join(errors))
    kconf.load_config(defconfig)
    for w in kconf.warnings:
        m = re.search(r"(\S+):(\d+)", w)
        loc = f"{m.group(1)}:{m.group(2)}: " if m else f"{defconfig}: "
        errors.append(loc + w.replace("\n", " "))
    for n, name, value in wanted:
        got = kconf.syms[name].str_value
        if got != value:
            errors.append(f"{defconfig}:{n}: CONFIG_{name}={value} not accepted "
                          f"(out of range or dependencies unmet; it would be {got!r})")
    if errors:
        sys.exit("\n".join(errors))
    os.makedirs(os.path.join(out, "include", "generated"), exist_ok=True)
    kconf.write_config(os.path.join(out, ".config"), save_old=False)
    kconf.write_autoconf(os.path.join(out, "include", "generated", "autoconf.h"))
    with open(os.path.join(out, "config.mk"), "w") as f:
        for sym in kconf.unique_defined_syms:
            v = sym.str_value
            if v in ("", "n"):
                continue
            f.write(f"CONFIG_{sym.name}={v}\n")


if __name__ == "__main__":
    main()
