/*
 * The boot disk the hyp drives for the VMM (disk.c): HV_FN_DISK_IO.
 */
#ifndef HYP_DISK_H
#define HYP_DISK_H

#include <lib/types.h>

/**
 * Finds the boot disk among the platform's virtio-mmio transports (a
 * virtio-blk device) and brings it up; without one, HV_FN_DISK_IO answers
 * HV_E_NOT_SUPPORTED. Boot CPU, before the VMM starts.
 */
void disk_init(void);
/** HV_FN_DISK_IO: op HV_DISK_*, sector, pa, n sectors; out[] for HV_DISK_INFO. */
s64 disk_io(u64 op, u64 sector, u64 pa, u64 n, u64 out[3]) __must_check;

#endif /* HYP_DISK_H */
