/*
 * lib/pgtable.c and the memory core (hyp/core/mem*.c) on the simulated
 * machine of fake_arch.c: page-table map, walk, split and teardown; each
 * ownership operation's accepted and refused cases as action/result
 * tables, with the invariants of docs/security.md checked after every
 * action.
 */
#include <stdlib.h>
#include <string.h>

#include <hyp/mem.h>
#include <lib/pgtable.h>

#include "fake_arch.h"
#include "mem_invariants.h"
#include "harness.h"

#define PFN(a) pa_pfn(pa_of(a))
#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE)        /* first host frame */
#define BLK_A (FAKE_BANK0 + (UINT64_C(4) << 20))       /* a host 2 MiB block */
#define PTE(pa) ((u64)(pa) | 3)

/* ------------------------------------------------ page tables ---- */

/* The address types are distinct: an IPA is not a physical address. */
_Static_assert(_Generic((ipa_t){ 0 }, pa_t: 0, default: 1), "ipa_t is pa_t");
_Static_assert(_Generic((pa_t){ 0 }, ipa_t: 0, default: 1), "pa_t is ipa_t");
_Static_assert(_Generic((pfn_t){ 0 }, gfn_t: 0, default: 1), "pfn_t is gfn_t");
_Static_assert(sizeof(ipa_t) == sizeof(u64) && sizeof(pa_t) == sizeof(u64),
	       "an address is one register");

#define IPA(a) ipa_of(a)
#define PA(a) pa_of(a)

TEST(pgtable_map_walk_split_destroy)
{
	static u64 pool_pages[8][PTES_PER_TABLE] __attribute__((aligned(4096)));
	static u64 root[1024] __attribute__((aligned(8192)));
	struct pt_pool pool;
	struct pgtable pt;
	struct pgt_bbm b;
	pa_t pa;
	u64 attrs;
	u32 level;

	pt_pool_init(&pool, pool_pages, 8);
	CHECK_EQ(pgt_init(&pt, &pool, root, 40, 6), HV_OK);
	CHECK_EQ(pt.root_entries, 1024);
	CHECK_EQ(pgt_map_cost(&pt, IPA(0x40200000), 2), 1);
	CHECK_EQ(pgt_map(&pt, IPA(0x40200000), PA(0x80200000), 2, S2_AP_RW), HV_OK);
	CHECK_EQ(pt.pages_used, 1);
	CHECK(pgt_walk(&pt, IPA(0x40212345), &pa, &attrs, &level));
	CHECK_EQ(pa_val(pa), 0x80212345);
	CHECK_EQ(level, 2);
	/* same mapping again: accepted; a different one: refused */
	CHECK_EQ(pgt_map(&pt, IPA(0x40200000), PA(0x80200000), 2, S2_AP_RW), HV_OK);
	CHECK_EQ(pgt_map(&pt, IPA(0x40200000), PA(0x80400000), 2, S2_AP_RW), HV_E_BUSY);
	CHECK_EQ(pgt_map(&pt, IPA(0x40201000), PA(0x80201000), 3, S2_AP_RW), HV_E_BUSY);
	/* misaligned or out of range */
	CHECK_EQ(pgt_map(&pt, IPA(0x40001000), PA(0x80000000), 2, 0), HV_E_INVALID);
	CHECK_EQ(pgt_map(&pt, IPA(UINT64_C(1) << 40), PA(0x1000), 3, 0), HV_E_INVALID);
	/* split: page 0x40203000 goes, its 511 neighbours stay */
	CHECK_EQ(pgt_unmap_cost(&pt, IPA(0x40203000)), 1);
	CHECK_EQ(pgt_unmap_page(&pt, IPA(0x40203000)), HV_E_BUSY); /* a block */
	CHECK_EQ(pt.pages_used, 1);
	CHECK_EQ(pgt_split_break(&pt, IPA(0x40203000), &b), 1);
	CHECK_EQ(ipa_val(b.ipa), 0x40200000);
	CHECK_EQ(b.level, 2);
	CHECK(!pgt_walk(&pt, IPA(0x40204000), &pa, &attrs, &level)); /* broken */
	pgt_bbm_make(&pt, &b);
	CHECK_EQ(pgt_split_break(&pt, IPA(0x40203000), &b), 0); /* no block left */
	CHECK_EQ(pgt_unmap_page(&pt, IPA(0x40203000)), 1);
	CHECK_EQ(pgt_unmap_page(&pt, IPA(0x40203000)), 0); /* not mapped */
	CHECK_EQ(pt.pages_used, 2);
	CHECK(!pgt_walk(&pt, IPA(0x40203000), &pa, &attrs, &level));
	CHECK(pgt_walk(&pt, IPA(0x40204000), &pa, &attrs, &level));
	CHECK_EQ(pa_val(pa), 0x80204000);
	CHECK_EQ(level, 3);
	CHECK_EQ(attrs & S2_AP_RW, S2_AP_RW);
	CHECK(pgt_walk(&pt, IPA(0x40202fff), &pa, &attrs, &level) && pa_val(pa) == 0x80202fff);
	/* limit: 6 pages; pool: 8 */
	CHECK_EQ(pgt_pages_available(&pt), 4);
	CHECK_EQ(pgt_map(&pt, IPA(UINT64_C(1) << 30), PA(0x1000), 3, 0), HV_OK); /* new L3 */
	CHECK_EQ(pgt_map(&pt, IPA(UINT64_C(2) << 30), PA(0x1000), 3, 0), HV_OK); /* L2 + L3 */
	CHECK_EQ(pt.pages_used, 5);
	/* needs two, one left: refused with nothing taken */
	CHECK_EQ(pgt_map(&pt, IPA(UINT64_C(3) << 30), PA(0x1000), 3, 0), HV_E_NO_MEMORY);
	CHECK_EQ(pt.pages_used, 5);
	CHECK_EQ(pool.nfree, 3);
	CHECK_EQ(pgt_unmap_page(&pt, IPA(0x40205000)), 1); /* already split: free */
	pgt_destroy(&pt);
	CHECK_EQ(pt.pages_used, 0);
	CHECK_EQ(pool.nfree, 8);
	CHECK(!pgt_walk(&pt, IPA(0x40204000), &pa, &attrs, &level));
}

