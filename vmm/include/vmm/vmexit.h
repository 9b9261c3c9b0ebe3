/*
 * A VM's exits (vmexit.c), served by the VMM CPU that ran the vCPU.
 */
#ifndef VMM_VMEXIT_H
#define VMM_VMEXIT_H

#include <lib/types.h>
#include <vmm/vm.h>

/** Serves exit r of vCPU i of vm (its lock held). */
void vm_handle_exit(struct vm *vm, u32 i, const u64 *r);

#endif /* VMM_VMEXIT_H */
