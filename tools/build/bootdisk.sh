#!/usr/bin/env bash
# bootdisk.sh PLATFORM OUTDIR: the boot medium of one build, a 64 MiB disk
# image with an MBR and one FAT32 partition (at 1 MiB) holding
#   boot.scr      the U-Boot script (mkimage of boards/boot.cmd)
#   hyp.bin       OUTDIR/hyp.bin
#   bundle.cpio   OUTDIR/bundle.cpio (bundle.sh); on rpi4 gzipped, as
#                 bundle.cpio.gz (the SD card reads slowly; boot.cmd unzips it)
# and, for rpi4, what the Pi's firmware boots: start4.elf and fixup4.dat
# (raspi-firmware), config.txt (boards/rpi4/config.txt), u-boot.bin
# (u-boot-rpi) and bcm2711-rpi-4-b.dtb (fetch.sh). qemu-virt: OUTDIR/disk.img;
# rpi4: OUTDIR/sdcard.img (QEMU wants an SD image whose size is a power of
# two). Made again only when an input changed.
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
	files+=("$out/bundle.cpio")
	;;
rpi4)
	img=$out/sdcard.img
	fw=$CACHE/root/usr/lib/raspi-firmware
	inputs=("$fw/start4.elf" "$fw/fixup4.dat" "$ROOT/boards/rpi4/config.txt"
		"$CACHE/root/usr/lib/u-boot/rpi_4/u-boot.bin" "$CACHE/root/bcm2711-rpi-4-b.dtb")
	files+=("$out/bundle.cpio.gz" "$fw/start4.elf" "$fw/fixup4.dat" "$out/config.txt"
		"$out/u-boot.bin" "$out/bcm2711-rpi-4-b.dtb")
	;;
*) die "unknown platform '$plat' (expected: qemu-virt or rpi4)" ;;
esac
inputs+=("$SCRIPT" "$ROOT/boards/boot.cmd" "$out/bundle.cpio" "${files[@]}" "$img")
stamp=bootdisk-${out##*/}
if up_to_date "$stamp" "$plat" "${inputs[@]}"; then
	say "$img is up to date"
	exit 0
fi

if [[ $plat == rpi4 ]]; then
	gzip -6 -n -c "$out/bundle.cpio" >"$out/bundle.cpio.gz"
fi
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
truncate -s 64M "$img.tmp"
echo 'start=2048, type=c, bootable' | sfdisk -q "$img.tmp"
dd if="$fat" of="$img.tmp" bs=1M seek=1 conv=notrunc status=none
rm -f "$fat"
mv "$img.tmp" "$img"
record "$stamp" "$plat" "${inputs[@]}"
say "built $img"
