/*
 * Cache, TLB and counter helpers (Arm ARM D7.5 cache maintenance, D8.13
 * TLB maintenance).
 */
#include <hyp/arch.h>
#include <hyp/mem.h>

#include "sysreg.h"

/* Smallest data cache line of the system, from CTR_EL0.DminLine [19:16]. */
static size_t dcache_line(void)
{
	u64 ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf);
}

#define DC_CIVAC(p) __asm__ volatile("dc civac, %0" : : "r"(p) : "memory")

void arch_dcache_clean_inval(const void *va, size_t size)
{
	size_t line = dcache_line();
	uintptr_t p = (uintptr_t)va & ~(line - 1);
	uintptr_t end = (uintptr_t)va + size;

	/* Sixteen lines a round while sixteen fit (a frame is 64 lines of
	 * 64 bytes, a 2 MiB block 32,768): one DC and one add per line, the
	 * loop's count and branch once per sixteen; then the rest one by one. */
	for (u64 rounds = (end - p) / (16 * line); rounds != 0; rounds--) {
#pragma GCC unroll 16
		for (u32 i = 0; i < 16; i++) {
			DC_CIVAC(p);
			p += line;
		}
	}
	for (; p < end; p += line) {
		DC_CIVAC(p);
	}
	dsb_sy();
}

/*
 * Stage-2 TLB maintenance by IPA acts on the VMID in VTTBR_EL2 (D8.13.5),
 * so the target's VTTBR is loaded for the operation and restored after.
 * Stage-1 entries of that VMID may cache the old translation too: they
 * are invalidated as a whole (vmalle1is), as the Arm ARM's sequence for
 * changing a stage-2 entry requires.
 */
void arch_s2_tlb_inval_ipa(u64 vttbr, ipa_t ipa)
{
	u64 old = read_vttbr_el2();

	dsb_ish();
	write_vttbr_el2(vttbr);
	isb();
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa_val(ipa) >> PAGE_SHIFT));
	dsb_ish();
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
	dsb_ish();
	write_vttbr_el2(old);
	isb();
}

void arch_s2_tlb_inval_vmid(u64 vttbr)
{
	u64 old = read_vttbr_el2();

	dsb_ish();
	write_vttbr_el2(vttbr);
	isb();
	__asm__ volatile("tlbi vmalls12e1is" : : : "memory");
	dsb_ish();
	write_vttbr_el2(old);
	isb();
}

void *arch_frame(pa_t pa)
{
	return pa_va(pa); /* the hyp maps RAM at its physical address */
}

void arch_scrub_frame(pa_t pa)
{
	u64 *p = pa_va(pa);

	for (u32 i = 0; i < PAGE_SIZE / sizeof(u64); i++) {
		p[i] = 0;
	}
	/* A guest may run with caches off: zeros must reach memory. */
	arch_dcache_clean_inval(p, PAGE_SIZE);
}

void arch_clean_frames(pa_t pa, u64 num)
{
	arch_dcache_clean_inval(pa_va(pa), num << PAGE_SHIFT);
}

/* IC IALLUIS: to the point of unification, every CPU of the inner
 * shareable domain (D7.5.9); the DSB waits for it, the ISB for this CPU. */
void arch_icache_inval_all(void)
{
	__asm__ volatile("ic ialluis" : : : "memory");
	dsb_ish();
	isb();
}

u64 arch_counter(void)
{
	isb();
	return read_cntpct_el0();
}

u64 arch_counter_freq(void)
{
	return read_cntfrq_el0();
}
