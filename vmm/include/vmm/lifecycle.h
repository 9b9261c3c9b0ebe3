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
 * Asks vm's guest to power off (reboot false) or reboot, by pressing the
 * power or the restart key of its power button (vm_io_press). If it is
 * still running timeout_s seconds later (0: no limit), it is destroyed.
 * A control request (req_type, its type; 0 for none) is answered when
 * the VM ends: vm_end_answer gives the answer. 0, or a negative vm_error with why[] saying
 * why not (not running, no power button, one asked already).
 */
int vm_ask_end(struct vm *vm, bool reboot, u32 timeout_s, u8 req_type, u32 req_id, char *why,
	       size_t whylen);
/** The answer to a control request that asked a VM to end (vm_ask_end). */
struct vm_end_answer {
	u8 type;
	u32 id;
	int status; /* 0, or -CTL_E_TIMEOUT or -CTL_E_ENDED */
	char text[160];
};
/** Takes the oldest answer not yet sent into *out; false if none waits. */
bool vm_end_answer(struct vm_end_answer *out);
/**
 * Tears down the VMs that ended: waits for their vCPUs to leave the CPUs,
 * stops them, clears and takes back their memory, destroys them, or
 * restarts or preserves them as their configuration says; ends those that
 * outlived a shutdown's timeout. Prints one line per VM. Called by CPU 0's
 * loop.
 */
void vm_reap(void);

#endif /* VMM_LIFECYCLE_H */
