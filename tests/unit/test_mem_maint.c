/*
 * The maintenance the memory core owes the hardware, on the fake arch's
 * log (tests/unit/fake_arch.c): donated frames cleaned to PoC and the
 * I-cache invalidated (audit F9); grant and revoke bounded per call, with
 * TLB invalidations only for pages the VMM mapped and one per call (F10);
 * the VMM's level-3 tables freed when empty or when their region is the
 * VMM's whole again (F12); blocks split and re-formed with
 * break-before-make (F13).
 */
#include <hyp/mem.h>

#include "fake_arch.h"
#include "harness.h"
#include "mem_invariants.h"

#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE) /* 0x40200000: a whole region */
#define BLK_A (FAKE_BANK0 + (UINT64_C(4) << 20))
#define BLK_B FAKE_BANK1
#define BLK_C (FAKE_BANK1 + (UINT64_C(2) << 20))
#define PTE(pa) ((u64)(pa) | 3)
#define PFN(a) pa_pfn(pa_of(a))

static u64 host_tables(void)
{
	u64 info[3];

	CHECK_EQ(mem_info(HV_OWNER_HOST, info), HV_OK);
	return info[1];
}

static u64 tlbis(void)
{
	return fake_tlb_ipa_count + fake_tlb_vmid_count;
}

/* Index of the first logged operation `op` at or after `from` (or the
 * log's length). */
static u32 find_event(enum fake_op op, u32 from)
{
	while (from < fake_num_events && fake_events[from].op != op) {
		from++;
	}
	return from;
}

/* ------------------------------------------------------ F9 ---- */

/*
 * Calls op (mem_grant or mem_revoke) over [gpa, gpa + size) until it is
 * done or refused, going on from where each call stopped; each partial
 * result must be whole pages short of the rest. Its last result goes to
 * *last; returns the number of calls (at most 100).
 */
static u64 share_all(s64 (*op)(u32, ipa_t, u64), u32 vmid, u64 gpa, u64 size, s64 *last)
{
	u64 calls = 0;
	s64 r = 1;

	while (r > 0 && calls < 100) {
		r = op(vmid, ipa_of(gpa), size);
		if (r > 0) {
			CHECK(r < (s64)size && (r & (PAGE_SIZE - 1)) == 0);
			gpa += (u64)r;
			size -= (u64)r;
		}
		calls++;
	}
	*last = r;
	return calls;
}

TEST(mem_donation_cleans_every_frame_and_the_icache)
{
	u32 vmid = 0;
	u32 first_clean;
	u32 tlbi;
	u64 missing = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	/* A 4 KiB page the VMM maps (so it leaves the VMM's map first). */
	fake_watch_ipa = HOST_FREE0 + 0x3000;
	CHECK_EQ(mem_host_fault(ipa_of(HOST_FREE0 + 0x3000), true, &(const char *){ NULL }), HV_OK);
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x0), PTE(HOST_FREE0 + 0x3000), 3), HV_OK);
	CHECK_EQ(fake_clean_count, 1);
	CHECK(fake_frame_cleaned(PFN(HOST_FREE0 + 0x3000)));
	CHECK_EQ(fake_icache_count, 1);
	/* cleaned after the VMM lost it (its TLB entry gone), then the
	 * I-cache, last */
	tlbi = find_event(FAKE_TLBI_IPA, 0);
	first_clean = find_event(FAKE_CLEAN, 0);
	CHECK(tlbi < first_clean && first_clean < fake_num_events);
	CHECK_EQ(fake_events[first_clean].watch_level, 0);
	CHECK_EQ(fake_events[fake_num_events - 1].op, FAKE_IC_INVAL);

	/* A 2 MiB block: all 512 frames, one I-cache invalidation. */
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(fake_clean_count, PTES_PER_TABLE);
	for (u64 i = 0; i < PTES_PER_TABLE; i++) {
		missing += !fake_frame_cleaned(pfn_add(PFN(BLK_A), i));
	}
	CHECK_EQ(missing, 0);
	CHECK_EQ(fake_icache_count, 1);
	CHECK_EQ(fake_events[fake_num_events - 1].op, FAKE_IC_INVAL);

	/* Refused calls and a repeat that changes nothing: no maintenance. */
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x400000), PTE(FAKE_BANK0), 2), HV_E_DENIED);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x1000), PTE(BLK_A), 3), HV_E_DENIED);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x400000), PTE(BLK_B + 0x1000), 2), HV_E_INVALID);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x0), PTE(HOST_FREE0 + 0x4000), 3), HV_E_BUSY);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK); /* again */
	CHECK_EQ(fake_clean_count, 0);
	CHECK_EQ(fake_icache_count, 0);
	CHECK_EQ(fake_num_events, 0);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* ----------------------------------------------------- F10 ---- */

