/*
 * The memory calls' runs of frames: a 2 MiB prot_and_map checks its 512
 * records a bank at a time and the VM's map in one walk, and changes
 * nothing when any frame is refused; a block across two adjacent banks is
 * one block, one over a hole in RAM is refused; grant and revoke check a
 * leaf's pages as one run (committed without a second walk when the run
 * is the whole call) and invalidate the VMM's TLB only when a revoke took
 * a page it mapped. Below them, pgt_mapped_pages and the freeing of a
 * level-3 table with its last page, in any order.
 */
#include <string.h>

#include <hyp/mem.h>
#include <lib/pgtable.h>

#include "fake_arch.h"
#include "harness.h"
#include "mem_invariants.h"

#define PFN(a) pa_pfn(pa_of(a))
#define BLK_A (FAKE_BANK0 + (UINT64_C(4) << 20)) /* a 2 MiB region of the VMM's */
#define BLK_B FAKE_BANK1
#define PTE(pa) ((u64)(pa) | 3)
#define NONE (&(const char *){ NULL })

/* The records of the 512 frames from pa, and the frame and table counts
 * of the VMM and VMs 1 and 2: what a refused call must leave as it was. */
struct snapshot {
	u64 rec[PTES_PER_TABLE][3];
	u64 frames[3];
	u64 tables[3];
};

static void snap(struct snapshot *s, u64 pa)
{
	u64 info[3];

	for (u64 i = 0; i < PTES_PER_TABLE; i++) {
		CHECK_EQ(mem_page_info(pfn_add(PFN(pa), i), s->rec[i]), HV_OK);
	}
	for (u32 o = 0; o < 3; o++) {
		s64 r = mem_info(o, info); /* HV_E_NOT_FOUND: no such VM */

		s->frames[o] = r == HV_OK ? info[0] : (u64)r;
		s->tables[o] = r == HV_OK ? info[1] : (u64)r;
	}
}