/* ------------------------------------------------- invariants ---- */

static void check_invariants(void)
{
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* ------------------------------------------------ action tables ---- */

enum op { CREATE, START, STOP, DESTROY, MAP, CLEAR, GRANT, REVOKE, HOSTR, HOSTW };

struct action {
	enum op op;
	u64 a, b, c, d;
	s64 expect;
	const char *what;
};

static s64 run(const struct action *x)
{
	u32 vmid = 0;
	const char *why = NULL;
	s64 r;

	switch (x->op) {
	case CREATE:
		r = fake_vm_create(&vmid, false);
		if (r == HV_OK) {
			CHECK_EQ(vmid, x->a);
		}
		return r;
	case START:
		return mem_vm_start((u32)x->a);
	case STOP:
		return mem_vm_stop((u32)x->a);
	case DESTROY:
		return mem_vm_destroy((u32)x->a);
	case MAP:
		return mem_prot_and_map((u32)x->a, ipa_of(x->b), x->c, x->d);
	case CLEAR:
		return mem_clear_vm_range((u32)x->a, pfn_of(x->b), x->c);
	case GRANT:
		return mem_grant((u32)x->a, ipa_of(x->b), x->c);
	case REVOKE:
		return mem_revoke((u32)x->a, ipa_of(x->b), x->c);
	case HOSTR:
	case HOSTW:
		return mem_host_fault(ipa_of(x->a), x->op == HOSTW, &why);
	}
	return -100;
}

static void run_table(const struct action *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s64 got = run(&t[i]);

		if (got != t[i].expect) {
			fprintf(stderr, "    step %zu (%s): got %lld, expected %lld\n", i,
				t[i].what, (long long)got, (long long)t[i].expect);
			test_checks_failed++;
		}
		check_invariants();
	}
}

