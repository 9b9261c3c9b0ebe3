/*
 * isolation: two copies run at once (`guest isolation isolation`); each
 * writes a tag of its own into its RAM, waits until the other has written
 * its own (the test device's barrier), yields to it a few times more, and
 * checks its tag is unchanged and the other's never appears: same guest
 * addresses, different frames, no way across.
 */
#include "lib/guest.h"

#define TAG_BASE 0x746167000000UL /* "tag" */
#define WORDS 512
/* How long to wait for the other copy: far more than a loaded host needs. */
#define BARRIER_SECONDS 60

static u64 page[WORDS] __aligned(4096);

void guest_main(void)
{
	u64 vmid = *(volatile u64 *)(GUEST_TESTDEV + TESTDEV_VMID);
	u64 tag = TAG_BASE | vmid;
	int bad = 0;
	volatile u64 *barrier = (volatile u64 *)(GUEST_TESTDEV + TESTDEV_BARRIER);
	u64 freq;
	u64 start = guest_counter();

	for (u32 i = 0; i < WORDS; i++) {
		page[i] = tag;
	}
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	*barrier = 1;
	while (*barrier < 2 && guest_counter() - start < BARRIER_SECONDS * freq) {
		guest_yield();
	}
	if (*barrier < 2) {
		result("isolation", false, "vm%lu: the other copy never reached the barrier",
		       (unsigned long)vmid);
		return;
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
