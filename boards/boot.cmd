# U-Boot script that starts the hyp, the same on every platform. Distro
# boot runs it from the first partition of the boot disk (QEMU virt:
# virtio-blk; Raspberry Pi 4: the SD card) with devtype, devnum and
# distro_bootpart set. Build it with: mkimage -T script -d boot.cmd boot.scr
echo "boot.scr: starting the hyp from ${devtype} ${devnum}:${distro_bootpart}"
# Keep the device tree where it is loaded: the hyp takes over all of
# memory and finds it (and a bundle, if one is loaded) through it.
setenv fdt_high 0xffffffffffffffff
setenv initrd_high 0xffffffffffffffff
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} hyp.bin
# The bundle is partition 3 of the medium, which the VMM reads as VMs need
# its files. A bundle.cpio in this partition (an older medium, or one made
# by hand) is loaded and handed over instead.
if test -e ${devtype} ${devnum}:${distro_bootpart} bundle.cpio; then
	load ${devtype} ${devnum}:${distro_bootpart} ${ramdisk_addr_r} bundle.cpio
	booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}
else
	booti ${kernel_addr_r} - ${fdtcontroladdr}
fi
echo "boot.scr: booti failed"