#define A(...) { __VA_ARGS__ }

TEST(mem_prot_and_map_cases)
{
	static const struct action t[] = {
		A(MAP, 1, 0, PTE(HOST_FREE0), 3, HV_E_NOT_FOUND, "no such VM"),
		A(CREATE, 1, 0, 0, 0, HV_OK, "create vm1"),
		A(CREATE, 2, 0, 0, 0, HV_OK, "create vm2"),
		A(MAP, 1, 0x0, PTE(HOST_FREE0), 3, HV_OK, "page at gpa 0"),
		A(MAP, 1, 0x0, PTE(HOST_FREE0), 3, HV_OK, "same again: accepted"),
		A(MAP, 1, 0x1000, PTE(HOST_FREE0), 3, HV_E_DENIED, "same frame, other gfn"),
		A(MAP, 2, 0x0, PTE(HOST_FREE0), 3, HV_E_DENIED, "another VM's frame"),
		A(MAP, 1, 0x0, PTE(HOST_FREE0 + 0x1000), 3, HV_E_BUSY, "gpa mapped to another frame"),
		A(MAP, 1, 0x2000, PTE(FAKE_BANK0), 3, HV_E_DENIED, "hyp frame"),
		A(MAP, 1, 0x2000, PTE(0), 3, HV_E_INVALID, "frame 0"),
		A(MAP, 1, 0x2000, PTE(0x10000000), 3, HV_E_INVALID, "not RAM"),
		A(MAP, 1, 0x2000, PTE(HOST_FREE0 + 0x2000), 1, HV_E_INVALID, "level 1"),
		A(MAP, 1, 0x2000, PTE(HOST_FREE0 + 0x2000), 4, HV_E_INVALID, "level 4"),
		A(MAP, 1, 0x2800, PTE(HOST_FREE0 + 0x2000), 3, HV_E_INVALID, "unaligned gpa"),
		A(MAP, 1, UINT64_C(1) << 40, PTE(HOST_FREE0 + 0x2000), 3, HV_E_INVALID, "gpa past the IPA space"),
		A(MAP, 1, 0x200000, PTE(BLK_A + 0x1000), 2, HV_E_INVALID, "2 MiB: frame unaligned"),
		A(MAP, 1, 0x201000, PTE(BLK_A), 2, HV_E_INVALID, "2 MiB: gpa unaligned"),
		A(MAP, 1, FAKE_VM_RAM_SIZE, PTE(BLK_A), 2, HV_E_INVALID, "2 MiB past the VM's RAM"),
		A(MAP, 1, FAKE_VM_RAM_SIZE - 0x1000, PTE(HOST_FREE0 + 0x2000), 3, HV_OK, "4 KiB at the top of its RAM"),
		A(MAP, 1, FAKE_VM_RAM_SIZE - 0x400000, PTE(BLK_A), 2, HV_OK, "2 MiB near the top"),
		A(MAP, 1, 0x400000, PTE(HOST_FREE0), 2, HV_E_DENIED, "2 MiB over a VM frame"),
		A(MAP, 1, 0x400000, PTE(FAKE_BANK0 + 0x600000), 2, HV_OK, "2 MiB over the bundle"),
		A(HOSTR, FAKE_BANK0 + 0x600000, 0, 0, 0, HV_E_DENIED, "VMM reads a VM's page"),
		A(HOSTR, HOST_FREE0 + 0x3000, 0, 0, 0, HV_OK, "VMM reads its own page"),
		A(HOSTR, FAKE_BANK0, 0, 0, 0, HV_E_DENIED, "VMM reads hyp memory"),
		A(HOSTR, 0x10000000, 0, 0, 0, HV_E_DENIED, "VMM reads nothing"),
		A(HOSTW, FAKE_DEV + 8, 0, 0, 0, HV_OK, "VMM writes its device"),
		A(STOP, 1, 0, 0, 0, HV_OK, "stop vm1"),
		A(MAP, 1, 0x5000, PTE(HOST_FREE0 + 0x5000), 3, HV_E_BUSY, "map into an off VM"),
	};

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	run_table(t, sizeof(t) / sizeof(t[0]));
}

