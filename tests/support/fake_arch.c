/*
 * The arch hooks of hyp/core/mem.c for host builds: TLB and cache
 * maintenance is counted and logged (with what the VMM's map held at a
 * watched address at each TLB invalidation, for break-before-make), and
 * frames live in a simulated RAM so that scrubbing can be checked. Test machine (fake_machine_init):
 *   bank 0: 0x40000000, 8 MiB (the first 2 MiB kept by the "hyp")
 *   bank 1: 0x80000000, 4 MiB
 *   read-only "bundle": 0x40600000, 64 KiB; device page 0x09000000
 */
#include <stdlib.h>
#include <string.h>

#include <hyp/disk.h>
#include <hyp/mem.h>

#include "fake_arch.h"

u64 fake_tlb_ipa_count;
u64 fake_tlb_vmid_count;
u64 fake_scrub_count;
u64 fake_tlb_vmid_at_first_scrub;
u64 fake_clean_count;
u64 fake_icache_count;
u64 fake_watch_ipa;
struct fake_event fake_events[FAKE_EVENTS_MAX];
u32 fake_num_events;
static u8 *cleaned; /* per frame: cleaned to PoC since the reset */

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

/* Logs a maintenance operation with the VMM's map at fake_watch_ipa. */
static void log_event(enum fake_op op, u64 vttbr, u64 addr)
{
	struct fake_event *e;

	if (fake_num_events == FAKE_EVENTS_MAX) {
		return;
	}
	e = &fake_events[fake_num_events++];
	e->op = op;
	e->vttbr = vttbr;
	e->addr = addr;
	e->watch_level = fake_watch_level();
}

u32 fake_watch_level(void)
{
	pa_t pa;
	u64 attrs;
	u32 level = 0;

	return pgt_walk(mem_host_s2(), ipa_of(fake_watch_ipa), &pa, &attrs, &level) ? level : 0;
}

void arch_s2_tlb_inval_ipa(u64 vttbr, ipa_t ipa)
{
	fake_tlb_ipa_count++;
	log_event(FAKE_TLBI_IPA, vttbr, ipa_val(ipa));
}

void arch_s2_tlb_inval_vmid(u64 vttbr)
{
	fake_tlb_vmid_count++;
	log_event(FAKE_TLBI_VMID, vttbr, 0);
}

/* Index of a frame among all the banks' frames, or -1. */
static s64 frame_index(pfn_t pfn)
{
	u64 f = pfn_val(pfn);
	s64 i = 0;

	for (int b = 0; b < 2; b++) {
		u64 base = fake_banks[b].base >> PAGE_SHIFT;
		u64 num = fake_banks[b].size >> PAGE_SHIFT;

		if (f >= base && f - base < num) {
			return i + (s64)(f - base);
		}
		i += (s64)num;
	}
	return -1;
}

void arch_clean_frames(pa_t pa, u64 num)
{
	if ((pa_val(pa) & (PAGE_SIZE - 1)) != 0 || num == 0) {
		abort(); /* not a whole frame, or nothing */
	}
	for (u64 f = 0; f < num; f++) {
		s64 i = frame_index(pfn_add(pa_pfn(pa), f));

		if (i < 0) {
			abort(); /* the core cleaned something that is not a RAM frame */
		}
		cleaned[i] = 1;
		fake_clean_count++;
	}
	log_event(FAKE_CLEAN, 0, pa_val(pa));
}

void arch_icache_inval_all(void)
{
	fake_icache_count++;
	log_event(FAKE_IC_INVAL, 0, 0);
}

bool fake_frame_cleaned(pfn_t pfn)
{
	s64 i = frame_index(pfn);

	return i >= 0 && cleaned[i] != 0;
}

u8 *fake_frame(pfn_t pfn)
{
	u64 f = pfn_val(pfn);

	for (int i = 0; i < 2; i++) {
		u64 base = fake_banks[i].base >> PAGE_SHIFT;

		if (f >= base && f - base < fake_banks[i].size >> PAGE_SHIFT) {
			return bank_mem[i] + ((f - base) << PAGE_SHIFT);
		}
	}
	return NULL;
}

void *arch_frame(pa_t pa)
{
	u8 *f = fake_frame(pa_pfn(pa));

	if (f == NULL) {
		abort(); /* the core reached for something that is not RAM */
	}
	return f;
}

void arch_scrub_frame(pa_t pa)
{
	u8 *f = fake_frame(pa_pfn(pa));

	if (f == NULL) {
		abort(); /* the core scrubbed something that is not RAM */
	}
	memset(f, 0, PAGE_SIZE);
	if (fake_scrub_count++ == 0) {
		fake_tlb_vmid_at_first_scrub = fake_tlb_vmid_count;
	}
}

/* fake_machine_init, with bank 0 given to the core as [FAKE_BANK0, split)
 * and [split + gap, its end) if split != 0. */
static s64 machine_init(u32 pool_pages, u32 host_limit, u32 vm_limit, u64 split, u64 gap)
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
		cleaned = calloc(mem_frames(fake_banks, 2), 1);
	}
	fake_reset_log();
	if (pool_num < pool_pages) {
		free(pool);
		pool = aligned_alloc(PAGE_SIZE, (size_t)pool_pages * PAGE_SIZE);
	}
	pool_num = pool_pages;
	memset(&c, 0, sizeof(c));
	c.num_banks = 2;
	memcpy(c.banks, fake_banks, sizeof(fake_banks));
	if (split != 0) {
		c.num_banks = 3;
		c.banks[2] = fake_banks[1];
		c.banks[0].size = split - FAKE_BANK0;
		c.banks[1] = (struct hv_region){ split + gap, FAKE_BANK0 + FAKE_BANK0_SIZE - split - gap };
	}
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
	fake_watch_ipa = 0;
	return mem_init(&c);
}

s64 fake_machine_init(u32 pool_pages, u32 host_limit, u32 vm_limit)
{
	return machine_init(pool_pages, host_limit, vm_limit, 0, 0);
}

s64 fake_machine_init_split(u64 split, u64 gap)
{
	return machine_init(64, 32, 16, split, gap);
}

void fake_reset_log(void)
{
	memset(cleaned, 0, mem_frames(fake_banks, 2));
	fake_clean_count = 0;
	fake_icache_count = 0;
	fake_num_events = 0;
}

s64 fake_vm_create(u32 *vmid, bool with_dev)
{
	struct mem_vm_layout l = { .ram_base = ipa_of(0), .ram_size = FAKE_VM_RAM_SIZE };

	if (with_dev) {
		l.dev_ipa = ipa_of(FAKE_VM_DEV_IPA);
		l.dev_pa = pa_of(FAKE_DEV);
		l.dev_size = PAGE_SIZE;
	}
	return mem_vm_create(&l, vmid);
}

/* Host builds have no boot disk: HV_FN_DISK_IO answers as a board without
 * one (hyp/core/disk.c drives the device; its checks of the VMM's frames
 * are mem_host_dma_begin's, tested through the memory core). */
s64 disk_io(u64 op, u64 sector, u64 pa, u64 n, u64 out[3])
{
	(void)op;
	(void)sector;
	(void)pa;
	(void)n;
	(void)out;
	return HV_E_NOT_SUPPORTED;
}
