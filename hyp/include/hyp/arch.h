/*
 * What the core asks of the architecture port (hyp/arch/aarch64/).
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <hyp/types.h>

/** Turns the EL2 MMU on with the given register values (head.S). */
void arch_mmu_enable(u64 ttbr, u64 tcr, u64 mair, u64 sctlr);
/**
 * Enters EL1 at `entry` with x0 = arg, the EL1 MMU and caches off and
 * interrupts masked; never returns (entry.S).
 */
__noreturn void arch_enter_el1(u64 entry, u64 arg);
/** Stops this CPU for good with interrupts masked (head.S). */
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
#else
/* Host builds of the core (tests/unit): the fake arch says which CPU. */
u32 arch_cpu_index(void);

static inline void arch_relax(void)
{
}
#endif

/** A test-and-set spinlock (needs the MMU on: exclusives on Normal memory). */
typedef struct {
	volatile u32 locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0) {
		}
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/** Cleans and invalidates [va, va + size) to the point of coherency. */
void arch_dcache_clean_inval(const void *va, size_t size);

/** Free-running counter and its frequency (CNTPCT_EL0, CNTFRQ_EL0). */
u64 arch_counter(void);
u64 arch_counter_freq(void);

#endif /* HYP_ARCH_H */
