"""The release image against the test image: the test-only calls (Kconfig
TEST_HOOKS: HV_FN_TEST_GRANT, HV_FN_TEST_REVOKE, HV_FN_TEST_FAULT and the
VMM's commands for them) are in the test image the other tests boot
(build/PLATFORM-test/) and nowhere in the release image users run
(build/PLATFORM/).

Without booting: the two configurations; the two builds' objects, section
by section, differ only in the objects that hold the hooks; the release
hyp's dispatcher has no call to mem_grant or mem_revoke. Booted (virt GICv3
only, one boot of each image, the test one only to its banner): the release
banner has no TEST BUILD line and its VMM has no test-fault and no vm grant
or revoke; the test banner has the line."""
import os
import re
import struct
import subprocess

import pytest

import conftest
import qemu

BUILD = conftest.BUILD
PLATFORMS = ["qemu-virt", "rpi4"]
MEDIUM = {"qemu-virt": "disk.img", "rpi4": "sdcard.img"}
VARIANT = "virt-gicv3"
LINUX_PROMPT = "/ # "
TEST_BANNER = "hyp: TEST BUILD: test-only calls are on; VMs are not protected"
NM = "aarch64-linux-gnu-nm"

# The objects the two builds may differ in (paths under build/PLATFORM/):
# the hyp's call table (the test calls), its boot (the banner line), its
# secondary CPUs' idle loop (the test fault), the VMM image the hyp
# embeds, the VMM's commands, and the hostile VMM of the test build (its
# attacks, the tasks it runs on the worker CPUs and the runner's hook that
# runs them, its answer to an MMIO exit in RAM, which never comes, its
# timing of its own memory calls, and its answer to the calls guests
# address to the VMM: hostile_hvc.c), and the VMM's start-up, which starts
# the VMs marked autostart in the release build only.
MAY_DIFFER = {
    "hyp/hyp/core/hvc.c.o",
    "hyp/hyp/core/boot.c.o",
    "hyp/hyp/core/cpu.c.o",
    "hyp/hyp/arch/aarch64/vmm_image.S.o",
    "vmm/vmm/shell/shell.c.o",
    "vmm/vmm/shell/vmcmd.c.o",
    "vmm/vmm/hostile/hostile.c.o",
    "vmm/vmm/hostile/hostile_task.c.o",
    "vmm/vmm/hostile/hostile_fp.c.o",
    "vmm/vmm/hostile/hostile_pmu.c.o",
    "vmm/vmm/hostile/hostile_storm.c.o",
    "vmm/vmm/hostile/hostile_lend.c.o",
    "vmm/vmm/hostile/hostile_disk.c.o",
    "vmm/vmm/hostile/hostile_latency.c.o",
    "vmm/vmm/hostile/hostile_hvc.c.o",
    "vmm/vmm/core/runner.c.o",
    "vmm/vmm/core/vmexit.c.o",
    "vmm/vmm/core/main.c.o",
}
# Those that must differ: where the hooks are. If they did not, the
# comparison would not be seeing them.
MUST_DIFFER = {"hyp/hyp/core/hvc.c.o", "hyp/hyp/core/boot.c.o", "hyp/hyp/core/cpu.c.o",
               "vmm/vmm/shell/shell.c.o"}
# What only the test calls use in the call table's file (hvc.c calls these
# only under CONFIG_TEST_HOOKS; the guests' own grant and revoke are
# guest_trap.c's).
HOOK_SYMBOLS = {"mem_grant", "mem_revoke", "hyp_test_fault_cpu"}


def image_dir(plat, image):
    return qemu.image_dir(plat, BUILD, image)


# ------------------------------------------------------------ no boot ----

def autoconf_value(plat, image, name):
    path = os.path.join(image_dir(plat, image), "config", "include", "generated", "autoconf.h")
    with open(path) as f:
        m = re.search(rf"^#define CONFIG_{name} (\S+)$", f.read(), re.M)
    return m.group(1) if m else None


def config_lines(plat, image):
    with open(os.path.join(image_dir(plat, image), "config", ".config")) as f:
        return {ln for ln in f.read().splitlines() if ln.startswith(("CONFIG_", "# CONFIG_"))}