static bool same(const struct snapshot *a, const struct snapshot *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The level of the VMM's leaf at pa, 0 if none. */
static u32 host_level(u64 pa)
{
	pa_t out;
	u64 attrs;
	u32 level;

	return pgt_walk(mem_host_s2(), ipa_of(pa), &out, &attrs, &level) ? level : 0;
}

static u64 count_of(u64 pa)
{
	u64 info[3];

	CHECK_EQ(mem_page_info(PFN(pa), info), HV_OK);
	return info[1];
}

/* ------------------------------------------------ prot_and_map ---- */

TEST(mem_block_with_one_frame_refused_changes_nothing)
{
	static struct snapshot before;
	static struct snapshot after;
	u32 vm1 = 0;
	u32 vm2 = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vm1, false), HV_OK);
	CHECK_EQ(fake_vm_create(&vm2, false), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A), false, NONE), HV_OK);
	CHECK_EQ(host_level(BLK_A), 2);
	/* Frame 256 of the region goes to VM 2; frame 300 to VM 1, at a gfn
	 * other than the block's. */
	CHECK_EQ(mem_prot_and_map(vm2, ipa_of(0x0), PTE(BLK_A + 0x100000), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm1, ipa_of(0x0), PTE(BLK_A + 0x12c000), 3), HV_OK);
	CHECK_EQ(host_level(BLK_A), 3);

	snap(&before, BLK_A);
	fake_reset_log();
	fake_tlb_ipa_count = 0;
	fake_tlb_vmid_count = 0;
	CHECK_EQ(mem_prot_and_map(vm1, ipa_of(0x200000), PTE(BLK_A), 2), HV_E_DENIED);
	snap(&after, BLK_A);
	CHECK(same(&before, &after));
	CHECK_EQ(fake_num_events, 0);
	CHECK_EQ(fake_tlb_ipa_count + fake_tlb_vmid_count, 0);
	CHECK(!mem_vm_maps(vm1, ipa_of(0x200000)));
	CHECK(!mem_vm_maps(vm1, ipa_of(0x3ff000)));
	CHECK_EQ(host_level(BLK_A), 3);
	CHECK_EQ(host_level(BLK_A + 0x1ff000), 3);
	CHECK_EQ(mem_invariant_violations(), 0);

	/* VM 2's frame back (VM 2 off and cleared): VM 1's own frame at
	 * the wrong gfn still refuses the block, changing nothing. */
	CHECK_EQ(mem_vm_stop(vm2), HV_OK);
	CHECK_EQ(mem_clear_vm_range(vm2, PFN(BLK_A), PTES_PER_TABLE), HV_OK);
	snap(&before, BLK_A);
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vm1, ipa_of(0x200000), PTE(BLK_A), 2), HV_E_DENIED);
	snap(&after, BLK_A);
	CHECK(same(&before, &after));
	CHECK_EQ(fake_num_events, 0);
	CHECK_EQ(mem_invariant_violations(), 0);

	/* At the gfn the block gives it, the same frame is accepted. */
	CHECK_EQ(mem_vm_stop(vm1), HV_OK);
	CHECK_EQ(mem_clear_vm_range(vm1, PFN(BLK_A), PTES_PER_TABLE), HV_OK);
	CHECK_EQ(mem_vm_destroy(vm1), HV_OK);
	CHECK_EQ(fake_vm_create(&vm1, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm1, ipa_of(0x22c000), PTE(BLK_A + 0x2c000), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm1, ipa_of(0x200000), PTE(BLK_A), 2), HV_E_BUSY); /* partly mapped */
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_block_across_two_adjacent_banks)
{
	u64 split = BLK_A + 0x100000;
	u64 info[3];
	u64 wrong = 0;
	u64 missing = 0;
	u32 vm = 0;

	CHECK_EQ(fake_machine_init_split(split, 0), 0);
	CHECK_EQ(fake_vm_create(&vm, false), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A), true, NONE), HV_OK);
	CHECK_EQ(host_level(BLK_A), 2); /* one region of the VMM's RAM */
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	for (u64 i = 0; i < PTES_PER_TABLE; i++) {
		CHECK_EQ(mem_page_info(pfn_add(PFN(BLK_A), i), info), HV_OK);
		wrong += info[0] != vm || info[1] != 0 || info[2] != 0x200 + i;
		missing += !fake_frame_cleaned(pfn_add(PFN(BLK_A), i));
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(missing, 0);
	CHECK_EQ(fake_icache_count, 1);
	CHECK_EQ(host_level(BLK_A), 0);
	CHECK_EQ(host_level(split), 0);
	CHECK(mem_vm_maps(vm, ipa_of(0x3ff000)));
	CHECK_EQ(mem_info(vm, info), HV_OK);
	CHECK_EQ(info[0], PTES_PER_TABLE);
	/* Again: accepted, nothing to do. */
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(fake_num_events, 0);

	/* Grant and revoke over the block: one leaf, two runs of records. */
	CHECK_EQ(mem_grant(vm, ipa_of(0x200000), 0x200000), HV_OK);
	CHECK_EQ(count_of(BLK_A), 1);
	CHECK_EQ(count_of(split - PAGE_SIZE), 1);
	CHECK_EQ(count_of(split), 1);
	CHECK_EQ(count_of(BLK_A + 0x1ff000), 1);
	CHECK_EQ(mem_revoke(vm, ipa_of(0x200000), 0x200000), HV_OK);
	CHECK_EQ(count_of(split), 0);
	/* A revoke refused at its last page, in the second bank: nothing of
	 * the first bank's pages changes. */
	CHECK_EQ(mem_grant(vm, ipa_of(0x200000), 0x1ff000), HV_OK);
	CHECK_EQ(mem_revoke(vm, ipa_of(0x200000), 0x200000), HV_E_NOT_GRANTED);
	CHECK_EQ(count_of(BLK_A), 1);
	CHECK_EQ(count_of(split), 1);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_block_over_a_hole_in_ram_is_refused)
{
	static struct snapshot before;
	static struct snapshot after;
	u64 hole = BLK_A + 0x100000;
	u32 vm = 0;

	CHECK_EQ(fake_machine_init_split(hole, PAGE_SIZE), 0);
	CHECK_EQ(fake_vm_create(&vm, false), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A), true, NONE), HV_OK);
	CHECK_EQ(host_level(BLK_A), 3); /* not a whole region of RAM */
	/* The snapshot's records: the 256 frames before the hole. */
	snap(&before, BLK_A - 0x100000);
	fake_reset_log();
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x200000), PTE(BLK_A), 2), HV_E_INVALID);
	snap(&after, BLK_A - 0x100000);
	CHECK(same(&before, &after));
	CHECK_EQ(fake_num_events, 0);
	CHECK_EQ(host_level(BLK_A), 3);
	CHECK(!mem_vm_maps(vm, ipa_of(0x200000)));
	/* Either side of the hole, pages go one by one. */
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x0), PTE(hole - PAGE_SIZE), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x1000), PTE(hole), 3), HV_E_INVALID);
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x2000), PTE(hole + PAGE_SIZE), 3), HV_OK);
}

