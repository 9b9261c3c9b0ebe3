/*
 * Host tests of lending (mem_lend, mem_unlend in hyp/core/mem_share.c):
 * a VMM frame shown read-only to one VM outside its RAM, which no VM can
 * be given while it is lent, and which the VM's destruction or an unlend
 * takes back out of its map and its TLBs.
 */
#include <string.h>

#include <hyp/mem.h>

#include "fake_arch.h"
#include "harness.h"
#include "mem_invariants.h"

#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE)
#define LENT (HOST_FREE0 + 0x7000)
#define PTE(pa) ((u64)(pa) | 3)
#define PFN(a) pa_pfn(pa_of(a))
/* Outside the host tests' VMs' RAM, beside their GICv2 page. */
#define LEND_IPA (FAKE_VM_DEV_IPA + 0x10000)

static u64 count_of(u64 pa)
{
	u64 out[3];

	CHECK_EQ(mem_page_info(PFN(pa), out), HV_OK);
	CHECK_EQ(out[0], HV_OWNER_HOST);
	return out[1];
}

TEST(mem_lend_refuses_each_bad_request_and_changes_nothing)
{
	u32 a = 0;
	u32 b = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(mem_lend(1, ipa_of(LEND_IPA), pa_of(LENT)), HV_E_NOT_FOUND);
	CHECK_EQ(fake_vm_create(&a, true), HV_OK);
	CHECK_EQ(fake_vm_create(&b, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(a, ipa_of(0), PTE(HOST_FREE0), 3), HV_OK);
	/* where: unaligned, inside its RAM, past the IPA space, its device page */
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA + 8), pa_of(LENT)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(0x5000), pa_of(LENT)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(FAKE_VM_RAM_SIZE - 0x1000), pa_of(LENT)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(UINT64_C(1) << 40), pa_of(LENT)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(FAKE_VM_DEV_IPA), pa_of(LENT)), HV_E_BUSY);
	/* what: unaligned, not RAM, the hyp's, a VM's, the bundle */
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT + 8)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(FAKE_DEV)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(FAKE_BANK0)), HV_E_DENIED);
	CHECK_EQ(mem_lend(b, ipa_of(LEND_IPA), pa_of(HOST_FREE0)), HV_E_DENIED);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(HOST_FREE0)), HV_E_DENIED);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(FAKE_RO)), HV_E_DENIED);
	CHECK(!mem_vm_maps(a, ipa_of(LEND_IPA)));
	CHECK_EQ(count_of(LENT), 0);
	/* an off VM gets none */
	CHECK_EQ(mem_vm_stop(b), HV_OK);
	CHECK_EQ(mem_lend(b, ipa_of(LEND_IPA), pa_of(LENT)), HV_E_BUSY);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(a_lent_frame_is_read_only_to_one_vm_and_given_to_none)
{
	u32 a = 0;
	u32 b = 0;
	ipa_t ipa;
	pa_t pa;
	u64 attrs;
	u32 level;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&a, true), HV_OK);
	CHECK_EQ(fake_vm_create(&b, false), HV_OK);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT)), HV_OK);
	CHECK(mem_vm_lend(a, &ipa, &pa));
	CHECK_EQ(ipa_val(ipa), LEND_IPA);
	CHECK_EQ(pa_val(pa), LENT);
	CHECK(pgt_walk(mem_vm_s2(a), ipa_of(LEND_IPA), &pa, &attrs, &level));
	CHECK_EQ(pa_val(pa), LENT);
	CHECK_EQ(level, 3);
	CHECK_EQ(attrs & (S2_AP_RW | PTE_XN), S2_AP_RO | PTE_XN);
	CHECK_EQ(count_of(LENT), 1);
	CHECK_EQ(mem_invariant_violations(), 0);
	/* lent once: not again, not to another VM, not a second to a */
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA + 0x1000), pa_of(LENT)), HV_E_BUSY);
	CHECK_EQ(mem_lend(b, ipa_of(LEND_IPA), pa_of(LENT)), HV_E_BUSY);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA + 0x1000), pa_of(LENT + 0x1000)), HV_E_BUSY);
	/* given to no VM as memory, whole or as part of a block */
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0), PTE(LENT), 3), HV_E_BUSY);
	CHECK_EQ(mem_prot_and_map(a, ipa_of(0), PTE(LENT), 3), HV_E_BUSY);
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0), PTE(HOST_FREE0), 2), HV_E_BUSY);
	CHECK_EQ(count_of(LENT), 1);
	/* a VM's grants and revokes reach no lent page (not its RAM) */
	CHECK_EQ(mem_grant(a, ipa_of(LEND_IPA), PAGE_SIZE), HV_E_INVALID);
	CHECK_EQ(mem_revoke(a, ipa_of(LEND_IPA), PAGE_SIZE), HV_E_INVALID);
	/* the VMM still reaches its frame, writable */
	CHECK_EQ(mem_host_fault(ipa_of(LENT), true, &(const char *){ NULL }), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(an_unlend_takes_the_page_out_of_the_map_and_the_tlbs_first)
{
	u32 a = 0;
	u32 b = 0;
	bool tlbi = false;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&a, false), HV_OK);
	CHECK_EQ(fake_vm_create(&b, false), HV_OK);
	CHECK_EQ(mem_vm_start(a), HV_OK);
	CHECK_EQ(mem_unlend(a), HV_OK); /* none: no change */
	CHECK_EQ(mem_unlend(CONFIG_MAX_VMS), HV_E_NOT_FOUND);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT)), HV_OK);
	fake_reset_log();
	CHECK_EQ(mem_unlend(a), HV_OK);
	for (u32 i = 0; i < fake_num_events; i++) {
		tlbi = tlbi || (fake_events[i].vttbr == mem_vm_vttbr(a) &&
				((fake_events[i].op == FAKE_TLBI_IPA &&
				  fake_events[i].addr == LEND_IPA) ||
				 fake_events[i].op == FAKE_TLBI_VMID));
	}
	CHECK(tlbi);
	CHECK(!mem_vm_maps(a, ipa_of(LEND_IPA)));
	CHECK_EQ(count_of(LENT), 0);
	/* the frame is free to give, the VM to have another lend */
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0), PTE(LENT), 3), HV_OK);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT)), HV_E_DENIED);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(0)), HV_E_INVALID);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT + 0x1000)), HV_OK);
	CHECK_EQ(mem_unlend(a), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}