@pytest.mark.parametrize("plat", PLATFORMS)
def test_configurations(plat):
    """TEST_HOOKS off in the release build, on in the test build;
    VMM_AUTOSTART the other way round (every test starts with no VM); and
    nothing else apart (configs/PLATFORM-test_defconfig has kept up with
    configs/PLATFORM_defconfig)."""
    assert autoconf_value(plat, "release", "TEST_HOOKS") in (None, "0")
    assert autoconf_value(plat, "test", "TEST_HOOKS") == "1"
    rel, tst = config_lines(plat, "release"), config_lines(plat, "test")
    assert autoconf_value(plat, "release", "VMM_AUTOSTART") == "1"
    assert autoconf_value(plat, "test", "VMM_AUTOSTART") in (None, "0")
    assert rel - tst == {"# CONFIG_TEST_HOOKS is not set", "CONFIG_VMM_AUTOSTART=y"}, \
        sorted(rel ^ tst)
    assert tst - rel == {"CONFIG_TEST_HOOKS=y", "# CONFIG_VMM_AUTOSTART is not set"}, \
        sorted(rel ^ tst)
    for image in ("release", "test"):
        assert autoconf_value(plat, image, "PLATFORM_NAME") == f'"{plat}"'


@pytest.mark.parametrize("plat", PLATFORMS)
def test_release_medium_has_no_test_code(plat):
    """The banner line and the VMM's test-fault command are in the test
    hyp.bin (the VMM is linked in) and in nothing of the release image,
    its boot medium included."""
    rel, tst = image_dir(plat, "release"), image_dir(plat, "test")
    marks = {TEST_BANNER.encode(): "the test banner", b"test-fault": "the test-fault command",
             b"grant ID GPA SIZE": "vm grant", b"hostile stopclear": "the hostile VMM"}

    def found(path):
        with open(path, "rb") as f:
            data = f.read()
        return sorted(what for mark, what in marks.items() if mark in data)

    assert found(os.path.join(tst, "hyp.bin")) == sorted(marks.values())
    for name in ("hyp.bin", MEDIUM[plat]):
        path = os.path.join(rel, name)
        leaks = found(path)
        assert not leaks, f"{path} has {', '.join(leaks)}"


