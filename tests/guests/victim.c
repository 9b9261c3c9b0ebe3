/*
 * victim: a protected VM with something to steal, for the hostile group
 * (tests/hostile). A secret page ("SECRET01" and its index in each word),
 * one page granted to the VMM (its "ring"), and a hot page that vCPU 1
 * rewrites for ever without trapping. vCPU 0 checks the secret and its
 * own FP/SIMD registers about once a second and says so, so that a test
 * sees it is alive and unchanged; it never ends.
 */
#include "lib/guest.h"

#define SECRET UINT64_C(0x5345435245543031) /* "SECRET01" */
#define HOT UINT64_C(0x484f540000000000)    /* "HOT" and a counter */

static u64 secret[512] __aligned(4096);
static u64 ring[512] __aligned(4096);
static volatile u64 hot[512] __aligned(4096);

static u64 counter_freq(void)
{
	u64 v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* A pattern in v8..v15 (callee-saved halves); whether it is still there. */
static void fp_fill(void)
{
	__asm__ volatile("fmov d8, %0\n\tfmov d9, %0\n\tfmov d10, %0\n\tfmov d11, %0\n\t"
			 "fmov d12, %0\n\tfmov d13, %0\n\tfmov d14, %0\n\tfmov d15, %0"
			 :
			 : "r"(SECRET)
			 : "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15");
}

static bool fp_intact(void)
{
	u64 a;
	u64 b;

	__asm__ volatile("fmov %0, d8\n\tfmov %1, d15" : "=r"(a), "=r"(b));
	return a == SECRET && b == SECRET;
}

void guest_secondary(u64 context)
{
	u64 n = 0;

	(void)context;
	for (;;) {
		for (u32 i = 0; i < 512; i++) {
			hot[i] = HOT | n;
		}
		n++;
	}
}

void guest_main(void)
{
	u64 freq = counter_freq();
	u64 next;
	u64 seq = 0;
	struct hvc_res r;

	for (u32 i = 0; i < 512; i++) {
		secret[i] = SECRET ^ ((u64)i << 48);
		ring[i] = 0x52494e47 + i; /* "RING" */
	}
	printf("victim: secret 0x%lx ring 0x%lx hot 0x%lx grant %ld\n",
	       (unsigned long)(uintptr_t)secret, (unsigned long)(uintptr_t)ring,
	       (unsigned long)(uintptr_t)hot, (long)hv_grant((u64)(uintptr_t)ring, 4096));
	r = hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, 1);
	printf("victim: hot writer on vCPU 1: %ld\n", (long)r.x0);
	fp_fill();
	next = guest_counter();
	for (;;) {
		u32 bad = 0;

		while (guest_counter() < next) {
			guest_yield();
		}
		next += freq;
		for (u32 i = 0; i < 512; i++) {
			bad += secret[i] != (SECRET ^ ((u64)i << 48));
		}
		printf("victim: alive %lu secret %s fp %s hot 0x%lx\n", (unsigned long)seq++,
		       bad == 0 ? "intact" : "CHANGED", fp_intact() ? "intact" : "CHANGED",
		       (unsigned long)hot[0]);
	}
}
