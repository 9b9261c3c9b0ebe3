/*
 * The VM loader (loader.c): a VM's images, device tree and memory.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <lib/types.h>
#include <vmm/vm.h>

/** Loads the VM's images and device tree and gives it memory; 0 or a negative vm_error. */
int vm_load(struct vm *vm, char *why, size_t whylen);
/** Gives the block holding RAM offset `off`, zeroed (on first touch); false if out of memory. */
bool vm_give_block(struct vm *vm, u32 block);

#endif /* VMM_LOADER_H */