TEST(mem_block_split_in_vmm_stage2)
{
	static const struct action t[] = {
		A(HOSTR, BLK_A + 0x10, 0, 0, 0, HV_OK, "VMM maps a 2 MiB block"),
		A(CREATE, 1, 0, 0, 0, HV_OK, "create"),
		A(MAP, 1, 0x0, PTE(BLK_A + 0x5000), 3, HV_OK, "a page inside the block"),
		A(HOSTR, BLK_A + 0x5000, 0, 0, 0, HV_E_DENIED, "the donated page is gone"),
		A(HOSTR, BLK_A + 0x6000, 0, 0, 0, HV_OK, "its neighbour stays"),
	};
	pa_t pa;
	u64 attrs;
	u32 level;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	run_table(t, 2);
	CHECK(pgt_walk(mem_host_s2(), IPA(BLK_A + 0x5000), &pa, &attrs, &level));
	CHECK_EQ(level, 2);
	run_table(t + 2, 3);
	CHECK(!pgt_walk(mem_host_s2(), IPA(BLK_A + 0x5000), &pa, &attrs, &level));
	CHECK(pgt_walk(mem_host_s2(), IPA(BLK_A + 0x4000), &pa, &attrs, &level));
	CHECK_EQ(level, 3);
	CHECK(fake_tlb_ipa_count >= 1);
}

