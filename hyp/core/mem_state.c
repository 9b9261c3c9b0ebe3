/*
 * The memory core's state and its accessors: the ownership records by
 * frame, the VM slots, their stage-2 roots as VTTBR values, and the
 * read-only views of the tests. A leaf: it calls no other part of the
 * memory core. See hyp/core/mem_priv.h.
 */
#include "mem_priv.h"

struct mem_state m;
spinlock_t mem_lock;

u64 mem_frames(const struct hv_region *banks, u32 num)
{
	u64 n = 0;

	for (u32 i = 0; i < num; i++) {
		n += banks[i].size >> PAGE_SHIFT;
	}
	return n;
}

struct s2page *mem_run_of(pfn_t pfn, u64 *num)
{
	u64 f = pfn_val(pfn);

	for (u32 i = 0; i < m.num_banks; i++) {
		const struct bank *b = &m.banks[i];
		u64 base = pfn_val(b->base);

		if (f >= base && f - base < b->num) {
			/* The frame number is a call's argument: masked, so that
			 * no mispredicted compare reads past the bank. */
			u64 at = index_nospec(f - base, b->num);

			*num = MIN(*num, b->num - at);
			return &b->pages[at];
		}
	}
	return NULL;
}

struct s2page *mem_page_of(pfn_t pfn)
{
	u64 one = 1;

	return mem_run_of(pfn, &one);
}

const struct s2page *mem_page(pfn_t pfn)
{
	return mem_page_of(pfn);
}

u64 mem_vttbr_of(u32 vmid)
{
	const struct pgtable *pt = vmid == 0 ? &m.host : &m.vms[vmid].s2;

	return (u64)(uintptr_t)pt->root | ((u64)vmid << VTTBR_VMID_SHIFT);
}

u64 mem_host_vttbr(void)
{
	return mem_vttbr_of(0);
}

u64 mem_vm_vttbr(u32 vmid)
{
	return mem_vttbr_of(vmid);
}

struct vm *mem_vm_slot(u64 vmid)
{
	return &m.vms[index_nospec(vmid, CONFIG_MAX_VMS + 1)];
}

struct vm *mem_vm_of(u64 vmid)
{
	if (vmid == 0 || vmid > CONFIG_MAX_VMS || mem_vm_slot(vmid)->state == VM_FREE) {
		return NULL;
	}
	return mem_vm_slot(vmid);
}

s64 mem_vm_find(u64 vmid, u32 states, struct vm **vm)
{
	*vm = mem_vm_of(vmid);
	if (*vm == NULL) {
		return HV_E_NOT_FOUND;
	}
	return (states & VM_IN((*vm)->state)) != 0 ? HV_OK : HV_E_BUSY;
}

u32 mem_vm_state(u32 vmid)
{
	return vmid <= CONFIG_MAX_VMS ? mem_vm_slot(vmid)->state : VM_FREE;
}

const struct pgtable *mem_vm_s2(u32 vmid)
{
	return mem_vm_of(vmid) != NULL ? &m.vms[vmid].s2 : NULL;
}

const struct pgtable *mem_host_s2(void)
{
	return &m.host;
}

bool mem_vm_ram_holds(const struct vm *vm, ipa_t ipa, u64 size)
{
	u64 base = ipa_val(vm->ram_base);
	u64 a = ipa_val(ipa);

	return size != 0 && a >= base && a - base < vm->ram_size &&
	       size <= vm->ram_size - (a - base);
}
