/*
 * The hyp's own EL2 stage-1 translation: an identity map of every RAM bank
 * (Normal write-back, never executable), the hyp image with text
 * read-only+executable and read-only data read-only, and the device pages
 * the hyp drives (console UART, GIC) as Device-nGnRE.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <lib/pgtable.h>

#include "handoff.h"
#include "sysreg.h"

/* The EL2 map covers 39 bits of VA from level 1 (one root table). */
#define HYP_VA_BITS 39

#define ATTR_RAM (S1_ATTR_IDX(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_XN)
#define ATTR_TEXT (S1_ATTR_IDX(MAIR_IDX_NORMAL) | PTE_SH_INNER | S1_AP_RO)
#define ATTR_RODATA (ATTR_RAM | S1_AP_RO)
#define ATTR_DEVICE (S1_ATTR_IDX(MAIR_IDX_DEVICE) | PTE_XN)

static u64 s1_pool_pages[CONFIG_HYP_S1_POOL_PAGES][PTES_PER_TABLE] __aligned(4096);
static u64 s1_root[PTES_PER_TABLE] __aligned(4096);
static struct pt_pool s1_pool;
static struct pgtable s1;

struct boot_handoff boot_handoff __aligned(64);

static u64 page_attrs(paddr_t pa)
{
	const struct hyp_layout *l = &hyp_layout;

	if (pa >= l->base && pa < l->text_end) {
		return ATTR_TEXT;
	}
	if (pa >= l->text_end && pa < l->rodata_end) {
		return ATTR_RODATA;
	}
	return ATTR_RAM;
}

static void map_or_die(u64 va, paddr_t pa, u32 level, u64 attrs)
{
	int err = pgt_map_va(&s1, va, pa_of(pa), level, attrs);

	if (err != 0) {
		hyp_panic("EL2 map of 0x%lx failed (%d)", (unsigned long)va, err);
	}
}

/* Maps RAM [base, base + size), with 2 MiB blocks away from the hyp. */
static void map_ram(paddr_t base, u64 size)
{
	paddr_t end = base + size;
	paddr_t limit = UINT64_C(1) << HYP_VA_BITS;

	if (end > limit) {
		log_warn("RAM above 0x%lx is not mapped at EL2\n",
			 (unsigned long)limit);
		end = limit;
	}
	for (paddr_t pa = ALIGN_DOWN(base, PAGE_SIZE); pa < end;) {
		bool block = IS_ALIGNED(pa, BLOCK_SIZE) && end - pa >= BLOCK_SIZE &&
			     (pa + BLOCK_SIZE <= hyp_layout.base ||
			      pa >= hyp_layout.end);

		if (block) {
			map_or_die(pa, pa, 2, ATTR_RAM);
			pa += BLOCK_SIZE;
		} else {
			map_or_die(pa, pa, 3, page_attrs(pa));
			pa += PAGE_SIZE;
		}
	}
}

static void map_device(const struct hv_region *r)
{
	if (r->size == 0) {
		return;
	}
	for (paddr_t pa = ALIGN_DOWN(r->base, PAGE_SIZE); pa < r->base + r->size;
	     pa += PAGE_SIZE) {
		map_or_die(pa, pa, 3, ATTR_DEVICE);
	}
}

/*
 * Turns the EL2 MMU on with the boot CPU's values. The caller runs
 * identity-mapped, so execution goes on at the next instruction.
 */
static void mmu_enable(const struct boot_handoff *h)
{
	__asm__ volatile("msr mair_el2, %2\n\t"
			 "msr tcr_el2, %1\n\t"
			 "msr ttbr0_el2, %0\n\t"
			 "isb\n\t"
			 "tlbi alle2\n\t"
			 "dsb nsh\n\t"
			 "isb\n\t"
			 "msr sctlr_el2, %3\n\t"
			 "isb"
			 :
			 : "r"(h->ttbr), "r"(h->tcr), "r"(h->mair), "r"(h->sctlr)
			 : "memory");
}

static u64 tcr_value(void)
{
	return TCR_EL2_RES1 | TCR_T0SZ(HYP_VA_BITS) | TCR_IRGN0_WBWA |
	       TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
	       ((read_id_aa64mmfr0_el1() & ID_AA64MMFR0_PARANGE_MASK)
		<< TCR_PS_SHIFT);
}

void arch_mmu_init(void)
{
	const struct platform *p = &hyp_plat;
	struct hv_region uart = { p->uart.base, PAGE_SIZE };
	struct boot_handoff *h = &boot_handoff;

	pt_pool_init(&s1_pool, s1_pool_pages, CONFIG_HYP_S1_POOL_PAGES);
	if (pgt_init(&s1, &s1_pool, s1_root, HYP_VA_BITS, CONFIG_HYP_S1_POOL_PAGES) != 0) {
		hyp_panic("EL2 table set-up failed");
	}
	for (u32 i = 0; i < p->num_mem; i++) {
		map_ram(p->mem[i].base, p->mem[i].size);
	}
	/* The image itself, in case booti put it outside the listed banks. */
	for (paddr_t pa = hyp_layout.base; pa < hyp_layout.end; pa += PAGE_SIZE) {
		map_or_die(pa, pa, 3, page_attrs(pa));
	}
	map_device(&uart);
	map_device(&p->gic.dist);
	map_device(&p->gic.redist);
	map_device(&p->gic.cpu);
	map_device(&p->gic.hyp);
	for (u32 i = 0; i < p->num_sdhci; i++) {
		map_device(&p->sdhci[i]); /* the hyp's only: the SD card */
	}
	/* virtio-mmio transports, several to a page (in address order): the
	 * hyp's only, since the boot disk is among them. */
	for (u32 i = 0; i < p->num_virtio; i++) {
		paddr_t page = ALIGN_DOWN(p->virtio[i].base, PAGE_SIZE);

		if (i == 0 || page != ALIGN_DOWN(p->virtio[i - 1].base, PAGE_SIZE)) {
			map_or_die(page, page, 3, ATTR_DEVICE);
		}
	}

	h->ttbr = (u64)(uintptr_t)s1_root;
	h->tcr = tcr_value();
	h->mair = MAIR_VALUE;
	h->sctlr = SCTLR_EL2_RES1 | SCTLR_EL2_M | SCTLR_EL2_C | SCTLR_EL2_SA |
		   SCTLR_EL2_I;
	mmu_enable(h);
	log_debug("EL2 MMU on: %u table pages\n", s1.pages_used + 1);
}
