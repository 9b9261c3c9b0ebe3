/*
 * Lists of physical address ranges: overlap tests and subtraction, used to
 * carve the VMM's memory out of the RAM banks.
 */
#ifndef HYP_REGIONS_H
#define HYP_REGIONS_H

#include <abi/hv_abi.h>
#include <lib/types.h>

/** True if [a, a+as) and [b, b+bs) share a byte. */
bool region_overlaps(u64 a, u64 as, u64 b, u64 bs);

/** True if [a, a+as) lies inside region r. */
bool region_contains(const struct hv_region *r, u64 a, u64 as);

/**
 * Removes `hole` from every region of list[0..*n), splitting a region in
 * two where the hole falls inside it. Returns false, leaving the list as
 * it was, if a split would need more than `max` entries.
 */
bool region_subtract(struct hv_region *list, u32 *n, u32 max,
		     const struct hv_region *hole) __must_check;

#endif /* HYP_REGIONS_H */