TEST(mem_grant_revoke_cases)
{
	static const struct action t[] = {
		A(CREATE, 1, 0, 0, 0, HV_OK, "create"),
		A(MAP, 1, 0x10000, PTE(HOST_FREE0 + 0x10000), 3, HV_OK, "page 0x10000"),
		A(MAP, 1, 0x11000, PTE(HOST_FREE0 + 0x11000), 3, HV_OK, "page 0x11000"),
		A(MAP, 1, 0x200000, PTE(BLK_A), 2, HV_OK, "a block"),
		A(HOSTR, HOST_FREE0 + 0x10000, 0, 0, 0, HV_E_DENIED, "private"),
		A(GRANT, 1, 0x10000, 0x1800, 0, HV_OK, "grant 1.5 pages: both"),
		A(HOSTW, HOST_FREE0 + 0x11000, 0, 0, 0, HV_OK, "VMM maps a granted page"),
		A(GRANT, 1, 0x10800, 0x1000, 0, HV_E_INVALID, "unaligned gpa"),
		A(GRANT, 1, (UINT64_C(1) << 40) - 0x1000, 0x2000, 0, HV_E_INVALID, "past the end"),
		A(GRANT, 1, FAKE_VM_RAM_SIZE - 0x1000, 0x2000, 0, HV_E_INVALID, "past the VM's RAM"),
		A(GRANT, 1, 0, 0, 0, HV_E_INVALID, "nothing"),
		A(GRANT, 1, 0x1000, UINT64_MAX, 0, HV_E_INVALID, "overflowing size"),
		A(GRANT, 2, 0x10000, 0x1000, 0, HV_E_NOT_FOUND, "no such VM"),
		A(GRANT, 1, 0x0, 0x400000, 0, 0x200000, "a range with holes and a block: 512 steps"),
		A(HOSTR, BLK_A + 0x7000, 0, 0, 0, HV_E_DENIED, "the block not yet"),
		A(GRANT, 1, 0x200000, 0x200000, 0, HV_OK, "the rest: the block"),
		A(HOSTR, BLK_A + 0x7000, 0, 0, 0, HV_OK, "page of the block granted"),
		A(REVOKE, 1, 0x0, 0x400000, 0, 0x200000, "revoke that range: 512 steps"),
		A(REVOKE, 1, 0x200000, 0x200000, 0, HV_OK, "and the rest"),
		A(HOSTR, BLK_A + 0x8000, 0, 0, 0, HV_E_DENIED, "block page private again"),
		A(REVOKE, 1, 0x200000, 0x1000, 0, HV_E_NOT_GRANTED, "more than granted"),
		A(REVOKE, 1, 0x10000, 0x1000, 0, HV_OK, "last grant of 0x10000"),
		A(HOSTR, HOST_FREE0 + 0x10000, 0, 0, 0, HV_E_DENIED, "private again"),
		A(HOSTR, HOST_FREE0 + 0x11000, 0, 0, 0, HV_OK, "0x11000 still granted"),
		A(REVOKE, 1, 0x10000, 0x2000, 0, HV_E_NOT_GRANTED, "one of two not granted: nothing changes"),
		A(HOSTR, HOST_FREE0 + 0x11000, 0, 0, 0, HV_OK, "0x11000 still granted"),
		A(REVOKE, 1, 0x11000, 0x1000, 0, HV_OK, "revoke 0x11000"),
		A(HOSTR, HOST_FREE0 + 0x11000, 0, 0, 0, HV_E_DENIED, "refused after revoke"),
		A(GRANT, 1, 0x50000, 0x1000, 0, HV_OK, "unmapped: skipped"),
	};
	u64 info[3];

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	run_table(t, sizeof(t) / sizeof(t[0]));
	/* the share limit */
	for (u32 i = 0; i < HV_MAX_SHARE_COUNT; i++) {
		CHECK_EQ(mem_grant(1, ipa_of(0x10000), 1), HV_OK);
	}
	CHECK_EQ(mem_grant(1, ipa_of(0x10000), 1), HV_E_LIMIT);
	CHECK_EQ(mem_page_info(PFN(HOST_FREE0 + 0x10000), info), HV_OK);
	CHECK_EQ(info[0], 1);
	CHECK_EQ(info[1], HV_MAX_SHARE_COUNT);
	CHECK_EQ(info[2], 0x10);
	check_invariants();
}

TEST(mem_clear_destroy_balance)
{
	u64 before[3];
	u64 after[3];
	u64 info[3];
	u8 *f;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(mem_info(HV_OWNER_HOST, before), HV_OK);
	static const struct action t[] = {
		A(CREATE, 1, 0, 0, 0, HV_OK, "create"),
		A(MAP, 1, 0x0, PTE(HOST_FREE0), 3, HV_OK, "page"),
		A(MAP, 1, 0x200000, PTE(BLK_A), 2, HV_OK, "block"),
		A(START, 1, 0, 0, 0, HV_OK, "start"),
		A(START, 1, 0, 0, 0, HV_E_BUSY, "start twice"),
		A(CLEAR, 1, 0, UINT64_C(1) << 40, 0, HV_E_BUSY, "clear while running"),
		A(DESTROY, 1, 0, 0, 0, HV_E_BUSY, "destroy while running"),
		A(STOP, 1, 0, 0, 0, HV_OK, "stop"),
		A(DESTROY, 1, 0, 0, 0, HV_E_BUSY, "destroy owning frames"),
		A(CLEAR, 1, UINT64_MAX, 2, 0, HV_E_INVALID, "overflowing range"),
		A(CLEAR, 2, 0, 1, 0, HV_E_NOT_FOUND, "no such VM"),
	};
	run_table(t, 3);
	f = fake_frame(pfn_add(PFN(BLK_A), 7));
	memset(f, 0xa5, PAGE_SIZE); /* the VM's data */
	run_table(t + 3, sizeof(t) / sizeof(t[0]) - 3);
	CHECK_EQ(mem_clear_vm_range(1, PFN(BLK_A), 256), HV_OK); /* half the block */
	CHECK_EQ(mem_info(1, info), HV_OK);
	CHECK_EQ(info[0], 257);
	CHECK_EQ(mem_clear_vm_range(1, pfn_of(0), UINT64_C(1) << 40), HV_E_INVALID);
	CHECK_EQ(mem_clear_vm_range(1, pfn_of(0), (UINT64_C(1) << 40) - 1), HV_OK);
	check_invariants();
	CHECK_EQ(fake_scrub_count, 513);
	for (u32 i = 0; i < PAGE_SIZE; i++) {
		if (f[i] != 0) {
			CHECK(f[i] == 0);
			break;
		}
	}
	CHECK_EQ(mem_vm_destroy(1), HV_OK);
	CHECK_EQ(mem_info(HV_OWNER_HOST, after), HV_OK);
	CHECK_EQ(after[0], before[0]);
	CHECK_EQ(after[2], before[2] + 0); /* every VM table page back */
	CHECK_EQ(mem_info(1, info), HV_E_NOT_FOUND);
	/* the VMID is reused, with its TLB entries flushed */
	{
		u64 flushes = fake_tlb_vmid_count;
		u32 vmid = 0;

		CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
		CHECK_EQ(vmid, 1);
		CHECK(fake_tlb_vmid_count > flushes);
	}
}