def elf_sections(path):
    """The allocated sections of an ELF64 little-endian relocatable object:
    name -> (type, flags, contents or size for NOBITS, relocations), each
    relocation (offset, type, symbol name, addend)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x7fELF\x02\x01", f"{path}: not ELF64 little-endian"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
             for i in range(shnum)]

    def cstr(table, off):
        start = shdrs[table][4] + off
        return data[start:data.index(b"\0", start)].decode()

    names = [cstr(shstrndx, h[0]) for h in shdrs]
    symtab = next((i for i, h in enumerate(shdrs) if h[1] == 2), None)  # SHT_SYMTAB
    syms = []
    if symtab is not None:
        h = shdrs[symtab]
        for off in range(h[4], h[4] + h[5], 24):
            st_name, st_info, _, st_shndx = struct.unpack_from("<IBBH", data, off)
            if st_info & 0xF == 3 and st_shndx < shnum:  # STT_SECTION
                syms.append(names[st_shndx])
            else:
                syms.append(cstr(h[6], st_name))
    out = {}
    for i, h in enumerate(shdrs):
        sh_type, flags, offset, size = h[1], h[2], h[4], h[5]
        if not flags & 2:  # SHF_ALLOC
            continue
        body = size if sh_type == 8 else data[offset:offset + size]  # SHT_NOBITS
        out[names[i]] = [sh_type, flags, body, []]
    for h in shdrs:
        if h[1] == 4 and h[7] < shnum and names[h[7]] in out:  # SHT_RELA for one of them
            relocs = out[names[h[7]]][3]
            for off in range(h[4], h[4] + h[5], 24):
                r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, off)
                relocs.append((r_offset, r_info & 0xFFFFFFFF, syms[r_info >> 32], r_addend))
    return out


def objects(top):
    found = set()
    for d in ("hyp", "vmm"):
        for dirpath, _, files in os.walk(os.path.join(top, d)):
            found.update(os.path.relpath(os.path.join(dirpath, f), top)
                         for f in files if f.endswith(".o"))
    return found


@pytest.mark.parametrize("plat", PLATFORMS)
def test_objects_differ_only_where_the_hooks_are(plat):
    """Code, read-only data, data and their relocations of every hyp and
    VMM object of the two builds: equal but for MAY_DIFFER."""
    rel, tst = image_dir(plat, "release"), image_dir(plat, "test")
    versions = []
    for top in (rel, tst):
        with open(os.path.join(top, "config", "include", "generated", "version.h")) as f:
            versions.append(f.read())
    assert versions[0] == versions[1], (
        "the release and the test build are of different versions (build both at once: "
        f"./build.sh test):\n{versions[0]}{versions[1]}")
    objs = objects(rel)
    assert "hyp/hyp/core/hvc.c.o" in objs and "vmm/vmm/shell/vmcmd.c.o" in objs, sorted(objs)
    assert objs == objects(tst)
    differ = set()
    for o in sorted(objs):
        a, b = elf_sections(os.path.join(rel, o)), elf_sections(os.path.join(tst, o))
        assert a, f"{o}: no allocated sections"
        if a != b:
            differ.add(o)
            if o not in MAY_DIFFER:
                parts = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
                pytest.fail(f"{o} differs between the release and the test build "
                            f"(sections {', '.join(parts)}): a test hook outside {sorted(MAY_DIFFER)}?")
    assert MUST_DIFFER <= differ, f"the builds do not differ in {sorted(MUST_DIFFER - differ)}"


def undefined_symbols(path):
    out = subprocess.run([NM, "-u", path], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


@pytest.mark.parametrize("plat", PLATFORMS)
def test_release_dispatcher_has_no_hook_calls(plat):
    """The test build's hvc.o calls the hook functions and the release one
    does not: the test calls cannot reach them in the release hyp."""
    rel = undefined_symbols(os.path.join(image_dir(plat, "release"), "hyp/hyp/core/hvc.c.o"))
    tst = undefined_symbols(os.path.join(image_dir(plat, "test"), "hyp/hyp/core/hvc.c.o"))
    assert "mem_prot_and_map" in rel and "mem_prot_and_map" in tst  # nm sees calls at all
    assert HOOK_SYMBOLS <= tst, f"test build's hvc.o lacks {sorted(HOOK_SYMBOLS - tst)}"
    assert not HOOK_SYMBOLS & rel, f"release hvc.o references {sorted(HOOK_SYMBOLS & rel)}"


# --------------------------------------------------------------- booted ----

@pytest.fixture(scope="module")
def release():
    """The default system: the release image boots, starts the Linux VM
    (vms/linux.cfg says autostart = 1) with nothing typed, and attaches
    its console; Ctrl-] gives the VMM prompt."""
    m = conftest.Machine(VARIANT, image="release", ready=re.escape(LINUX_PROMPT))
    m.child.sendcontrol("]")
    m.child.expect_exact(conftest.PROMPT, timeout=30)
    yield m
    m.close()


def test_release_autostarts_linux(release):
    log = release.boot_log
    assert "vm linux: autostart 1: vm1, 256 MiB, 2 vCPUs; console attached" in log, log
    assert "HYP-GUEST-READY" in log, log
    assert log.count("vmm> ") == 0, log  # the console went to Linux, not the prompt
    assert re.search(r"^linux\s+running", release.command("list"), re.M)


def test_release_banner(release):
    log = release.boot_log
    assert re.search(r"^hyp \S+ \(ABI \d+\.\d+\) on qemu-virt: ", log, re.M), log
    assert "hyp: 4 of 4 CPUs online" in log
    assert "TEST BUILD" not in log


def test_release_has_no_test_fault(release):
    assert "test-fault: unknown command (try 'help')" in release.command("test-fault 1")
    assert "4 CPUs online" in release.command("cpus")
    assert "test-fault" not in release.command("help")


def test_release_has_no_vm_grant(release):
    for line in ("vm grant 1 0x40000000 0x1000", "vm revoke 1 0x40000000 0x1000"):
        out = release.command(line)
        assert out.startswith("usage: vm create"), out
        assert "grant" not in out and "revoke" not in out, out
    vm_help = [ln for ln in release.command("help").splitlines() if ln.split()[:1] == ["vm"]]
    assert len(vm_help) == 1 and "grant" not in vm_help[0], vm_help


def test_release_cannot_open_a_running_vm(release):
    """The victim guest runs, holding a secret page and granting one page:
    nothing the release VMM offers opens more of it."""
    out = release.command("create victim", timeout=60)
    m = re.search(r"vm victim: created \(vm(\d+),", out)
    assert m, out
    vmid = m.group(1)
    release.command("start victim")
    assert re.search(r"^victim\s+running", release.command("list"), re.M)
    for line in (f"vm grant {vmid} 0x40000000 0x1000000", "hostile reinit victim 0 0x40000000",
                 "hostile storm 10", "test-fault 1"):
        out = release.command(line)
        assert out.startswith("usage: vm create") or "unknown command" in out, f"{line}: {out}"
    # Its first steps: the grant, then the hot writer on vCPU 1 started.
    release.console_wait("victim", r"victim: hot writer on vCPU 1: -?\d+")
    out = release.command("probe victim", timeout=120)
    assert "the VMM read 1 of the 4096 pages it gave the VM" in out, out
    out = release.command("destroy victim", timeout=60)
    assert "vm victim: destroyed" in out, out


def test_test_image_banner():
    """The test image says what it is, before anything else runs (booted to
    the hyp's banner only)."""
    m = conftest.Machine(VARIANT, image="test", log=f"banner-{VARIANT}-test.log",
                         ready=r"hyp: \d+ of \d+ CPUs online")
    text = m.boot_log
    m.close()
    assert re.search(r"^hyp \S+ \(ABI \d+\.\d+\) on qemu-virt: ", text, re.M), text
    assert TEST_BANNER + "\n" in text, text
