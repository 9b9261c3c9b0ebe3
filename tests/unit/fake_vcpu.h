/*
 * The fake arch of the host tests of hyp/core/vcpu.c and psci.c.
 */
#ifndef FAKE_VCPU_H
#define FAKE_VCPU_H

#include <hyp/types.h>

/** The physical CPU the code under test runs on. */
extern u32 fake_cpu;
/** Wake SGIs sent (VM_STOP's kicks). */
extern u32 fake_kicks;
/** The counter: 1,000 ticks a read, a tick a microsecond. */
extern u64 fake_now;

#endif /* FAKE_VCPU_H */
