/*
 * Host tests of the VM life-cycle rules of hyp/core/mem.c that a hostile
 * VMM relies on breaking: the layout fixed at creation (RAM range, one
 * device range, both in one critical section), memory calls only inside
 * RAM, a device leaf that grant and revoke refuse instead of stopping the
 * hyp, and stop/clear/destroy against vCPUs still on a CPU (the count of
 * mem_vm_enter/mem_vm_leave stands in for a running vCPU).
 */
#include <hyp/mem.h>

#include "fake_arch.h"
#include "harness.h"
#include "mem_invariants.h"

#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE)
#define BLK_A (FAKE_BANK0 + (UINT64_C(4) << 20))
#define PTE(pa) ((u64)(pa) | 3)
#define PFN(a) pa_pfn(pa_of(a))

static s64 create(u64 ram_base, u64 ram_size, u64 dev_ipa, u64 dev_pa, u64 dev_size,
		  u32 *vmid)
{
	struct mem_vm_layout l = { ipa_of(ram_base), ram_size, ipa_of(dev_ipa), pa_of(dev_pa),
				    dev_size };

	return mem_vm_create(&l, vmid);
}

TEST(mem_vm_create_refuses_bad_layouts_whole)
{
	u32 vmid = 0;
	u64 info[3];

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(create(0x40000000, 0, 0, 0, 0, &vmid), HV_E_INVALID);         /* no RAM */
	CHECK_EQ(create(0x40000800, 0x100000, 0, 0, 0, &vmid), HV_E_INVALID);  /* unaligned */
	CHECK_EQ(create(0x40000000, 0x100800, 0, 0, 0, &vmid), HV_E_INVALID);
	CHECK_EQ(create(UINT64_C(1) << 40, 0x1000, 0, 0, 0, &vmid), HV_E_INVALID);
	CHECK_EQ(create((UINT64_C(1) << 40) - 0x1000, 0x2000, 0, 0, 0, &vmid), HV_E_INVALID);
	CHECK_EQ(create(0x1000, UINT64_MAX & ~UINT64_C(0xfff), 0, 0, 0, &vmid), HV_E_INVALID);
	/* the device range: inside RAM, RAM itself, unaligned, across a
	 * block, past the IPA space */
	CHECK_EQ(create(0, 0x10000000, 0x8010000, FAKE_DEV, 0x1000, &vmid), HV_E_INVALID);
	CHECK_EQ(create(0, 0x1000000, 0x8010000, HOST_FREE0, 0x1000, &vmid), HV_E_INVALID);
	CHECK_EQ(create(0, 0x1000000, 0x8010800, FAKE_DEV, 0x1000, &vmid), HV_E_INVALID);
	CHECK_EQ(create(0, 0x1000000, 0x81ff000, FAKE_DEV, 0x2000, &vmid), HV_E_INVALID);
	CHECK_EQ(create(0, 0x1000000, UINT64_C(1) << 40, FAKE_DEV, 0x1000, &vmid), HV_E_INVALID);
	/* nothing was taken: the first VM is still vmid 1 */
	CHECK_EQ(mem_info(1, info), HV_E_NOT_FOUND);
	CHECK_EQ(create(0, 0x1000000, 0x8010000, FAKE_DEV, 0x1000, &vmid), HV_OK);
	CHECK_EQ(vmid, 1);
	CHECK(mem_vm_in_ram(1, ipa_of(0xfff000)));
	CHECK(!mem_vm_in_ram(1, ipa_of(0x1000000)));
	CHECK(!mem_vm_in_ram(1, ipa_of(0x8010000)));
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_vm_create_with_device_is_atomic)
{
	u32 vmid = 0;
	u64 info[3];

	/* The device page needs two table pages (L2, L3); one is left. */
	CHECK_EQ(fake_machine_init(1, 1, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, true), HV_E_NO_MEMORY);
	CHECK_EQ(mem_info(1, info), HV_E_NOT_FOUND); /* no half-made VM */
	CHECK_EQ(info[2], 1);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK_EQ(vmid, 1);
	/* with room, the device page is mapped and costs its tables */
	CHECK_EQ(fake_machine_init(8, 8, 8), 0);
	CHECK_EQ(fake_vm_create(&vmid, true), HV_OK);
	CHECK_EQ(mem_info(vmid, info), HV_OK);
	CHECK_EQ(info[0], 0); /* owns no frame */
	CHECK_EQ(info[1], 2);
	CHECK_EQ(mem_vm_stop(vmid), HV_OK);
	CHECK_EQ(mem_vm_destroy(vmid), HV_OK);
	CHECK_EQ(mem_info(0, info), HV_OK);
	CHECK_EQ(info[2], 8); /* its tables are back */
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_calls_reach_only_the_vms_ram)
{
	u32 vmid = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(create(0x40000000, 0x400000, 0, 0, 0, &vmid), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x3ffff000), PTE(HOST_FREE0), 3), HV_E_INVALID);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x40400000), PTE(HOST_FREE0), 3), HV_E_INVALID);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x40400000), PTE(BLK_A), 2), HV_E_INVALID);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x403ff000), PTE(HOST_FREE0), 3), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x40000000), PTE(BLK_A), 2), HV_OK);
	/* a grant or revoke reaching past RAM is refused whole */
	CHECK_EQ(mem_grant(vmid, ipa_of(0x403ff000), 0x2000), HV_E_INVALID);
	CHECK_EQ(mem_grant(vmid, ipa_of(0x3ffff000), 0x2000), HV_E_INVALID);
	CHECK_EQ(mem_grant(vmid, ipa_of(0), UINT64_C(1) << 40), HV_E_INVALID);
	CHECK_EQ(mem_page(PFN(HOST_FREE0))->count, 0);
	/* the block's 512 pages, then (a second call) the rest */
	CHECK_EQ(mem_grant(vmid, ipa_of(0x40000000), 0x400000), 0x200000);
	CHECK_EQ(mem_grant(vmid, ipa_of(0x40200000), 0x200000), HV_OK);
	CHECK_EQ(mem_page(PFN(HOST_FREE0))->count, 1);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0x40000000), 0x400001), HV_E_INVALID);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0x40000000), 0x400000), 0x200000);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0x40200000), 0x200000), HV_OK);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* A GICv2 guest granting or revoking its GICV page (or a range over it)
 * got the hyp to panic with mem_lock held; now it is refused. */
