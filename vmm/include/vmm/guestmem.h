/*
 * A VM's memory as the VMM reaches it (guestmem.c): a guest-physical
 * address becomes the VMM address of the block the VMM gave for it, and
 * every copy goes through guest_copy, so that an access the hyp refuses
 * (the VM did not grant that page, or revoked it) fails the request
 * instead of the VMM.
 */
#ifndef VMM_GUESTMEM_H
#define VMM_GUESTMEM_H

#include <lib/types.h>
#include <vmm/vdev.h>
#include <vmm/vm.h>

/** Whether [gpa, gpa + len) is in vm's RAM. */
static inline bool vm_ram_range(const struct vm *vm, u64 gpa, u64 len)
{
	u64 size = (u64)vm->nblocks * BLOCK_SIZE;

	return gpa >= vm->ram_ipa && len <= size && gpa - vm->ram_ipa <= size - len;
}
/** vm's memory as the devices reach it: copies to and from its granted pages. */
struct vmem guestmem_of(struct vm *vm);

#endif /* VMM_GUESTMEM_H */
