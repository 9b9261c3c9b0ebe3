/*
 * isolation: two copies run at once (`guest isolation isolation`); each
 * writes a tag of its own into its RAM, yields to the other VM a few
 * times, and checks its tag is unchanged and the other's never appears:
 * same guest addresses, different frames, no way across.
 */
#include "lib/guest.h"

#define TAG_BASE 0x746167000000UL /* "tag" */
#define WORDS 512

static u64 page[WORDS] __aligned(4096);

void guest_main(void)
{
	u64 vmid = *(volatile u64 *)(GUEST_TESTDEV + TESTDEV_VMID);
	u64 tag = TAG_BASE | vmid;
	int bad = 0;

	for (u32 i = 0; i < WORDS; i++) {
		page[i] = tag;
	}
	for (u32 round = 0; round < 4; round++) {
		guest_yield();
		for (u32 i = 0; i < WORDS; i++) {
			bad += page[i] != tag;
		}
	}
	result("isolation", bad == 0 && vmid != 0, "vm%lu: %d words changed", (unsigned long)vmid,
	       bad);
}
