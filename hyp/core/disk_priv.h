/*
 * A boot disk's driver, for disk.c: what it found, and how it moves sectors.
 */
#ifndef HYP_DISK_PRIV_H
#define HYP_DISK_PRIV_H

#include <abi/hv_abi.h>
#include <lib/types.h>

struct disk_dev {
	const char *name;
	uintptr_t base; /* its registers */
	u64 sectors;
	bool read_only;
	bool failed; /* it stopped answering: reset, and used no more */
	/*
	 * HV_DISK_READ, HV_DISK_WRITE (n sectors at `sector`, to or from pa,
	 * which disk.c has checked) or HV_DISK_FLUSH (n 0); HV_OK or HV_E_IO.
	 */
	s64 (*rw)(u32 op, u64 sector, u64 pa, u32 n);
};

/** A 32-bit register of a disk controller. */
static inline u32 disk_rd(uintptr_t base, u32 off)
{
	return *(volatile u32 *)(base + off);
}

static inline void disk_wr(uintptr_t base, u32 off, u32 v)
{
	*(volatile u32 *)(base + off) = v;
}

/** The virtio-blk device among QEMU virt's transports, brought up; or NULL. */
struct disk_dev *disk_virtio_probe(void);
/** An SD card in one of a Pi 4's SDHCI controllers, initialised; or NULL. */
struct disk_dev *disk_sd_probe(void);

#endif /* HYP_DISK_PRIV_H */
