# U-Boot script that starts the hyp, the same on every platform. Distro
# boot runs it from the first partition of the boot disk (QEMU virt:
# virtio-blk; Raspberry Pi 4: the SD card) with devtype, devnum and
# distro_bootpart set. Build it with: mkimage -T script -d boot.cmd boot.scr
echo "boot.scr: starting the hyp from ${devtype} ${devnum}:${distro_bootpart}"
# Keep the device tree and the bundle where they are loaded: the hyp takes
# over all of memory and finds both through the device tree.
setenv fdt_high 0xffffffffffffffff
setenv initrd_high 0xffffffffffffffff
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} hyp.bin
load ${devtype} ${devnum}:${distro_bootpart} ${ramdisk_addr_r} bundle.cpio
booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}
echo "boot.scr: booti failed"
