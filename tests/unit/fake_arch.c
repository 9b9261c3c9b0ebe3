/*
 * The arch hooks of hyp/core/mem.c for host builds: TLB maintenance is
 * counted, and frames live in a simulated RAM so that scrubbing can be
 * checked. Test machine (fake_machine_init):
 *   bank 0: 0x40000000, 8 MiB (the first 2 MiB kept by the "hyp")
 *   bank 1: 0x80000000, 4 MiB
 *   read-only "bundle": 0x40600000, 64 KiB; device page 0x09000000
 */
#include <stdlib.h>
#include <string.h>

#include <hyp/mem.h>

#include "fake_arch.h"

u64 fake_tlb_ipa_count;
u64 fake_tlb_vmid_count;
u64 fake_scrub_count;
u64 fake_tlb_vmid_at_first_scrub;

static u8 *bank_mem[2];
static const struct hv_region fake_banks[2] = {
	{ FAKE_BANK0, FAKE_BANK0_SIZE },
	{ FAKE_BANK1, FAKE_BANK1_SIZE },
};
static struct s2page *pages;
static u64 (*pool)[PTES_PER_TABLE];
static u32 pool_num;

u32 fake_pool_pages(void)
{
	return pool_num;
}

void arch_s2_tlb_inval_ipa(u64 vttbr, u64 ipa)
{
	(void)vttbr;
	(void)ipa;
	fake_tlb_ipa_count++;
}

void arch_s2_tlb_inval_vmid(u64 vttbr)
{
	(void)vttbr;
	fake_tlb_vmid_count++;
}

u8 *fake_frame(pfn_t pfn)
{
	for (int i = 0; i < 2; i++) {
		u64 base = fake_banks[i].base >> PAGE_SHIFT;

		if (pfn >= base && pfn - base < fake_banks[i].size >> PAGE_SHIFT) {
			return bank_mem[i] + ((pfn - base) << PAGE_SHIFT);
		}
	}
	return NULL;
}

void arch_scrub_frame(paddr_t pa)
{
	u8 *f = fake_frame(pa >> PAGE_SHIFT);

	if (f == NULL) {
		abort(); /* the core scrubbed something that is not RAM */
	}
	memset(f, 0, PAGE_SIZE);
	if (fake_scrub_count++ == 0) {
		fake_tlb_vmid_at_first_scrub = fake_tlb_vmid_count;
	}
}

int fake_machine_init(u32 pool_pages, u32 host_limit, u32 vm_limit)
{
	struct mem_config c;

	/* Allocated once: the fuzz target resets the machine per input. */
	for (int i = 0; i < 2; i++) {
		if (bank_mem[i] == NULL) {
			bank_mem[i] = calloc(1, fake_banks[i].size);
		}
	}
	if (pages == NULL) {
		pages = calloc(mem_frames(fake_banks, 2), sizeof(*pages));
	}
	if (pool_num < pool_pages) {
		free(pool);
		pool = aligned_alloc(PAGE_SIZE, (size_t)pool_pages * PAGE_SIZE);
	}
	pool_num = pool_pages;
	memset(&c, 0, sizeof(c));
	c.num_banks = 2;
	memcpy(c.banks, fake_banks, sizeof(fake_banks));
	c.num_hyp = 1;
	c.hyp[0] = (struct hv_region){ FAKE_BANK0, FAKE_HYP_SIZE };
	c.host_ro = (struct hv_region){ FAKE_RO, FAKE_RO_SIZE };
	c.num_dev = 1;
	c.dev[0] = (struct hv_region){ FAKE_DEV, PAGE_SIZE };
	c.pages = pages;
	c.pool_pages = pool;
	c.pool_num = pool_pages;
	c.ipa_bits = 40;
	c.host_pt_limit = host_limit;
	c.vm_pt_limit = vm_limit;
	fake_tlb_ipa_count = 0;
	fake_tlb_vmid_count = 0;
	fake_scrub_count = 0;
	fake_tlb_vmid_at_first_scrub = 0;
	return mem_init(&c);
}

s64 fake_vm_create(u32 *vmid, bool with_dev)
{
	struct mem_vm_layout l = { .ram_base = 0, .ram_size = FAKE_VM_RAM_SIZE };

	if (with_dev) {
		l.dev_ipa = FAKE_VM_DEV_IPA;
		l.dev_pa = FAKE_DEV;
		l.dev_size = PAGE_SIZE;
	}
	return mem_vm_create(&l, vmid);
}
