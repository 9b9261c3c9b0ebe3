/*
 * A VM's exits (vmexit.c), served by the VMM CPU that ran the vCPU.
 */
#ifndef VMM_VMEXIT_H
#define VMM_VMEXIT_H

#include <abi/hv_abi.h>
#include <lib/types.h>
#include <vmm/vm.h>

/** Serves exit e of vCPU i of vm (its lock held). */
void vm_handle_exit(struct vm *vm, u32 i, const struct hv_exit *e);

#endif /* VMM_VMEXIT_H */
