/*
 * The boot medium (medium.c): the disk the board booted from (the SD card
 * on a Pi 4, the boot disk on QEMU virt), which the hyp drives for the VMM
 * (HV_FN_DISK_IO). Its partitions past the boot partition can hold VMs'
 * disks (`disk = "medium:N"`), which keep what the VMs write across power
 * cycles.
 */
#ifndef VMM_MEDIUM_H
#define VMM_MEDIUM_H

#include <lib/types.h>

#define MEDIUM_PARTS 4
#define MEDIUM_PREFIX "medium:"

struct medium_part {
	u64 start;   /* first sector */
	u64 sectors;
	u8 type;     /* MBR partition type */
	bool writable; /* past the part the hyp keeps read-only */
	const void *user; /* the VM using it as its disk, or NULL */
};

/** Asks the hyp for the disk and reads its partition table; prints a line. */
void medium_init(void);
/**
 * Partition n (1-4) of the medium for a VM's disk, taken by `user`: NULL
 * with why[] saying why not (no medium, no such partition, the boot
 * partition, used by another VM).
 */
struct medium_part *medium_take(u32 n, const void *user, char *why, size_t whylen);
/** The partition that holds the bundle (type MEDIUM_BUNDLE_TYPE), or NULL. */
const struct medium_part *medium_bundle(void);
#define MEDIUM_BUNDLE_TYPE 0xda /* "non-FS data" */
/** The number (1-4) of a partition. */
u32 medium_part_number(const struct medium_part *p);
/** Gives a partition taken back. */
void medium_release(struct medium_part *p);
/** The partition number of "medium:N", or 0 if name is not one. */
u32 medium_name(const char *name);
/**
 * Reads (write false) or writes n sectors of partition p from its sector
 * `sector` to or from buf (VMM memory, any alignment); 0, or a negative
 * HV_E_* from the hyp. flush: the device's cache written out (n 0).
 */
s64 medium_io(const struct medium_part *p, bool write, u64 sector, void *buf, u64 n);
s64 medium_flush(void);

#endif /* VMM_MEDIUM_H */
