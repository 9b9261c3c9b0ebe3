/*
 * sharestorm: grants and revokes all of its RAM for ever, on both vCPUs,
 * each call going on from where the last one stopped (a grant or revoke
 * does a bounded part of its range). For the hostile group's latency test
 * (tests/hostile/test_bounded.py, audit F10): however hard a guest works
 * the hyp's memory lock, the VMM's own memory calls must still be served
 * promptly. vCPU 0 says how many calls one pass over its RAM takes, and
 * reports every 64 rounds, with what PSCI CPU_ON answered for vCPU 1 (the
 * test reads the last 2 KiB of its console: a line at boot scrolls away).
 */
#include "lib/guest.h"

static s64 vcpu1_on = -1000; /* CPU_ON's answer, once asked */

/* GRANT or REVOKE over all of RAM; the number of calls, or an error. */
static s64 share_all(bool grant)
{
	u64 gpa = GUEST_RAM;
	u64 size = GUEST_RAM_SIZE;
	s64 calls = 1;
	s64 r;

	while ((r = grant ? hv_grant(gpa, size) : hv_revoke(gpa, size)) > 0) {
		gpa += (u64)r;
		size -= (u64)r;
		calls++;
	}
	return r == HV_OK ? calls : r;
}

static void storm(u32 vcpu)
{
	u64 freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	for (u64 n = 0;; n++) {
		u64 t = guest_counter();
		s64 g = share_all(true);
		s64 v = share_all(false);

		t = guest_counter() - t;
		if (g < 0 || v < 0) {
			printf("sharestorm: vCPU %u round %lu: grant %ld revoke %ld\n", vcpu,
			       (unsigned long)n, (long)g, (long)v);
		} else if (vcpu == 0 && n % 64 == 0) {
			printf("sharestorm: round %lu, %ld calls per pass over %lu MiB, %lu us "
			       "per call; vCPU 1 on: %ld\n",
			       (unsigned long)n, (long)g, GUEST_RAM_SIZE >> 20,
			       (unsigned long)(t * 1000000 / freq / (u64)(g + v)), (long)vcpu1_on);
		}
	}
}

void guest_secondary(u64 context)
{
	(void)context;
	storm(1);
}

void guest_main(void)
{
	struct hvc_res r = hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, 1);

	vcpu1_on = (s64)r.x0;
	storm(0);
}
