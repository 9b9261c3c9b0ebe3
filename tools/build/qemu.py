#!/usr/bin/python3
"""QEMU command lines for each platform variant, shared by `./build.sh run`,
the QEMU test groups (tests/conftest.py's machine) and the benchmarks.

Usage: qemu.py VARIANT [--build DIR] [--image release|test] [--serve RUNDIR]
                [--send CMD] [--medium FILE] [--snapshot] [-- EXTRA QEMU ARGS]
Runs QEMU for VARIANT (virt-gicv3, virt-gicv2, rpi4) attached to this
terminal; the console is on standard input/output (Ctrl-A X quits). With
--send, CMD is typed at the VMM's first prompt (e.g. "run linux").
With --serve, the VMM's console is the Unix socket RUNDIR/uart.sock, which
this terminal shares with vmctl clients of RUNDIR/vmm.sock (ctlmux.py),
and QEMU's monitor is RUNDIR/monitor.sock (a Unix-socket client).
--image picks the boot medium: release (the default: build/PLATFORM/, what
`./build.sh build` makes) or test (build/PLATFORM-test/, the test-only
calls on, what `./build.sh test` boots). --medium boots from another copy
of it; --snapshot keeps every write to the medium in a temporary file that
QEMU drops when it ends (the tests' machines: the image stays as built).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU = "qemu-system-aarch64"

VARIANTS = {
    "virt-gicv3": ("qemu-virt", 3),
    "virt-gicv2": ("qemu-virt", 2),
    "rpi4": ("rpi4", None),
}
# Build flavours (./build.sh build_platform): the directory of each under
# build/, by platform.
IMAGES = {
    "release": "{plat}",
    "test": "{plat}-test",
}


def platform_of(variant):
    return VARIANTS[variant][0]


def image_dir(plat, build=None, image="release"):
    """build/PLATFORM for the release image, build/PLATFORM-test for the
    test image: the boot medium, hyp.bin, bundle/, config/, hyp/ and vmm/."""
    if image not in IMAGES:
        raise ValueError(f"unknown image {image!r} (expected: {', '.join(IMAGES)})")
    build = build or os.path.join(ROOT, "build")
    return os.path.join(build, IMAGES[image].format(plat=plat))


def serial(console):
    if console is None:
        return ["-serial", "mon:stdio"]
    # QEMU's monitor listens beside the console (monitor.sock), for a look
    # at a running machine (`info registers -a`) while tests or vmctl use it.
    monitor = os.path.join(os.path.dirname(console), "monitor.sock")
    return ["-chardev", f"socket,id=vmmcon,path={console},server=on,wait=off",
            "-serial", "chardev:vmmcon", "-monitor", f"unix:{monitor},server=on,wait=off"]


def medium_file(variant, build=None, image="release"):
    """The boot medium file of VARIANT's `image`: disk.img or sdcard.img."""
    plat = platform_of(variant)
    return os.path.join(image_dir(plat, build, image),
                        "disk.img" if plat == "qemu-virt" else "sdcard.img")


def command(variant, build=None, extra=(), console=None, image="release", medium=None,
            snapshot=False):
    """The argument vector that boots VARIANT from the boot medium of
    `image` (release or test, see image_dir), or from the file `medium`;
    with `snapshot`, its writes are dropped when QEMU ends. The VMM's
    console on stdio, or on the Unix socket `console` (QEMU listens)."""
    build = build or os.path.join(ROOT, "build")
    plat, gic = VARIANTS[variant]
    out = image_dir(plat, build, image)
    disk = (medium or medium_file(variant, build, image)) + (",snapshot=on" if snapshot else "")
    cache = os.path.join(build, "cache", "root")
    common = ["-display", "none", "-no-reboot"]
    if plat == "qemu-virt":
        return [
            QEMU,
            "-M", f"virt,virtualization=on,gic-version={gic}",
            "-cpu", "cortex-a72", "-smp", "4", "-m", "1G",
            "-bios", "/usr/lib/u-boot/qemu_arm64/u-boot.bin",
            "-drive", f"if=none,format=raw,id=disk,file={disk}",
            "-device", "virtio-blk-device,drive=disk",
            "-nic", "none",
        ] + serial(console) + common + list(extra)
    # raspi4b: U-Boot as the kernel, the Pi 4 device tree, the SD card. The
    # Pi 4's console is the mini UART (QEMU's second serial port), as on the
    # board's GPIO 14/15 header; the PL011 carries only U-Boot's first lines.
    return [
        QEMU,
        "-M", "raspi4b",
        "-kernel", f"{cache}/usr/lib/u-boot/rpi_4/u-boot.bin",
        "-dtb", f"{out}/bcm2711-rpi-4-b.dtb",
        "-drive", f"if=sd,format=raw,file={disk}",
        "-serial", "null",
    ] + serial(console) + common + list(extra)


def run_and_send(cmd, line):
    """Runs QEMU on a pty, types `line` at the first VMM prompt, then hands
    the terminal over."""
    import pexpect

    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=None)
    child.logfile_read = sys.stdout
    child.expect_exact("vmm> ")
    child.sendline(line)
    child.logfile_read = None
    child.interact(escape_character=None)
    child.close()


def serve(variant, build, extra, rundir, send, image="release", medium=None, snapshot=False):
    """QEMU in the background with the console on RUNDIR/uart.sock, and this
    terminal plus vmctl clients on it until QEMU ends or Ctrl-A X."""
    import subprocess

    import ctlmux

    os.makedirs(rundir, exist_ok=True)
    # Its sockets drive the VMs and QEMU itself (the monitor): its user's only.
    os.chmod(rundir, 0o700)
    uart = os.path.join(rundir, "uart.sock")
    if os.path.exists(uart):
        os.unlink(uart)
    cmd = command(variant, build, extra, console=uart, image=image, medium=medium,
                  snapshot=snapshot)
    with open(os.path.join(rundir, "qemu.log"), "w") as log:
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        ctlmux.serve(rundir, interactive=True, send=send)
    finally:
        qemu.terminate()
        try:
            qemu.wait(10)
        except subprocess.TimeoutExpired:
            qemu.kill()


def main(argv):
    if not argv or argv[0] not in VARIANTS:
        sys.exit(__doc__)
    variant = argv[0]
    build = None
    send = None
    rundir = None
    image = "release"
    medium = None
    snapshot = False
    extra = []
    rest = argv[1:]
    while rest:
        a = rest.pop(0)
        if a == "--build" and rest:
            build = rest.pop(0)
        elif a == "--send" and rest:
            send = rest.pop(0)
        elif a == "--serve" and rest:
            rundir = rest.pop(0)
        elif a == "--image" and rest and rest[0] in IMAGES:
            image = rest.pop(0)
        elif a == "--medium" and rest:
            medium = rest.pop(0)
        elif a == "--snapshot":
            snapshot = True
        elif a == "--":
            extra = rest
            break
        else:
            sys.exit(__doc__)
    if rundir is not None:
        serve(variant, build, extra, rundir, send, image, medium, snapshot)
        return
    cmd = command(variant, build, extra, image=image, medium=medium, snapshot=snapshot)
    if send is not None:
        run_and_send(cmd, send)
        return
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