/* -------------------------------------------- grant and revoke ---- */

TEST(mem_share_run_checked_whole_before_commit)
{
	u32 vm = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vm, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x400000), PTE(BLK_B), 3), HV_OK);
	/* Three pages of the block: one run. The third at the limit refuses
	 * the run, and the first two keep their count. */
	CHECK_EQ(mem_grant(vm, ipa_of(0x200000), 0x3000), HV_OK);
	for (u32 i = 1; i < HV_MAX_SHARE_COUNT; i++) {
		CHECK_EQ(mem_grant(vm, ipa_of(0x202000), PAGE_SIZE), HV_OK);
	}
	CHECK_EQ(count_of(BLK_A + 0x2000), HV_MAX_SHARE_COUNT);
	CHECK_EQ(mem_grant(vm, ipa_of(0x200000), 0x3000), HV_E_LIMIT);
	CHECK_EQ(count_of(BLK_A), 1);
	CHECK_EQ(count_of(BLK_A + 0x1000), 1);
	/* Revoke: a run whose last page has no grant changes nothing. */
	CHECK_EQ(mem_revoke(vm, ipa_of(0x200000), 0x4000), HV_E_NOT_GRANTED);
	CHECK_EQ(count_of(BLK_A), 1);
	CHECK_EQ(count_of(BLK_A + 0x2000), HV_MAX_SHARE_COUNT);
	/* Two leaves (the block's last page, the page after it): two runs. */
	CHECK_EQ(mem_grant(vm, ipa_of(0x3ff000), 0x2000), HV_OK);
	CHECK_EQ(count_of(BLK_A + 0x1ff000), 1);
	CHECK_EQ(count_of(BLK_B), 1);
	CHECK_EQ(mem_revoke(vm, ipa_of(0x3ff000), 0x2000), HV_OK);
	CHECK_EQ(count_of(BLK_A + 0x1ff000), 0);
	CHECK_EQ(count_of(BLK_B), 0);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_revoke_invalidates_when_a_mapped_page_leaves_the_vmm)
{
	u32 vm = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vm, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vm, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(mem_grant(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(mem_grant(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A + 0x5000), true, NONE), HV_OK);
	CHECK_EQ(host_level(BLK_A + 0x5000), 3);
	fake_tlb_ipa_count = 0;
	fake_tlb_vmid_count = 0;
	/* 2 -> 1: the VMM keeps it, no invalidation. */
	CHECK_EQ(mem_revoke(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(host_level(BLK_A + 0x5000), 3);
	CHECK_EQ(fake_tlb_ipa_count + fake_tlb_vmid_count, 0);
	/* 1 -> 0: out of the VMM's map, its VMID invalidated once. */
	CHECK_EQ(mem_revoke(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(host_level(BLK_A + 0x5000), 0);
	CHECK_EQ(fake_tlb_ipa_count, 0);
	CHECK_EQ(fake_tlb_vmid_count, 1);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A + 0x5000), false, NONE), HV_E_DENIED);
	/* Granted and revoked again without the VMM touching it: none. */
	CHECK_EQ(mem_grant(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(mem_revoke(vm, ipa_of(0x205000), PAGE_SIZE), HV_OK);
	CHECK_EQ(fake_tlb_vmid_count, 1);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* ------------------------------------------------ page tables ---- */

TEST(pgtable_mapped_pages)
{
	static u64 pool_pages[8][PTES_PER_TABLE] __attribute__((aligned(4096)));
	static u64 root[1024] __attribute__((aligned(8192)));
	struct pt_pool pool;
	struct pgtable pt;

	pt_pool_init(&pool, pool_pages, 8);
	CHECK_EQ(pgt_init(&pt, &pool, root, 40, 8), HV_OK);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x200000), pa_of(0x80200000), 2), 0);
	CHECK_EQ(pgt_map(&pt, ipa_of(0x200000), pa_of(0x80200000), 2, S2_AP_RW), HV_OK);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x200000), pa_of(0x80200000), 2), 512);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x200000), pa_of(0x80400000), 2), HV_E_BUSY);
	/* a page of the block: its frame at the same offset, or another */
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x203000), pa_of(0x80203000), 3), 1);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x203000), pa_of(0x80204000), 3), HV_E_BUSY);
	/* a level-3 table below a 2 MiB range: its pages one by one */
	CHECK_EQ(pgt_map(&pt, ipa_of(0x401000), pa_of(0x90001000), 3, S2_AP_RW), HV_OK);
	CHECK_EQ(pgt_map(&pt, ipa_of(0x5ff000), pa_of(0x901ff000), 3, S2_AP_RW), HV_OK);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x400000), pa_of(0x90000000), 2), 2);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x400000), pa_of(0x90200000), 2), HV_E_BUSY);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x400000), pa_of(0x90000000), 3), 0);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x5ff000), pa_of(0x901ff000), 3), 1);
	pgt_unmap_leaf(&pt, ipa_of(0x401000));
	pgt_unmap_leaf(&pt, ipa_of(0x5ff000));
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x400000), pa_of(0x90000000), 2), 0);
	/* outside the table's range, or a level it does not answer for */
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(UINT64_C(1) << 40), pa_of(0), 3), 0);
	CHECK_EQ(pgt_mapped_pages(&pt, ipa_of(0x200000), pa_of(0x80200000), 1), 0);
}

