# U-Boot script that starts the hyp, the same on every platform. Distro
# boot runs it from the first partition of the boot disk (QEMU virt:
# virtio-blk; Raspberry Pi 4: the SD card) with devtype, devnum and
# distro_bootpart set. Build it with: mkimage -T script -d boot.cmd boot.scr
echo "boot.scr: starting the hyp from ${devtype} ${devnum}:${distro_bootpart}"
# Keep the device tree and the bundle where they are loaded: the hyp takes
# over all of memory and finds both through the device tree.
setenv fdt_high 0xffffffffffffffff
setenv initrd_high 0xffffffffffffffff
# The bundle is bundle.cpio, or bundle.cpio.gz where reading the boot
# disk is the slow part (the Pi's SD card): that is read 128 MiB above
# ramdisk_addr_r and unzipped there; unzip sets filesize to the bundle's
# size, and refuses a bundle past 128 MiB.
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} hyp.bin
if test -e ${devtype} ${devnum}:${distro_bootpart} bundle.cpio.gz; then
	setexpr bundle_gz ${ramdisk_addr_r} + 0x8000000
	load ${devtype} ${devnum}:${distro_bootpart} ${bundle_gz} bundle.cpio.gz
	unzip ${bundle_gz} ${ramdisk_addr_r} 0x8000000
else
	load ${devtype} ${devnum}:${distro_bootpart} ${ramdisk_addr_r} bundle.cpio
fi
booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}
echo "boot.scr: booti failed"