TEST(mem_pools_run_out_cleanly)
{
	u32 vmid = 0;
	u64 info[3];
	s64 r = HV_OK;
	u64 g;

	/* A VM may use 3 table pages: an L2 and two L3 tables. */
	CHECK_EQ(fake_machine_init(64, 32, 3), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0), PTE(HOST_FREE0), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x200000), PTE(HOST_FREE0 + 0x1000), 3), HV_OK);
	CHECK_EQ(mem_info(vmid, info), HV_OK);
	CHECK_EQ(info[1], 3);
	r = mem_prot_and_map(vmid, ipa_of(0x400000), PTE(HOST_FREE0 + 0x2000), 3);
	CHECK_EQ(r, HV_E_NO_MEMORY);
	/* nothing changed: the frame is still the VMM's */
	CHECK_EQ(mem_page_info(PFN(HOST_FREE0 + 0x2000), info), HV_OK);
	CHECK_EQ(info[0], HV_OWNER_HOST);
	/* a block needs no L3 table */
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x600000), PTE(BLK_A), 2), HV_OK);
	for (g = 0; g < 4 && r == HV_OK; g++) {
		r = mem_prot_and_map(vmid, ipa_of((g + 1) << 30), PTE(HOST_FREE0 + 0x3000), 3);
	}
	CHECK_EQ(r, HV_E_NO_MEMORY);
	check_invariants();
}

/*
 * The VMM's block split and the VM's new tables come from one pool: a
 * request that needs more than the pool has in all is refused, even if
 * each part alone would fit (found by the model test, seed 3431157456).
 */
TEST(mem_prot_and_map_counts_both_tables_against_the_pool)
{
	u32 vmid = 0;
	u64 info[3];
	const char *why = "";

	CHECK_EQ(fake_machine_init(3, 32, 32), 0);
	CHECK_EQ(mem_host_fault(ipa_of(BLK_A), false, &why), HV_OK); /* a 2 MiB block: 1 table */
	CHECK_EQ(mem_info(0, info), HV_OK);
	CHECK_EQ(info[2], 2); /* pool pages left */
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	/* 1 page to split the VMM's block + 2 for the VM's L2 and L3 > 2 */
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0), PTE(BLK_A + 0x1000), 3), HV_E_NO_MEMORY);
	CHECK_EQ(mem_page_info(PFN(BLK_A + 0x1000), info), HV_OK);
	CHECK_EQ(info[0], HV_OWNER_HOST);
	CHECK_EQ(mem_info(0, info), HV_OK);
	CHECK_EQ(info[2], 2);
	check_invariants();
}
