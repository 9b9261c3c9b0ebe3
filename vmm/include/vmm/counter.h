/*
 * The generic timer's virtual counter (CNTVCT_EL0) and its frequency, as
 * every part of the VMM reads them.
 */
#ifndef VMM_COUNTER_H
#define VMM_COUNTER_H

#include <lib/types.h>

/** The counter's value now (after earlier instructions). */
static inline u64 vm_counter(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

/** Its ticks per second. */
static inline u64 vm_counter_freq(void)
{
	u64 v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

#endif /* VMM_COUNTER_H */
