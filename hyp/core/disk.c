/*
 * The boot disk, driven by the hyp for the VMM (HV_FN_DISK_IO): the boot
 * disk of QEMU virt (disk_virtio.c), whose controller reaches memory by
 * DMA, or the SD card of a Raspberry Pi 4 (disk_sd.c), read and written by
 * programmed I/O. Either way the VMM cannot reach the controller, and the
 * device moves data only to and from a buffer of the hyp's; the VMM's
 * frames are checked and copied (mem_host_copy) in one step under
 * mem_lock, which is never held while a device works.
 *
 * The VMM may write only inside a partition of the MBR that is not the boot
 * partition, and only on a disk whose partition table is plain: one entry
 * marked bootable, no GPT and no extended partitions. The partition table
 * and the boot partition with the hyp's own image stay as the boot loader
 * found them.
 */
#include <hyp/disk.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <lib/lib.h>
#include <lib/spinlock.h>

#include "disk_priv.h"

static struct disk_dev *dev; /* NULL: no disk */
static spinlock_t disk_lock;
/* The only buffer the device reads or writes. */
static u8 bounce[HV_DISK_MAX_SECTORS * 512] __aligned(PAGE_SIZE);
/* The partitions the VMM may write, [start, end) in sectors. */
struct range {
	u64 start;
	u64 end;
};
static struct range writable[4];
static u32 nwritable;

static bool may_write(u64 sector, u64 n)
{
	for (u32 i = 0; i < nwritable; i++) {
		if (sector >= writable[i].start && sector < writable[i].end &&
		    n <= writable[i].end - sector) {
			return true;
		}
	}
	return false;
}

s64 disk_io(u64 op, u64 sector, u64 pa, u64 n, u64 out[3])
{
	bool to_memory = op == HV_DISK_READ;
	s64 ret;

	if (dev == NULL || __atomic_load_n(&dev->failed, __ATOMIC_ACQUIRE)) {
		return HV_E_NOT_SUPPORTED;
	}
	if (op == HV_DISK_INFO) {
		out[0] = dev->sectors;
		out[1] = nwritable != 0 ? writable[0].start : dev->sectors;
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
	if (op == HV_DISK_WRITE && (dev->read_only || !may_write(sector, n))) {
		return HV_E_DENIED;
	}
	spin_lock(&disk_lock);
	if (dev->failed) {
		spin_unlock(&disk_lock);
		return HV_E_NOT_SUPPORTED;
	}
	ret = op == HV_DISK_WRITE ? mem_host_copy(pa_of(pa), bounce, n * 512, false) : HV_OK;
	if (ret == HV_OK) {
		ret = dev->rw((u32)op, sector, (u64)(uintptr_t)bounce, (u32)n);
	}
	if (ret == HV_OK && to_memory) {
		ret = mem_host_copy(pa_of(pa), bounce, n * 512, true);
	}
	spin_unlock(&disk_lock);
	return ret;
}

/* MBR partition types the VMM may never write into: extended partitions
 * (their logical partitions could hold anything) and GPT's protective one. */
static bool container_type(u8 t)
{
	return t == 0x05 || t == 0x0f || t == 0x85 || t == 0xee;
}

/*
 * The partitions the VMM may write, from the MBR (read into the bounce
 * buffer): every primary partition not marked bootable that starts at
 * sector 2048 or later, but none at all unless exactly one is marked
 * bootable, every entry lies on the disk, no two overlap, and there is no
 * GPT or extended partition.
 */
static void find_writable(void)
{
	const u8 *mbr = bounce;
	struct range all[4];
	u32 nall = 0;
	u32 boot = 0;

	nwritable = 0;
	if (dev->rw(HV_DISK_READ, 0, (u64)(uintptr_t)bounce, 1) != HV_OK || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa) {
		return; /* no partition table: nothing writable */
	}
	for (u32 i = 0; i < 4; i++) {
		const u8 *e = mbr + 446 + 16 * i;
		u64 lba = (u64)e[8] | (u64)e[9] << 8 | (u64)e[10] << 16 | (u64)e[11] << 24;
		u64 len = (u64)e[12] | (u64)e[13] << 8 | (u64)e[14] << 16 | (u64)e[15] << 24;

		if (e[4] == 0) {
			continue;
		}
		if ((e[0] != 0x00 && e[0] != 0x80) || container_type(e[4]) || len == 0 ||
		    lba == 0 || lba >= dev->sectors || len > dev->sectors - lba) {
			nwritable = 0;
			return;
		}
		for (u32 k = 0; k < nall; k++) {
			if (lba < all[k].end && all[k].start < lba + len) {
				nwritable = 0; /* overlapping partitions */
				return;
			}
		}
		all[nall++] = (struct range){ lba, lba + len };
		if (e[0] == 0x80) {
			boot++;
		} else if (lba >= 2048) {
			writable[nwritable++] = (struct range){ lba, lba + len };
		}
	}
	if (boot != 1) {
		nwritable = 0;
	}
	/* Sorted by start: INFO reports the lowest. */
	for (u32 i = 1; i < nwritable; i++) {
		for (u32 k = i; k > 0 && writable[k].start < writable[k - 1].start; k--) {
			struct range t = writable[k];

			writable[k] = writable[k - 1];
			writable[k - 1] = t;
		}
	}
}

void disk_init(void)
{
	dev = disk_virtio_probe();
	if (dev == NULL) {
		dev = disk_sd_probe();
	}
	if (dev == NULL) {
		return;
	}
	find_writable();
	log_info("boot disk: %s at 0x%lx, %lu MiB%s; the VMM may write %u partition%s%s\n",
		 dev->name, (unsigned long)dev->base, (unsigned long)(dev->sectors >> 11),
		 dev->read_only ? ", read-only" : "", nwritable, nwritable == 1 ? "" : "s",
		 nwritable != 0 ? "" : " (the partition table is not one it trusts)");
}
