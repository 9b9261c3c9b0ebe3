/*
 * tablegrant: the audit's "tableleak" (F12). In each 2 MiB region of its
 * RAM past the first (where its image lives), round after round, it grants
 * one page, has the VMM read it through the test device's doorbell (so the
 * VMM's stage 2 maps that page, in a level-3 table of its own), and revokes
 * it. The hyp must free each such table when the page leaves the VMM's
 * map: tests/hostile/test_bounded.py compares the VMM's table pages before
 * and after.
 */
#include "lib/guest.h"

#define ROUNDS 16
#define REGIONS (GUEST_RAM_SIZE >> 21)

static u64 vmm_reads(u64 gpa)
{
	*(volatile u64 *)(GUEST_TESTDEV + 0x200) = gpa;
	return *(volatile u64 *)(GUEST_TESTDEV + 0x208);
}

void guest_main(void)
{
	u32 read = 0;
	u32 refused = 0;
	u32 bad_calls = 0;

	for (u32 round = 0; round < ROUNDS; round++) {
		for (u64 b = 1; b < REGIONS; b++) {
			u64 gpa = GUEST_RAM + (b << 21) + ((u64)round << 12);
			u64 word = 0x7461626c65000000UL | (b << 8) | round; /* "table" */

			*(volatile u64 *)gpa = word;
			bad_calls += hv_grant(gpa, 4096) != HV_OK;
			read += vmm_reads(gpa) == word;
			bad_calls += hv_revoke(gpa, 4096) != HV_OK;
			refused += vmm_reads(gpa) == 0;
		}
	}
	result("grant_revoke_calls", bad_calls == 0, "%u calls refused", bad_calls);
	result("vmm_reads_granted", read == ROUNDS * (REGIONS - 1), "%u of %u pages read", read,
	       (u32)(ROUNDS * (REGIONS - 1)));
	result("private_after_revoke", refused == ROUNDS * (REGIONS - 1), "%u of %u refused",
	       refused, (u32)(ROUNDS * (REGIONS - 1)));
}
