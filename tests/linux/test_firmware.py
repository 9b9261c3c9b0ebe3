"""Firmware calls and entropy as Debian's kernel sees them (audit F8): the
Linux VM finds SMCCC 1.1 (the hyp's, not the VMM's), KASLR on and its RNG
seeded at once (the VMM's /chosen seeds, taken from the hyp's TRNG), and
reports in /sys/devices/system/cpu/vulnerabilities/ nothing "Vulnerable"
that the same kernel does not report booted natively on the same QEMU
machine (same Image, initramfs and command line, no hypervisor). Both
reports are written to build/test/linux-firmware-VARIANT.txt (the table in
docs/security.md comes from there).

On raspi4b Debian's cloud kernel does not boot natively (no driver for the
Pi's firmware clocks: "unable to open an initial console", and the
initramfs' init exits), so there the VM's report is held against what the
hyp's boot log says of the CPU instead: "Vulnerable" only for Spectre-v2
and SSB, and only where the hyp says VULNERABLE."""
import os
import re

import pexpect
import qemu

from conftest import BUILD, IMAGE

BOOT_TIMEOUT = 600
READY = r"HYP-GUEST-READY (\S+) cpus=(\d+)"
VULN = "/sys/devices/system/cpu/vulnerabilities"
# Each file as "VULN name: value", then an end marker the echo cannot match.
REPORT = (f"for f in {VULN}/*; do echo VULN $(basename $f): $(cat $f); done; "
          "echo VULN smccc_trng_device: $(ls /sys/bus/platform/devices | grep -c smccc_trng); "
          "echo REPORT-END-$((6*7))")
CMDLINE = {  # the Linux VM's configs/vms/linux.cfg
    "virt": "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init",
}
# Each vulnerabilities file the hyp's boot log speaks for.
HYP_SAYS = {"spectre_v2": "Spectre-v2", "spec_store_bypass": r"Spectre-v4 \(SSB\)"}


def report(child):
    """The vulnerabilities files, by name, from the shell on child."""
    child.sendline(REPORT)
    child.expect("REPORT-END-42", timeout=120)
    text = child.before.replace("\r", "")
    return dict(re.findall(r"^VULN (\w+): (.*?)\s*$", text, re.M))


def vm_boot(machine):
    """Boots the Linux VM; returns (its console log to the shell, the
    vulnerabilities report) and powers it off."""
    c = machine.child
    c.sendline("run linux")
    c.expect(READY, timeout=BOOT_TIMEOUT)
    log = c.before
    c.expect_exact("#", timeout=60)
    vulns = report(c)
    c.sendline("poweroff -f")
    c.expect(r"vm linux: powered off after \d+ exits", timeout=300)
    c.expect_exact("vmm> ", timeout=60)
    return log.replace("\r", ""), vulns


def native_boot(variant):
    """The same kernel with no hypervisor, on the same QEMU machine."""
    plat = qemu.platform_of(variant)
    out = qemu.image_dir(plat, BUILD, IMAGE)
    bundle = os.path.join(out, "bundle", "linux")
    common = ["-kernel", os.path.join(bundle, "Image"),
              "-initrd", os.path.join(bundle, "initrd.gz"), "-display", "none", "-no-reboot"]
    if plat == "qemu-virt":
        gic = qemu.VARIANTS[variant][1]
        cmd = [qemu.QEMU, "-M", f"virt,gic-version={gic}", "-cpu", "cortex-a72", "-smp", "2",
               "-m", "256M", "-nic", "none", "-serial", "mon:stdio",
               "-append", CMDLINE["virt"]] + common
    else:
        return None, None
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=BOOT_TIMEOUT)
    child.logfile_read = open(os.path.join(BUILD, "test", f"native-{variant}.log"), "w")
    try:
        child.expect(READY)
        log = child.before
        child.expect_exact("#", timeout=60)
        return log.replace("\r", ""), report(child)
    finally:
        child.sendcontrol("a")
        child.send("x")
        child.close(force=True)
        child.logfile_read.close()


def lines(log, pattern):
    return [m.group(0).strip() for m in re.finditer(rf"^.*{pattern}.*$", log, re.M)]


def test_linux_firmware_and_vulnerabilities(machine):
    vm_log, vm = vm_boot(machine)
    native_log, native = native_boot(machine.variant)
    keys = ["SMC Calling Convention", "KASLR", "random: crng init done", "arm_smccc_trng",
            "Spectre", "spectre"]
    with open(os.path.join(BUILD, "test", f"linux-firmware-{machine.variant}.txt"), "w") as f:
        f.write(f"smccc_trng device: VM {vm.get('smccc_trng_device')}, native "
                f"{(native or {}).get('smccc_trng_device', '(no native boot)')}\n")
        for name, log in (("VM", vm_log), ("native", native_log or "")):
            f.write(f"== {name} boot log\n")
            for k in keys:
                f.write("".join(line + "\n" for line in lines(log, re.escape(k))))
        f.write(f"== {'file':26} | {'native':44} | VM\n")
        for k in sorted(set(vm) | set(native or {})):
            f.write(f"{k:29} | {(native or {}).get(k, '(no native boot)'):44} | "
                    f"{vm.get(k, '-')}\n")

    # The VM asks the hyp: SMCCC 1.1 or later.
    assert re.search(r"psci: SMC Calling Convention v1\.[1-9]", vm_log), vm_log
    # Linux registers the smccc_trng device when SMCCC TRNG answers.
    trng_dev = vm.pop("smccc_trng_device")
    if native is not None:
        assert native.pop("smccc_trng_device") == "0", native
    assert trng_dev == ("1" if "TRNG served" in machine.boot_log else "0"), trng_dev
    if "TRNG served" in machine.boot_log:
        # KASLR on: the VMM's /chosen/kaslr-seed.
        assert "KASLR disabled" not in vm_log, vm_log
        assert "KASLR enabled" in vm_log, vm_log
        # Seeded before anything runs: the VMM's /chosen/rng-seed (and TRNG).
        assert re.search(r"\[\s*0\.\d+\] random: crng init done", vm_log), vm_log
    else:
        # A platform with no entropy at all (QEMU's raspi4b: no seed, no
        # RNDR, no RNG200 node): the native kernel has no seed either.
        assert "TRNG answers NOT_SUPPORTED" in machine.boot_log, machine.boot_log
        assert native_log is None or "KASLR enabled" not in native_log, native_log
    # What the hyp told the VM is what it found at boot.
    for name, what in HYP_SAYS.items():
        m = re.search(rf"cpu0: .*{what} (\S+)[,;]", machine.boot_log)
        assert m, machine.boot_log
        assert vm[name].startswith("Vulnerable") == (m.group(1) == "VULNERABLE"), (name, vm)
    if native is None:
        assert not [k for k, v in vm.items() if v.startswith("Vulnerable") and k not in HYP_SAYS]
        return
    # Nothing vulnerable that is not so natively.
    assert vm and native, (vm, native)
    assert set(vm) == set(native), (vm, native)
    worse = {k: (native[k], v) for k, v in vm.items()
             if v.startswith("Vulnerable") and not native[k].startswith("Vulnerable")}
    assert not worse, worse
