/*
 * Cache, TLB and counter helpers (Arm ARM D7.5 cache maintenance, D8.13
 * TLB maintenance).
 */
#include <hyp/arch.h>

#include "sysreg.h"

/* Smallest data cache line of the system, from CTR_EL0.DminLine [19:16]. */
static size_t dcache_line(void)
{
	u64 ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf);
}

void arch_dcache_clean_inval(const void *va, size_t size)
{
	size_t line = dcache_line();
	uintptr_t p = (uintptr_t)va & ~(line - 1);
	uintptr_t end = (uintptr_t)va + size;

	for (; p < end; p += line) {
		__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	}
	dsb_sy();
}

void arch_tlb_inval_ipa(u64 ipa)
{
	dsb_ish();
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> PAGE_SHIFT));
	dsb_ish();
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
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