TEST(mem_grant_over_a_device_leaf_is_refused)
{
	u32 vmid = 0;
	u64 info[3];

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, true), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(FAKE_VM_DEV_IPA - 0x1000), PTE(HOST_FREE0), 3), HV_OK);
	CHECK_EQ(mem_grant(vmid, ipa_of(FAKE_VM_DEV_IPA), 0x1000), HV_E_INVALID);
	CHECK_EQ(mem_revoke(vmid, ipa_of(FAKE_VM_DEV_IPA), 0x1000), HV_E_INVALID);
	CHECK_EQ(mem_grant(vmid, ipa_of(FAKE_VM_DEV_IPA - 0x1000), 0x2000), HV_E_INVALID);
	CHECK_EQ(mem_grant(vmid, ipa_of(0), UINT64_C(1) << 40), HV_E_INVALID);
	CHECK_EQ(mem_revoke(vmid, ipa_of(0), UINT64_C(1) << 40), HV_E_INVALID);
	CHECK_EQ(mem_page(PFN(HOST_FREE0))->count, 0);
	/* the hyp answers on: the memory state is unlocked and whole */
	CHECK_EQ(mem_grant(vmid, ipa_of(FAKE_VM_DEV_IPA - 0x1000), 0x1000), HV_OK);
	CHECK_EQ(mem_info(vmid, info), HV_OK);
	CHECK_EQ(info[0], 1);
	CHECK_EQ(mem_invariant_violations(), 0);
}

TEST(mem_loaded_vcpus_hold_off_clear_and_destroy)
{
	u32 vmid = 0;
	u64 info[3];

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK(!mem_vm_enter(vmid)); /* not started */
	CHECK_EQ(mem_vm_loaded(vmid), 0);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0), PTE(HOST_FREE0), 3), HV_OK);
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	CHECK(mem_vm_enter(vmid));
	CHECK(mem_vm_enter(vmid));
	CHECK_EQ(mem_vm_loaded(vmid), 2);
	/* stop takes effect at once: no vCPU enters any more */
	CHECK_EQ(mem_vm_stop(vmid), HV_OK);
	CHECK(!mem_vm_enter(vmid));
	CHECK_EQ(mem_vm_loaded(vmid), 2);
	CHECK_EQ(mem_vm_stop(vmid), HV_OK); /* again: no change */
	CHECK_EQ(mem_vm_start(vmid), HV_E_BUSY);
	/* while a vCPU may still write its frames: no scrub, no destroy */
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_E_BUSY);
	mem_vm_leave(vmid);
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_E_BUSY);
	CHECK_EQ(mem_info(vmid, info), HV_OK);
	CHECK_EQ(info[0], 1);
	CHECK_EQ(fake_scrub_count, 0);
	mem_vm_leave(vmid);
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_OK);
	CHECK_EQ(mem_vm_destroy(vmid), HV_OK);
	CHECK(!mem_vm_enter(vmid));
	CHECK_EQ(mem_vm_loaded(vmid), 0);
	CHECK_EQ(mem_invariant_violations(), 0);
}

/* Clearing unmaps every frame and invalidates the VM's TLB entries before
 * the first scrub: a vCPU's cached entry cannot write a scrubbed frame. */
TEST(mem_clear_invalidates_before_it_scrubs)
{
	u32 vmid = 0;
	u64 before;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(fake_vm_create(&vmid, false), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x200000), PTE(BLK_A), 2), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(0x1000), PTE(HOST_FREE0), 3), HV_OK);
	fake_frame(PFN(BLK_A))[8] = 0x5a;
	CHECK_EQ(mem_vm_stop(vmid), HV_OK);
	before = fake_tlb_vmid_count;
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_OK);
	CHECK_EQ(fake_scrub_count, 513);
	CHECK(fake_tlb_vmid_at_first_scrub > before);
	CHECK_EQ(fake_frame(PFN(BLK_A))[8], 0);
	CHECK_EQ(mem_invariant_violations(), 0);
}
