/*
 * Physical range lists. See hyp/regions.h.
 */
#include <lib/lib.h>
#include <hyp/regions.h>

bool region_overlaps(u64 a, u64 as, u64 b, u64 bs)
{
	return as != 0 && bs != 0 && a < b + bs && b < a + as;
}

bool region_contains(const struct hv_region *r, pa_t pa, u64 as)
{
	u64 a = pa_val(pa);

	return a >= r->base && as <= r->size && a - r->base <= r->size - as;
}

s64 region_subtract(struct hv_region *list, u32 *n, u32 max,
		     const struct hv_region *hole)
{
	struct hv_region out[HV_BOOT_MAX_REGIONS * 2];
	u64 h0 = hole->base;
	u64 h1 = hole->base + hole->size;
	u32 m = 0;

	if (max > HV_BOOT_MAX_REGIONS * 2) {
		max = HV_BOOT_MAX_REGIONS * 2;
	}
	for (u32 i = 0; i < *n; i++) {
		u64 r0 = list[i].base;
		u64 r1 = list[i].base + list[i].size;

		if (!region_overlaps(r0, r1 - r0, h0, h1 - h0)) {
			if (m >= max) {
				return HV_E_NO_MEMORY;
			}
			out[m++] = list[i];
			continue;
		}
		if (r0 < h0) {
			if (m >= max) {
				return HV_E_NO_MEMORY;
			}
			out[m++] = (struct hv_region){ r0, h0 - r0 };
		}
		if (h1 < r1) {
			if (m >= max) {
				return HV_E_NO_MEMORY;
			}
			out[m++] = (struct hv_region){ h1, r1 - h1 };
		}
	}
	memcpy(list, out, m * sizeof(out[0]));
	*n = m;
	return HV_OK;
}
