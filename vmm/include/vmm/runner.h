/*
 * The vCPU runner (runner.c): the VMM's CPUs run the vCPUs of running VMs.
 */
#ifndef VMM_RUNNER_H
#define VMM_RUNNER_H

#include <lib/types.h>

/** Runs vCPUs of running VMs; never returns (secondary CPUs). */
__noreturn void vm_worker(u32 cpu);
/** Runs one runnable vCPU to its next exit if there is one (CPU 0 alone). */
bool vm_run_one(void);

#endif /* VMM_RUNNER_H */
