/*
 * The VMM's own stage-1 translation at EL1: an identity map (VA == IPA) of
 * everything the boot information lists. The hyp's range is mapped too,
 * read-only, so that an access to it reaches stage 2 and shows the hyp
 * refusing it; stage 1 is the VMM's to choose, stage 2 is not.
 */
#include <lib/lib.h>
#include <lib/pgtable.h>
#include <vmm/arch.h>
#include <vmm/console.h>
#include <vmm/vmm.h>

#define VA_BITS 39
#define POOL_PAGES 48

/* EL1 stage-1 descriptor bits (Arm ARM D8.3): PXN 53, UXN 54. */
#define S1_PXN (UINT64_C(1) << 53)
#define S1_UXN (UINT64_C(1) << 54)
#define MAIR_NORMAL 0
#define MAIR_DEVICE 1
#define ATTR_RAM (S1_ATTR_IDX(MAIR_NORMAL) | PTE_SH_INNER | S1_PXN | S1_UXN)
#define ATTR_RO (ATTR_RAM | S1_AP_RO)
#define ATTR_TEXT (S1_ATTR_IDX(MAIR_NORMAL) | PTE_SH_INNER | S1_AP_RO | S1_UXN)
#define ATTR_DEV (S1_ATTR_IDX(MAIR_DEVICE) | S1_PXN | S1_UXN)

/* TCR_EL1 (D23.2.146): T0SZ, WBWA inner/outer, inner shareable, 4 KiB
 * granule, TTBR1 walks disabled (EPD1) with TG1 = 4 KiB, IPS 40 bits. */
#define TCR_VALUE                                                             \
	((UINT64_C(64) - VA_BITS) | (UINT64_C(1) << 8) | (UINT64_C(1) << 10) | \
	 (UINT64_C(3) << 12) | (UINT64_C(1) << 23) | (UINT64_C(2) << 30) |    \
	 (UINT64_C(2) << 32))
#define MAIR_VALUE ((UINT64_C(0xff) << (8 * MAIR_NORMAL)) | \
		    (UINT64_C(0x04) << (8 * MAIR_DEVICE)))
/* SCTLR_EL1: RES1 bits, M, C, SA, I. */
#define SCTLR_VALUE (UINT64_C(0x30d00800) | (1U << 0) | (1U << 2) | \
		     (1U << 3) | (1U << 12))

void vmm_mmu_enable(u64 ttbr, u64 tcr, u64 mair, u64 sctlr);

/** TTBR0, TCR, MAIR, SCTLR for secondary CPUs (read with their MMU off). */
u64 vmm_mmu_regs[4] __aligned(64);

static u64 pool_pages[POOL_PAGES][PTES_PER_TABLE] __aligned(4096);
static u64 root[PTES_PER_TABLE] __aligned(4096);
static struct pt_pool pool;
static struct pgtable s1;

extern char _head_start[], _text_end[], _rodata_end[], _end[];

static u64 image_attrs(u64 a)
{
	if (a >= (u64)(uintptr_t)_head_start && a < (u64)(uintptr_t)_text_end) {
		return ATTR_TEXT;
	}
	if (a >= (u64)(uintptr_t)_text_end && a < (u64)(uintptr_t)_rodata_end) {
		return ATTR_RO;
	}
	return ATTR_RAM;
}

/* Maps [base, base + size) with `attrs`, in blocks where it can. */
static void map_range(u64 base, u64 size, u64 attrs, bool image_aware)
{
	u64 end = ALIGN_UP(base + size, PAGE_SIZE);
	u64 img0 = (u64)(uintptr_t)_head_start;
	u64 img1 = ALIGN_UP((u64)(uintptr_t)_end, PAGE_SIZE);

	for (u64 a = ALIGN_DOWN(base, PAGE_SIZE); a < end && (a >> VA_BITS) == 0;) {
		bool clear_of_image = a + BLOCK_SIZE <= img0 || a >= img1;
		int err;

		if (IS_ALIGNED(a, BLOCK_SIZE) && end - a >= BLOCK_SIZE &&
		    (!image_aware || clear_of_image)) {
			err = pgt_map_va(&s1, a, pa_of(a), 2, attrs);
			a += BLOCK_SIZE;
		} else {
			err = pgt_map_va(&s1, a, pa_of(a), 3,
					 image_aware ? image_attrs(a) : attrs);
			a += PAGE_SIZE;
		}
		if (err != HV_OK && err != HV_E_BUSY) {
			con_printf("vmm: stage-1 map of 0x%lx failed (%d)\n",
				   (unsigned long)a, err);
		}
	}
}

void clean_to_poc(const void *p, u64 len)
{
	u64 line;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(line));
	line = 4U << ((line >> 16) & 0xf); /* DminLine, log2 of words */
	for (u64 a = (u64)(uintptr_t)p & ~(line - 1); a < (u64)(uintptr_t)p + len; a += line) {
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	}
	__asm__ volatile("dsb sy" : : : "memory");
}

void vmm_mmu_init(void)
{
	const struct hv_boot_info *bi = vmm_boot;

	pt_pool_init(&pool, pool_pages, POOL_PAGES);
	if (pgt_init(&s1, &pool, root, VA_BITS, POOL_PAGES) != 0) {
		return;
	}
	/* The image first, page by page, so that its text stays read-only. */
	map_range(bi->image.base, bi->image.size, ATTR_RAM, true);
	for (u32 i = 0; i < bi->num_ram && i < HV_BOOT_MAX_REGIONS; i++) {
		map_range(bi->ram[i].base, bi->ram[i].size, ATTR_RAM, true);
	}
	map_range(bi->bundle.base, bi->bundle.size, ATTR_RO, false);
	map_range(bi->hyp.base, bi->hyp.size, ATTR_RO, false);
	map_range(ALIGN_DOWN(bi->uart_base, PAGE_SIZE), PAGE_SIZE, ATTR_DEV, false);
	vmm_mmu_enable((u64)(uintptr_t)root, TCR_VALUE, MAIR_VALUE, SCTLR_VALUE);
	vmm_mmu_regs[0] = (u64)(uintptr_t)root;
	vmm_mmu_regs[1] = TCR_VALUE;
	vmm_mmu_regs[2] = MAIR_VALUE;
	vmm_mmu_regs[3] = SCTLR_VALUE;
	__asm__ volatile("dc civac, %0\n\tdsb sy" : : "r"(vmm_mmu_regs) : "memory");
}
