/*
 * A VM's life (lifecycle.c): created (a VMID from the hyp, its memory, its
 * images, its vCPUs), started, stopped, destroyed, and torn down once it
 * ended (its memory cleared by the hyp and returned).
 */
#ifndef VMM_LIFECYCLE_H
#define VMM_LIFECYCLE_H

#include <lib/types.h>
#include <vmm/vm.h>
#include <vmm/vmcfg.h>

/**
 * Creates a VM from c: a VMID from the hyp, its memory (all of it, or the
 * loader's blocks only with memory_on_demand), the kernel, ramdisk and
 * device tree loaded, its vCPUs created. Returns 0 with *out set, or a
 * negative vm_error with why[] saying what went wrong.
 */
int vm_create(const struct vm_config *c, struct vm **out, char *why, size_t whylen);
/** Starts vCPU 0 of a loaded VM; 0 or a negative vm_error. */
int vm_start(struct vm *vm, char *why, size_t whylen);
/** Stops running a VM's vCPUs (returns once none runs); 0 or -VM_E_STATE. */
int vm_stop(struct vm *vm);
/** Ends a VM (it is torn down by vm_reap); 0 or a negative vm_error. */
int vm_destroy(struct vm *vm, const char *reason);
/**
 * Tears down the VMs that ended: waits for their vCPUs to leave the CPUs,
 * stops them, clears and takes back their memory, destroys them. Prints
 * one line per VM. Called by CPU 0's loop.
 */
void vm_reap(void);

#endif /* VMM_LIFECYCLE_H */
