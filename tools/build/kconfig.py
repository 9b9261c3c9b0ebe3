#!/usr/bin/python3
"""Reads Kconfig with a defconfig and writes the build's configuration.

Usage: kconfig.py KCONFIG DEFCONFIG OUTDIR

Writes OUTDIR/.config, OUTDIR/include/generated/autoconf.h and
OUTDIR/config.mk. A defconfig line that sets an unknown symbol or a value
out of range (or "# CONFIG_NAME is not set" of a symbol that ends up set)
is reported as FILE:LINE and fails the build.

autoconf.h defines every bool symbol: 1 if set, 0 if not (kconfiglib leaves
those out), so that C code can test it with `if (CONFIG_NAME)` as well as
`#if CONFIG_NAME`. It is only rewritten when its contents change.
"""
import os
import re
import sys

import kconfiglib


def write_autoconf(kconf, path):
    """kconfiglib's autoconf.h plus "#define CONFIG_NAME 0" for each bool
    symbol that is not set; the file is left alone if nothing changed."""
    tmp = path + ".tmp"
    kconf.write_autoconf(tmp)
    with open(tmp) as f:
        text = f.read()
    os.unlink(tmp)
    for sym in kconf.unique_defined_syms:
        if sym.orig_type == kconfiglib.BOOL and sym.str_value == "n":
            text += f"#define CONFIG_{sym.name} 0\n"
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


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
            unset = re.match(r"#\s*CONFIG_([A-Za-z0-9_]+) is not set$", line)
            if unset:
                name = unset.group(1)
                if name not in kconf.syms or not kconf.syms[name].nodes:
                    errors.append(f"{defconfig}:{n}: unknown symbol CONFIG_{name}")
                else:
                    wanted.append((n, name, "n", f"# CONFIG_{name} is not set"))
                continue
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
            value = m.group(2).strip('"')
            wanted.append((n, name, value, f"CONFIG_{name}={value}"))
    if errors:
        sys.exit("\n".join(errors))
    kconf.load_config(defconfig)
    for w in kconf.warnings:
        m = re.search(r"(\S+):(\d+)", w)
        loc = f"{m.group(1)}:{m.group(2)}: " if m else f"{defconfig}: "
        errors.append(loc + w.replace("\n", " "))
    for n, name, value, text in wanted:
        got = kconf.syms[name].str_value
        if got != value:
            errors.append(f"{defconfig}:{n}: {text} not accepted "
                          f"(out of range or dependencies unmet; it would be {got!r})")
    if errors:
        sys.exit("\n".join(errors))
    os.makedirs(os.path.join(out, "include", "generated"), exist_ok=True)
    kconf.write_config(os.path.join(out, ".config"), save_old=False)
    write_autoconf(kconf, os.path.join(out, "include", "generated", "autoconf.h"))
    with open(os.path.join(out, "config.mk"), "w") as f:
        for sym in kconf.unique_defined_syms:
            v = sym.str_value
            if v in ("", "n"):
                continue
            f.write(f"CONFIG_{sym.name}={v}\n")


if __name__ == "__main__":
    main()
