/*
 * The boot disk, driven by the hyp for the VMM (HV_FN_DISK_IO): the boot
 * disk of QEMU virt (disk_virtio.c), whose controller reaches memory by
 * DMA, or the SD card of a Raspberry Pi 4 (disk_sd.c), read and written by
 * programmed I/O. Either way the VMM cannot reach the controller, and the
 * data goes to or from VMM frames that mem_host_dma_begin checks and holds
 * (under mem_lock, so that none is given to a VM) until the transfer has
 * ended.
 *
 * Writes below the first sector of the first partition that is not
 * bootable are refused: the partition table, and the boot partition with
 * the hyp's own image, stay as the boot loader found them.
 */
#include <hyp/disk.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <lib/lib.h>
#include <lib/spinlock.h>

#include "disk_priv.h"

static struct disk_dev *dev; /* NULL: no disk */
static u64 first_writable;
static spinlock_t disk_lock;

s64 disk_io(u64 op, u64 sector, u64 pa, u64 n, u64 out[3])
{
	bool to_memory = op == HV_DISK_READ;
	s64 ret;

	if (dev == NULL || dev->failed) {
		return HV_E_NOT_SUPPORTED;
	}
	if (op == HV_DISK_INFO) {
		out[0] = dev->sectors;
		out[1] = first_writable;
		out[2] = dev->read_only ? 1 : 0;
		return HV_OK;
	}
	if (op == HV_DISK_FLUSH) {
		n = 0;
	} else if (op != HV_DISK_READ && op != HV_DISK_WRITE) {
		return HV_E_INVALID;
	} else if (n == 0 || n > HV_DISK_MAX_SECTORS || sector >= dev->sectors ||
		   n > dev->sectors - sector || pa % 512 != 0) {
		return HV_E_INVALID;
	}
	if (op == HV_DISK_WRITE && (dev->read_only || sector < first_writable)) {
		return HV_E_DENIED;
	}
	spin_lock(&disk_lock);
	if (dev->failed) {
		spin_unlock(&disk_lock);
		return HV_E_NOT_SUPPORTED;
	}
	ret = n != 0 ? mem_host_dma_begin(pa_of(pa), n * 512, to_memory) : HV_OK;
	if (ret == HV_OK) {
		ret = dev->rw((u32)op, sector, pa, (u32)n);
		if (n != 0) {
			mem_host_dma_end();
		}
	}
	spin_unlock(&disk_lock);
	return ret;
}

/*
 * The first sector the VMM may write: past the partition table and every
 * partition before the first one not marked bootable (from the MBR, read
 * into `scratch`, a page of the hyp's).
 */
static u64 writable_from(u64 scratch)
{
	const u8 *mbr = (const u8 *)(uintptr_t)scratch;
	u64 first = dev->sectors;
	u64 boot_end = 1;

	if (dev->rw(HV_DISK_READ, 0, scratch, 1) != HV_OK || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa) {
		return dev->sectors; /* no partition table: nothing writable */
	}
	for (u32 i = 0; i < 4; i++) {
		const u8 *e = mbr + 446 + 16 * i;
		u64 lba = (u64)e[8] | (u64)e[9] << 8 | (u64)e[10] << 16 | (u64)e[11] << 24;
		u64 len = (u64)e[12] | (u64)e[13] << 8 | (u64)e[14] << 16 | (u64)e[15] << 24;

		if (e[4] == 0 || len == 0) {
			continue;
		}
		if (e[0] == 0x80) {
			boot_end = MAX(boot_end, lba + len);
		} else {
			first = MIN(first, lba);
		}
	}
	return MAX(first, boot_end);
}

void disk_init(void)
{
	static u8 scratch[PAGE_SIZE] __aligned(PAGE_SIZE);

	dev = disk_virtio_probe();
	if (dev == NULL) {
		dev = disk_sd_probe();
	}
	if (dev == NULL) {
		return;
	}
	first_writable = writable_from((u64)(uintptr_t)scratch);
	log_info("boot disk: %s at 0x%lx, %lu MiB%s; the VMM may write from sector %lu\n",
		 dev->name, (unsigned long)dev->base, (unsigned long)(dev->sectors >> 11),
		 dev->read_only ? ", read-only" : "", (unsigned long)first_writable);
}
