/*
 * What the core asks of the architecture port (hyp/arch/aarch64/).
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <lib/spinlock.h>
#include <lib/types.h>

/** Stops this CPU for good with interrupts masked (arch/aarch64/cpu.S). */
__noreturn void cpu_halt(void);

#ifdef __aarch64__
/** Index of the calling CPU in the platform's CPU list. */
static inline u32 arch_cpu_index(void)
{
	u64 v;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(v));
	return (u32)v;
}

static inline void arch_set_cpu_index(u32 idx)
{
	__asm__ volatile("msr tpidr_el2, %0" : : "r"((u64)idx));
}

/** Tells the CPU it spins, waiting on another (YIELD). */
static inline void arch_relax(void)
{
	__asm__ volatile("yield");
}

/**
 * idx if idx < size, else 0, also under speculation (Spectre-v1): the mask
 * comes from a flag, not a branch, and CSDB keeps a mispredicted compare
 * from feeding later loads. For array indexes taken from call arguments,
 * after the bounds check.
 */
static inline u64 index_nospec(u64 idx, u64 size)
{
	u64 mask;

	__asm__ volatile("cmp %1, %2\n\tsbc %0, xzr, xzr\n\tcsdb"
			 : "=r"(mask)
			 : "r"(idx), "r"(size)
			 : "cc");
	return idx & mask;
}
#else
/* Host builds of the core (tests/unit): the fake arch says which CPU. */
u32 arch_cpu_index(void);

static inline void arch_relax(void)
{
}

static inline u64 index_nospec(u64 idx, u64 size)
{
	return idx < size ? idx : 0;
}
#endif

/** Cleans and invalidates [va, va + size) to the point of coherency. */
void arch_dcache_clean_inval(const void *va, size_t size);

/** Free-running counter and its frequency (CNTPCT_EL0, CNTFRQ_EL0). */
u64 arch_counter(void);
u64 arch_counter_freq(void);

#endif /* HYP_ARCH_H */