/* Maps the 512 pages of one region, then unmaps them in the order
 * (start + i * stride) % 512 (stride odd), or with stride 0 the even
 * pages, then the odd: the level-3 table stays until the last. */
static void unmap_in_order(u32 start, u32 stride)
{
	static u64 pool_pages[4][PTES_PER_TABLE] __attribute__((aligned(4096)));
	static u64 root[1024] __attribute__((aligned(8192)));
	struct pt_pool pool;
	struct pgtable pt;
	u32 early = 0;

	pt_pool_init(&pool, pool_pages, 4);
	CHECK_EQ(pgt_init(&pt, &pool, root, 40, 4), HV_OK);
	for (u64 i = 0; i < PTES_PER_TABLE; i++) {
		CHECK_EQ(pgt_map(&pt, ipa_of(0x200000 + (i << PAGE_SHIFT)),
				 pa_of(0x80200000 + (i << PAGE_SHIFT)), 3, S2_AP_RW),
			 HV_OK);
	}
	CHECK_EQ(pt.pages_used, 2);
	for (u32 i = 0; i < PTES_PER_TABLE; i++) {
		u64 half = PTES_PER_TABLE / 2;
		u64 at = stride != 0 ? (start + (u64)i * stride) % PTES_PER_TABLE
			 : i < half  ? 2 * (u64)i
				     : 2 * ((u64)i - half) + 1;

		CHECK_EQ(pgt_unmap_page(&pt, ipa_of(0x200000 + (at << PAGE_SHIFT))), 1);
		early += i + 1 < PTES_PER_TABLE && pt.pages_used != 2;
	}
	CHECK_EQ(early, 0);
	CHECK_EQ(pt.pages_used, 1); /* the level-3 table went with its last page */
	CHECK_EQ(pool.nfree, 3);
}

TEST(pgtable_table_freed_with_its_last_page_in_any_order)
{
	unmap_in_order(0, 1);     /* up */
	unmap_in_order(511, 511); /* down */
	unmap_in_order(7, 97);    /* scattered: neighbours gone long before */
	unmap_in_order(0, 0);     /* even pages first: both neighbours gone */
}