TEST(mem_revoke_invalidates_only_what_the_vmm_mapped_once_per_call)
{
	u32 vmid = 0;
	u64 calls;
	u64 size = UINT64_C(4) << 20;
	s64 r;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x0), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x200000), PTE(BLK_B), 2), HV_OK);
	fake_reset_log();
	fake_tlb_ipa_count = 0;
	fake_tlb_vmid_count = 0;

	/* 1,024 pages granted and revoked, the VMM never mapping one: no
	 * TLB invalidation at all (the audit counted 2 per page). */
	CHECK_EQ(mem_grant(vmid, ipa_of(0x0), size), 0x200000);
	CHECK_EQ(mem_grant(vmid, ipa_of(0x200000), size - 0x200000), HV_OK);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0x0), size), 0x200000);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0x200000), size - 0x200000), HV_OK);
	CHECK_EQ(tlbis(), 0);
	printf("    revoke of 1024 pages the VMM never mapped: %llu TLB invalidations\n",
	       (unsigned long long)tlbis());

	/* Granted again, the VMM maps all 1,024: each revoke call
	 * invalidates the VMM's VMID once, not each page. */
	calls = share_all(mem_grant, vmid, 0, size, &r);
	CHECK_EQ(r, HV_OK);
	CHECK_EQ(calls, 2);
	for (u64 a = 0; a < (UINT64_C(4) << 20); a += PAGE_SIZE) {
		u64 pa = a < 0x200000 ? BLK_A + a : BLK_B + a - 0x200000;

		CHECK_EQ(mem_host_fault(ipa_of(pa), false, &(const char *){ NULL }), HV_OK);
	}
	fake_tlb_ipa_count = 0;
	fake_tlb_vmid_count = 0;
	calls = share_all(mem_revoke, vmid, 0, size, &r);
	CHECK_EQ(r, HV_OK);
	CHECK_EQ(calls, 2);
	CHECK_EQ(fake_tlb_ipa_count, 0);
	CHECK_EQ(fake_tlb_vmid_count, calls);
	printf("    revoke of 1024 pages the VMM mapped: %llu calls, %llu TLB invalidations\n",
	       (unsigned long long)calls, (unsigned long long)tlbis());
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A + 0x5000), false, &(const char *){ NULL }), HV_E_DENIED);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_share_work_per_call_is_bounded)
{
	u32 vmid = 0;
	u64 calls;
	u64 info[3];
	s64 r;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x0), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(UINT64_C(3) << 30), PTE(BLK_B), 2), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(UINT64_C(5) << 30), PTE(HOST_FREE0), 3), HV_OK);
	/* Each call stops after HV_SHARE_STEPS steps and says how far it got.
	 * Steps: 3 x 512 pages of the two blocks and the level-3 table, each
	 * of the 3 level-2 tables' other 511 entries, 5 unmapped GiB: 3,074,
	 * so 7 calls; each page granted once. */
	calls = share_all(mem_grant, vmid, 0, FAKE_VM_RAM_SIZE, &r); /* 8 GiB, 6 MiB given */
	CHECK_EQ(r, HV_OK);
	CHECK_EQ(calls, 7);
	CHECK_EQ(mem_page_info(pfn_add(PFN(BLK_A), 511), info), HV_OK);
	CHECK_EQ(info[1], 1);
	CHECK_EQ(mem_page_info(PFN(BLK_B), info), HV_OK);
	CHECK_EQ(info[1], 1);
	CHECK_EQ(mem_page_info(PFN(HOST_FREE0), info), HV_OK);
	CHECK_EQ(info[1], 1);
	printf("    grant over 8 GiB of IPA (1,025 pages mapped): %llu calls of at most %u steps\n",
	       (unsigned long long)calls, HV_SHARE_STEPS);
	/* A refused call changes nothing of its part: page 0 of BLK_A has 1
	 * grant, page 0 of BLK_B none, so this revoke over both is refused. */
	CHECK_EQ(mem_revoke(vmid, ipa_of(UINT64_C(3) << 30), PAGE_SIZE), HV_OK);
	CHECK_EQ(mem_revoke(vmid, ipa_of(UINT64_C(3) << 30), 0x200000), HV_E_NOT_GRANTED);
	CHECK_EQ(mem_page_info(pfn_add(PFN(BLK_B), 1), info), HV_OK);
	CHECK_EQ(info[1], 1);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* ----------------------------------------------------- F12 ---- */

