/*
 * A VM's memory as its devices reach it (guestmem.h): a guest-physical
 * address becomes the VMM address of the block the VMM gave for it, and
 * every copy goes through guest_copy, so an access the hyp refuses (the VM
 * did not grant that page, or revoked it) fails the request instead of the
 * VMM.
 */
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/guestmem.h>


static bool vmem_valid(void *ctx, u64 gpa, u64 len)
{
	return len != 0 && vm_ram_range(ctx, gpa, len);
}

static int vmem_copy(struct vm *vm, u64 gpa, u8 *buf, u64 len, bool to_guest)
{
	if (!vm_ram_range(vm, gpa, len)) {
		return -1;
	}
	while (len > 0) {
		u64 off = gpa - vm->ram_ipa;
		u64 pa = vm->blocks[off / BLOCK_SIZE];
		u64 n = MIN(len, BLOCK_SIZE - off % BLOCK_SIZE);
		void *g = (void *)(uintptr_t)(pa + off % BLOCK_SIZE);

		if (pa == 0 || (to_guest ? guest_copy(g, buf, n) : guest_copy(buf, g, n)) != 0) {
			return -1;
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int vmem_read(void *ctx, u64 gpa, void *buf, u64 len)
{
	return vmem_copy(ctx, gpa, buf, len, false);
}

static int vmem_write(void *ctx, u64 gpa, const void *buf, u64 len)
{
	return vmem_copy(ctx, gpa, (u8 *)(uintptr_t)buf, len, true);
}

struct vmem guestmem_of(struct vm *vm)
{
	return (struct vmem){ vm, vmem_valid, vmem_read, vmem_write };
}
