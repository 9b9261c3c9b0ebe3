/*
 * Grant and revoke (grant_stage2_sg_gpa, revoke_stage2_sg_gpa): a VM lets
 * the VMM map its own pages, and takes them back. See hyp/mem.h and
 * docs/ipc.md.
 *
 * The work under mem_lock is bounded: one call handles at most
 * HV_SHARE_STEPS steps of its range (a mapped page, or an unmapped
 * stretch skipped a table entry at a time), checking them all and then
 * committing them, and says how far it got; the caller calls again for
 * the rest. A revoke removes only pages the VMM mapped and invalidates
 * the VMM's TLB entries once, at the end of the call.
 */
#include "mem_priv.h"

/*
 * Walks [start, *stop) of the VM's map for at most HV_SHARE_STEPS steps.
 * With commit == false it checks each mapped page and returns the first
 * error, else HV_OK with *stop = where the steps ran out (unchanged if
 * they did not). With commit == true it changes the counts of
 * [start, *stop) and sets *flush if a revoke took a page out of the VMM's
 * map.
 */
static s64 share_walk(struct vm *vm, u32 vmid, ipa_t start, ipa_t *stop, bool grant,
		      bool commit, bool *flush)
{
	ipa_t end = *stop;
	ipa_t a = start;

	for (u32 steps = 0; ipa_val(a) < ipa_val(end); steps++) {
		pa_t pa;
		u64 attrs;
		u32 level;
		struct s2page *p;

		if (steps == HV_SHARE_STEPS) {
			*stop = a;
			break;
		}
		if (!pgt_walk(&vm->s2, a, &pa, &attrs, &level)) {
			u64 skip = pgt_map_cost(&vm->s2, a, 3);
			u64 step = UINT64_C(1) << (PAGE_SHIFT + 9 * skip);

			/* pgt_map_cost counts missing levels above the page. */
			a = skip == 0 ? ipa_add(a, PAGE_SIZE)
				      : ipa_of(ALIGN_DOWN(ipa_val(a), step) + step);
			continue;
		}
		p = mem_page_of(pa_pfn(pa));
		if (p == NULL || p->owner != vmid) {
			/* Not one of its RAM frames (a device page): outside
			 * RAM, which share() refuses before the walk. */
			return HV_E_INVALID;
		}
		if (!commit) {
			if (grant && (p->count == COUNT_INVALID ||
				      p->count >= HV_MAX_SHARE_COUNT)) {
				return HV_E_LIMIT;
			}
			if (!grant && (p->count == 0 || p->count == COUNT_INVALID)) {
				return HV_E_NOT_GRANTED;
			}
		} else if (grant) {
			p->count++;
		} else if (--p->count == 0) {
			/* A granted frame is never inside a VMM block (blocks
			 * are the VMM's own frames only): nothing to split. */
			int r = pgt_unmap_page(&m.host, mem_host_ipa(pa));

			if (r < 0) {
				MEM_BUG("revoke found a VM frame in a VMM block");
			}
			*flush = *flush || r == 1;
		}
		a = ipa_add(a, PAGE_SIZE);
	}
	if (ipa_val(a) > ipa_val(end)) {
		*stop = end; /* a skip past the end */
	}
	return HV_OK;
}

static s64 share(u32 vmid, ipa_t ipa, u64 size, bool grant)
{
	struct vm *vm;
	u64 num = (size >> PAGE_SHIFT) + ((size & (PAGE_SIZE - 1)) != 0);
	ipa_t end = ipa_add(ipa, num << PAGE_SHIFT);
	ipa_t stop = end;
	bool flush = false;
	s64 ret;

	spin_lock(&mem_lock);
	ret = mem_vm_find(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING), &vm);
	if (ret == HV_OK && (!IS_ALIGNED(ipa_val(ipa), PAGE_SIZE) || num == 0 ||
			     num > vm->ram_size >> PAGE_SHIFT ||
			     !mem_vm_ram_holds(vm, ipa, num << PAGE_SHIFT))) {
		ret = HV_E_INVALID; /* only the VM's RAM can be shared */
	} else if (ret == HV_OK) {
		ret = share_walk(vm, vmid, ipa, &stop, grant, false, &flush);
		if (ret == HV_OK) {
			(void)share_walk(vm, vmid, ipa, &stop, grant, true, &flush);
			/* Done, or how far: the caller goes on from there. */
			ret = ipa_val(stop) == ipa_val(end) ? HV_OK
							    : (s64)(ipa_val(stop) - ipa_val(ipa));
		}
		if (flush) {
			/* Before the call returns and before a freed table
			 * page can be taken again: one for all its pages. */
			arch_s2_tlb_inval_vmid(mem_vttbr_of(0));
		}
	}
	spin_unlock(&mem_lock);
	return ret;
}

s64 mem_grant(u32 vmid, ipa_t ipa, u64 size)
{
	return share(vmid, ipa, size, true);
}

s64 mem_revoke(u32 vmid, ipa_t ipa, u64 size)
{
	return share(vmid, ipa, size, false);
}
