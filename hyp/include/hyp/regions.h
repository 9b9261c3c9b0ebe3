/*
 * Lists of physical address ranges (struct hv_region, as boot data and the
 * ABI carry them): overlap tests and subtraction, used to carve the VMM's
 * memory out of the RAM banks.
 */
#ifndef HYP_REGIONS_H
#define HYP_REGIONS_H

#include <abi/hv_abi.h>
#include <lib/types.h>

/**
 * True if [a, a+as) and [b, b+bs) share a byte: two ranges of one address
 * space, whichever it is, as plain numbers.
 */
bool region_overlaps(u64 a, u64 as, u64 b, u64 bs);

/** True if [pa, pa+as) lies inside region r. */
bool region_contains(const struct hv_region *r, pa_t pa, u64 as);

/**
 * Removes `hole` from every region of list[0..*n), splitting a region in
 * two where the hole falls inside it. HV_E_NO_MEMORY, leaving the list as
 * it was, if a split would need more than `max` entries.
 */
s64 region_subtract(struct hv_region *list, u32 *n, u32 max,
		    const struct hv_region *hole) __must_check;

#endif /* HYP_REGIONS_H */
