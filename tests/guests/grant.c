/*
 * grant: grants a page of its own to the VMM and revokes it. The VMM
 * checks from its side (through the test device's doorbell at offset
 * 0x200: write a guest address, read back whether the VMM could read the
 * magic word there) that it can read the page only while it is granted.
 */
#include "lib/guest.h"

#define MAGIC 0x6772616e74656421UL /* "granted!" */

static u64 shared[512] __aligned(4096);

static u64 vmm_reads(u64 gpa)
{
	*(volatile u64 *)(GUEST_TESTDEV + 0x200) = gpa;
	return *(volatile u64 *)(GUEST_TESTDEV + 0x208);
}

void guest_main(void)
{
	u64 gpa = (u64)(uintptr_t)shared;
	s64 st;

	shared[0] = MAGIC;
	result("private_before", vmm_reads(gpa) == 0, "VMM read %s",
	       vmm_reads(gpa) == 0 ? "refused" : "the page");
	st = hv_grant(gpa, 4096);
	result("grant", st == HV_OK, "x0 %ld", (long)st);
	result("vmm_reads_granted", vmm_reads(gpa) == MAGIC, "VMM read 0x%lx",
	       (unsigned long)vmm_reads(gpa));
	st = hv_revoke(gpa, 4096);
	result("revoke", st == HV_OK, "x0 %ld", (long)st);
	result("private_after", vmm_reads(gpa) == 0, "VMM read %s",
	       vmm_reads(gpa) == 0 ? "refused" : "the page");
	st = hv_revoke(gpa, 4096);
	result("revoke_twice", st == HV_E_NOT_GRANTED, "x0 %ld", (long)st);
	st = hv_grant(gpa + 1, 4096);
	result("grant_unaligned", st == HV_E_INVALID, "x0 %ld", (long)st);
	st = hv_grant((1UL << 40) - 4096, 8192);
	result("grant_overflow", st == HV_E_INVALID, "x0 %ld", (long)st);
}