static u64 table_pages(u32 vmid)
{
	u64 info[3];

	CHECK_EQ(mem_info(vmid, info), HV_OK);
	return info[1];
}

/* Lends LENT to vmid at ipa and ends the lend: the table pages the lend
 * took, all of them back after the unlend. */
static u64 lend_cost(u32 vmid, u64 ipa)
{
	u64 before = table_pages(vmid);
	u64 with;

	CHECK_EQ(mem_lend(vmid, ipa_of(ipa), pa_of(LENT)), HV_OK);
	with = table_pages(vmid);
	CHECK_EQ(mem_unlend(vmid), HV_OK);
	CHECK_EQ(table_pages(vmid), before);
	return with - before;
}

/* A lend in a region the VM maps nothing else in takes a level-2 and a
 * level-3 table; the unlend gives both back, however often. */
TEST(an_unlend_gives_back_the_tables_its_lend_took)
{
	u32 a = 0;
	u32 b = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&a, false), HV_OK);
	for (u64 i = 0; i < 40; i++) {
		CHECK_EQ(lend_cost(a, FAKE_VM_RAM_SIZE + ((i % 20) << 30) + 0x9000000), 2);
	}
	/* beside a page it keeps (its GICv2 page), only a level-3 table */
	CHECK_EQ(fake_vm_create(&b, true), HV_OK);
	CHECK_EQ(lend_cost(b, FAKE_VM_DEV_IPA + 0x200000), 1);
	CHECK(mem_vm_maps(b, ipa_of(FAKE_VM_DEV_IPA)));
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(destroying_a_vm_ends_its_lend)
{
	u32 a = 0;
	u32 b = 0;
	u64 info[3];
	u64 pool;
	ipa_t ipa;
	pa_t pa;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(mem_info(0, info), HV_OK);
	pool = info[2];
	CHECK_EQ(fake_vm_create(&a, false), HV_OK);
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT)), HV_OK);
	/* an off VM keeps its lend until it is ended or the VM destroyed */
	CHECK_EQ(mem_vm_stop(a), HV_OK);
	CHECK_EQ(count_of(LENT), 1);
	CHECK_EQ(mem_vm_destroy(a), HV_OK);
	CHECK_EQ(count_of(LENT), 0);
	CHECK_EQ(mem_info(0, info), HV_OK);
	CHECK_EQ(info[2], pool); /* every table page back */
	/* the slot's next VM starts with none; the frame can be given */
	CHECK_EQ(fake_vm_create(&b, false), HV_OK);
	CHECK_EQ(b, a);
	CHECK(!mem_vm_lend(b, &ipa, &pa));
	CHECK_EQ(mem_prot_and_map(b, ipa_of(0), PTE(LENT), 3), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* mem_host_copy (the boot disk's data, hyp/core/disk.c): only the VMM's
 * frames, and never into its bundle; checked and copied in one step. */
TEST(disk_data_reaches_only_the_vmms_frames)
{
	static u8 buf[8192];
	u32 a = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&a, true), HV_OK);
	CHECK_EQ(mem_prot_and_map(a, ipa_of(0), PTE(HOST_FREE0), 3), HV_OK);
	memset(buf, 0xa5, sizeof(buf));
	/* refused, nothing copied: a VM's frame (alone, or at the end of a run
	 * of the VMM's), the hyp's, not RAM, an empty or wrapping range; the
	 * bundle as a target */
	CHECK_EQ(mem_host_copy(pa_of(HOST_FREE0), buf, 512, true), HV_E_DENIED);
	CHECK_EQ(mem_host_copy(pa_of(HOST_FREE0), buf, 512, false), HV_E_DENIED);
	CHECK_EQ(mem_host_copy(pa_of(HOST_FREE0 - 0x2000), buf, 0x2001, true), HV_E_DENIED);
	CHECK_EQ(*fake_frame(PFN(HOST_FREE0 - 0x2000)), 0);
	CHECK_EQ(mem_host_copy(pa_of(FAKE_BANK0), buf, 4096, true), HV_E_DENIED);
	CHECK_EQ(mem_host_copy(pa_of(FAKE_DEV), buf, 4096, true), HV_E_DENIED);
	CHECK_EQ(mem_host_copy(pa_of(LENT), buf, 0, true), HV_E_INVALID);
	CHECK_EQ(mem_host_copy(pa_of(UINT64_MAX - 511), buf, 1024, true), HV_E_INVALID);
	CHECK_EQ(mem_host_copy(pa_of(FAKE_RO), buf, 4096, true), HV_E_DENIED);
	/* allowed: out of the bundle, into and out of the VMM's own frames */
	CHECK_EQ(mem_host_copy(pa_of(FAKE_RO), buf, 4096, false), HV_OK);
	memset(buf, 0x3c, sizeof(buf));
	CHECK_EQ(mem_host_copy(pa_of(LENT), buf, sizeof(buf), true), HV_OK);
	CHECK_EQ(fake_frame(PFN(LENT + sizeof(buf) - 1))[(LENT + sizeof(buf) - 1) & 0xfff], 0x3c);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(mem_host_copy(pa_of(LENT), buf, 512, false), HV_OK);
	CHECK_EQ(buf[511], 0x3c);
	/* a lent frame is still the VMM's */
	CHECK_EQ(mem_lend(a, ipa_of(LEND_IPA), pa_of(LENT)), HV_OK);
	CHECK_EQ(mem_host_copy(pa_of(LENT), buf, 512, true), HV_OK);
	/* every refusal released the lock: the memory calls go on */
	CHECK_EQ(mem_unlend(a), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}