TEST(mem_vmm_tables_freed_after_revoke)
{
	static const u64 blocks[] = { BLK_A, BLK_C };
	u32 vmid = 0;
	u64 before;
	u64 most = 0;
	const char *why = NULL;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	/* The VMM's level-2 tables, once (1 GiB each, never freed). */
	CHECK_EQ(mem_host_fault(ipa_of(HOST_FREE0), false, &why), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_B), false, &why), HV_OK);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	for (u32 i = 0; i < 2; i++) {
		CHECK_EQ(mem_prot_and_map(vmid, ipa_of((u64)i << 21), PTE(blocks[i]), 2), HV_OK);
	}
	before = host_tables();
	/* The audit's tableleak guest: one page per region granted, read by
	 * the VMM, revoked; many rounds. */
	for (u32 round = 0; round < 20; round++) {
		for (u32 i = 0; i < 2; i++) {
			u64 page = ((u64)i << 21) + ((u64)round << PAGE_SHIFT);

			CHECK_EQ(mem_grant(vmid, ipa_of(page), PAGE_SIZE), HV_OK);
			CHECK_EQ(mem_host_fault(ipa_of(blocks[i] + (page & 0x1fffff)), false, &why), HV_OK);
		}
		most = MAX(most, host_tables());
		for (u32 i = 0; i < 2; i++) {
			CHECK_EQ(mem_revoke(vmid, ipa_of(((u64)i << 21) + ((u64)round << PAGE_SHIFT)),
					    PAGE_SIZE),
				 HV_OK);
		}
		CHECK_EQ(host_tables(), before);
	}
	CHECK_EQ(most, before + 2);
	printf("    VMM table pages: %llu before, %llu with the grants, %llu after 20 rounds\n",
	       (unsigned long long)before, (unsigned long long)most,
	       (unsigned long long)host_tables());
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_vmm_block_split_and_merged_back)
{
	u32 vmid = 0;
	u64 before;
	u32 brk;
	const char *why = NULL;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(mem_host_fault(ipa_of(HOST_FREE0 + 0x10), true, &why), HV_OK); /* a block */
	before = host_tables();
	fake_watch_ipa = HOST_FREE0 + 0x8000; /* a neighbour that stays */
	CHECK_EQ(fake_watch_level(), 2);

	/* F13: the split writes the block invalid, invalidates its TLB entry
	 * (the VMM's VMID, an address of the block), then the table. */
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x0), PTE(HOST_FREE0 + 0x5000), 3), HV_OK);
	brk = find_event(FAKE_TLBI_IPA, 0);
	CHECK(brk < fake_num_events);
	CHECK_EQ(fake_events[brk].vttbr, mem_host_vttbr());
	CHECK_EQ(fake_events[brk].addr, HOST_FREE0);
	CHECK_EQ(fake_events[brk].watch_level, 0); /* broken at the TLBI */
	CHECK_EQ(fake_watch_level(), 3);            /* made after */
	CHECK_EQ(host_tables(), before + 1);

	/* F12: the frame back with the VMM (clear) makes the region whole:
	 * the table goes, the block comes back, break-before-make again. */
	CHECK_EQ(mem_vm_stop(vmid), HV_OK);
	fake_reset_log();
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 30), HV_OK);
	brk = find_event(FAKE_TLBI_VMID, find_event(FAKE_TLBI_VMID, 0) + 1);
	CHECK(brk < fake_num_events); /* the VM's flush, then the VMM's */
	CHECK_EQ(fake_events[brk].vttbr, mem_host_vttbr());
	CHECK_EQ(fake_events[brk].watch_level, 0);
	CHECK_EQ(fake_watch_level(), 2);
	CHECK_EQ(host_tables(), before);
	printf("    VMM table pages: %llu with the block, %llu split, %llu merged back\n",
	       (unsigned long long)before, (unsigned long long)before + 1,
	       (unsigned long long)host_tables());
	CHECK_EQ(mem_vm_destroy(vmid), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* A region that holds a VM's frame stays split after a clear of other
 * frames; a block donation over a split region frees its table. */
TEST(mem_vmm_merge_only_when_whole)
{
	u32 a = 0;
	u32 b = 0;
	u64 before;
	const char *why = NULL;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(mem_host_fault(ipa_of(HOST_FREE0), true, &why), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A), true, &why), HV_OK);
	before = host_tables();
	CHECK_EQ(fake_vm_create(&a, false), HV_OK);
	CHECK_EQ(fake_vm_create(&b, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(a, ipa_of(0x0), PTE(HOST_FREE0 + 0x1000), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0x0), PTE(HOST_FREE0 + 0x2000), 3), HV_OK);
	CHECK_EQ(host_tables(), before + 1);
	CHECK_EQ(mem_vm_stop(a), HV_OK);
	CHECK_EQ(mem_clear_vm_range(a, pfn_of(0), UINT64_C(1) << 30), HV_OK);
	CHECK_EQ(host_tables(), before + 1); /* b's frame is still there */
	CHECK_EQ(mem_invariant_violations(), 0);
	/* The bundle's region is mapped page by page (never a block); given
	 * whole to a VM, its table leaves with the last page. */
	CHECK_EQ(mem_host_fault(ipa_of(FAKE_RO), false, &why), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(FAKE_RO + 0x100000), true, &why), HV_OK);
	CHECK_EQ(host_tables(), before + 2);
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0x200000), PTE(FAKE_RO), 2), HV_OK);
	CHECK_EQ(host_tables(), before + 1);
	CHECK_EQ(mem_vm_stop(b), HV_OK);
	CHECK_EQ(mem_clear_vm_range(b, pfn_of(0), UINT64_C(1) << 30), HV_OK);
	CHECK_EQ(host_tables(), before);
	CHECK_EQ(mem_invariant_violations(), 0);
}
