#!/usr/bin/env bash
# bootdisk.sh PLATFORM OUTDIR: the boot medium of one build, a 256 MiB disk
# image with an MBR and three partitions:
#   1  at 1 MiB, 60 MiB, FAT32, bootable: boot.scr (the U-Boot script, mkimage
#      of boards/boot.cmd) and hyp.bin (OUTDIR/hyp.bin); for rpi4 also what
#      the Pi's firmware boots: start4.elf and fixup4.dat (raspi-firmware),
#      config.txt (boards/rpi4/config.txt), u-boot.bin (u-boot-rpi) and
#      bcm2711-rpi-4-b.dtb (fetch.sh)
#   2  at 64 MiB, 64 MiB, type 0x83: the Linux VM's disk (`disk =
#      "medium:2"`), the test disk's ext4 (build/disk/test.img) grown to the
#      partition; what VMs wrote there is kept when the image is made again,
#      if partition 2 has not moved
#   3  at 128 MiB, 96 MiB, type 0xda: the bundle (OUTDIR/bundle.cpio, from
#      bundle.sh), which the VMM reads file by file as VMs need them, so
#      U-Boot loads hyp.bin alone
# qemu-virt: OUTDIR/disk.img; rpi4: OUTDIR/sdcard.img (QEMU wants an SD
# image whose size is a power of two). Made again only when an input
# changed.
set -euo pipefail
# shellcheck source=tools/build/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plat=${1:?usage: bootdisk.sh PLATFORM OUTDIR}
out=$(realpath -m "${2:?usage: bootdisk.sh PLATFORM OUTDIR}")
files=("$out/boot.scr" "$out/hyp.bin")
case $plat in
qemu-virt)
	img=$out/disk.img
	inputs=()
	;;
rpi4)
	img=$out/sdcard.img
	fw=$CACHE/root/usr/lib/raspi-firmware
	inputs=("$fw/start4.elf" "$fw/fixup4.dat" "$ROOT/boards/rpi4/config.txt"
		"$CACHE/root/usr/lib/u-boot/rpi_4/u-boot.bin" "$CACHE/root/bcm2711-rpi-4-b.dtb")
	files+=("$fw/start4.elf" "$fw/fixup4.dat" "$out/config.txt" "$out/u-boot.bin"
		"$out/bcm2711-rpi-4-b.dtb")
	;;
*) die "unknown platform '$plat' (expected: qemu-virt or rpi4)" ;;
esac
inputs+=("$SCRIPT" "$ROOT/boards/boot.cmd" "$out/bundle.cpio" "$BUILD/disk/test.img" "${files[@]}"
	"$img")
stamp=bootdisk-${out##*/}
if up_to_date "$stamp" "$plat" "${inputs[@]}"; then
	say "$img is up to date"
	exit 0
fi

(($(stat -c %s "$out/bundle.cpio") <= 96 << 20)) ||
	die "$out/bundle.cpio is larger than the 96 MiB of partition 3"
rm -f "$out/bundle.cpio.gz" # (the older media's)
mkimage -A arm64 -O linux -T script -C none -n "hyp boot script" \
	-d "$ROOT/boards/boot.cmd" "$out/boot.scr" >/dev/null
if [[ $plat == rpi4 ]]; then
	cp "$CACHE/root/bcm2711-rpi-4-b.dtb" "$out/bcm2711-rpi-4-b.dtb"
	cp "$ROOT/boards/rpi4/config.txt" "$out/config.txt"
	cp "$CACHE/root/usr/lib/u-boot/rpi_4/u-boot.bin" "$out/u-boot.bin"
fi
fat=$out/boot.fat
rm -f "$fat" "$img.tmp"
mkfs.vfat -C -F 32 -n HYPBOOT "$fat" $((60 * 1024)) >/dev/null
mcopy -i "$fat" "${files[@]}" ::/
truncate -s 256M "$img.tmp"
printf 'start=2048, size=%d, type=c, bootable\nstart=%d, size=%d, type=83\nstart=%d, size=%d, type=da\n' \
	$((60 * 2048)) $((64 * 2048)) $((64 * 2048)) $((128 * 2048)) $((96 * 2048)) |
	sfdisk -q "$img.tmp"
dd if="$fat" of="$img.tmp" bs=1M seek=1 conv=notrunc status=none
dd if="$out/bundle.cpio" of="$img.tmp" bs=1M seek=128 conv=notrunc status=none
rm -f "$fat"
# Partition 2: what the VMs wrote on the old medium, or a new file system.
p2=$out/part2.img
old_p2=$({ [[ -f $img ]] && sfdisk -d "$img" 2>/dev/null || true; } | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\), type=83.*/\1 \2/p')
if [[ $old_p2 == "$((64 * 2048)) $((64 * 2048))" ]]; then
	say "keeping partition 2 (the VMs' disk) of the old $img"
	dd if="$img" of="$p2" bs=1M skip=64 count=64 status=none
else
	cp "$BUILD/disk/test.img" "$p2"
	resize2fs -f "$p2" 64M >/dev/null 2>&1 || die "resize2fs of $p2 failed"
fi
dd if="$p2" of="$img.tmp" bs=1M seek=64 conv=notrunc status=none
rm -f "$p2"
mv "$img.tmp" "$img"
record "$stamp" "$plat" "${inputs[@]}"
say "built $img"
