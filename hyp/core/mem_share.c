/*
 * Grant and revoke (grant_stage2_sg_gpa, revoke_stage2_sg_gpa): a VM lets
 * the VMM map its own pages, and takes them back; and the other way, a
 * lend: the VMM shows a VM one frame of its own, read-only. See hyp/mem.h
 * and docs/ipc.md.
 *
 * The work under mem_lock is bounded: one call handles at most
 * HV_SHARE_STEPS steps of its range (a mapped page, or an unmapped
 * stretch skipped a table entry at a time), checking them all and then
 * committing them, and says how far it got; the caller calls again for
 * the rest. A revoke removes only pages the VMM mapped and invalidates
 * the VMM's TLB entries once, at the end of the call.
 */
#include "mem_priv.h"

/** Pages of one leaf of the VM's map, in a row: their records and frames. */
struct share_run {
	struct s2page *p;
	pa_t pa;
	u64 num;
};

/* Check step of a run: HV_OK, or the first page's error in address order. */
static s64 run_check(const struct share_run *r, u32 vmid, bool grant)
{
	for (u64 i = 0; i < r->num; i++) {
		const struct s2page *p = &r->p[i];

		if (p->owner != vmid) {
			/* Not one of its RAM frames (a device page): outside
			 * RAM, which share() refuses before the walk. */
			return HV_E_INVALID;
		}
		if (grant && (p->count == COUNT_INVALID || p->count >= HV_MAX_SHARE_COUNT)) {
			return HV_E_LIMIT;
		}
		if (!grant && (p->count == 0 || p->count == COUNT_INVALID)) {
			return HV_E_NOT_GRANTED;
		}
	}
	return HV_OK;
}

/* Commit step of a checked run; *flush if a revoke took a page out of the
 * VMM's map. */
static void run_commit(const struct share_run *r, bool grant, bool *flush)
{
	for (u64 i = 0; i < r->num; i++) {
		struct s2page *p = &r->p[i];

		if (grant) {
			p->count++;
		} else if (--p->count == 0) {
			/* A granted frame is never inside a VMM block (blocks
			 * are the VMM's own frames only): nothing to split. */
			int u = pgt_unmap_page(&m.host, mem_host_ipa(pa_add(r->pa, i << PAGE_SHIFT)));

			if (u < 0) {
				MEM_BUG("revoke found a VM frame in a VMM block");
			}
			*flush = *flush || u == 1;
		}
	}
}

/*
 * Walks [start, *stop) of the VM's map for at most HV_SHARE_STEPS steps,
 * one walk per leaf: the leaf's pages in the range make a run, whose
 * records one bank search finds. With commit == false it checks each run
 * and returns the first error, else HV_OK with *stop = where the steps ran
 * out (unchanged if they did not) and *first = the first run. With commit
 * == true it commits the runs of [start, *stop).
 */
static s64 share_walk(struct vm *vm, u32 vmid, ipa_t start, ipa_t *stop, bool grant,
		      bool commit, bool *flush, struct share_run *first)
{
	u64 end = ipa_val(*stop);
	u64 a = ipa_val(start);
	u32 steps = 0;

	while (a < end) {
		struct share_run r;
		u64 attrs;
		u32 level;
		u64 leaf;
		s64 ret;

		if (steps == HV_SHARE_STEPS) {
			*stop = ipa_of(a);
			break;
		}
		if (!pgt_walk(&vm->s2, ipa_of(a), &r.pa, &attrs, &level)) {
			u64 skip = pgt_map_cost(&vm->s2, ipa_of(a), 3);
			u64 step = UINT64_C(1) << (PAGE_SHIFT + 9 * skip);

			/* pgt_map_cost counts missing levels above the page. */
			a = skip == 0 ? a + PAGE_SIZE : ALIGN_DOWN(a, step) + step;
			steps++;
			continue;
		}
		/* The leaf's pages from a: to its end, the range's end or the
		 * last step, and within one bank of records. */
		leaf = UINT64_C(1) << (PAGE_SHIFT + 9 * (3 - level));
		r.num = MIN(MIN(ALIGN_DOWN(a, leaf) + leaf, end) - a,
			    (u64)(HV_SHARE_STEPS - steps) << PAGE_SHIFT) >>
			PAGE_SHIFT;
		r.p = mem_run_of(pa_pfn(r.pa), &r.num);
		if (r.p == NULL) {
			return HV_E_INVALID; /* not RAM (see run_check) */
		}
		if (commit) {
			run_commit(&r, grant, flush);
		} else {
			ret = run_check(&r, vmid, grant);
			if (ret != HV_OK) {
				return ret;
			}
			if (a == ipa_val(start)) {
				*first = r;
			}
		}
		a += r.num << PAGE_SHIFT;
		steps += (u32)r.num;
	}
	if (a > end) {
		*stop = ipa_of(end); /* a skip past the end */
	}
	return HV_OK;
}

static s64 share(u32 vmid, ipa_t ipa, u64 size, bool grant)
{
	struct vm *vm;
	u64 num = (size >> PAGE_SHIFT) + ((size & (PAGE_SIZE - 1)) != 0);
	ipa_t end = ipa_add(ipa, num << PAGE_SHIFT);
	ipa_t stop = end;
	struct share_run first = { NULL, pa_of(0), 0 };
	bool flush = false;
	s64 ret;

	spin_lock(&mem_lock);
	ret = mem_vm_find(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING), &vm);
	if (ret == HV_OK && (!IS_ALIGNED(ipa_val(ipa), PAGE_SIZE) || num == 0 ||
			     num > vm->ram_size >> PAGE_SHIFT ||
			     !mem_vm_ram_holds(vm, ipa, num << PAGE_SHIFT))) {
		ret = HV_E_INVALID; /* only the VM's RAM can be shared */
	} else if (ret == HV_OK) {
		ret = share_walk(vm, vmid, ipa, &stop, grant, false, &flush, &first);
		if (ret == HV_OK && ipa_val(stop) - ipa_val(ipa) == first.num << PAGE_SHIFT) {
			/* [ipa, stop) is one run (one page, or pages of one
			 * block): committed without walking it again. */
			run_commit(&first, grant, &flush);
		} else if (ret == HV_OK) {
			(void)share_walk(vm, vmid, ipa, &stop, grant, true, &flush, &first);
		}
		if (ret == HV_OK) {
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

/* ------------------------------------------------------ lending ---- */

/*
 * A lent frame stays the VMM's, with count 1 in its record while lent:
 * prot_and_map refuses a VMM frame with a count, so it reaches no VM as
 * its memory, and it is lent once. The VM maps it read-only and not
 * executable outside its RAM, where its writes fault as MMIO; nothing of
 * the VM's reaches the frame.
 */
s64 mem_lend(u32 vmid, ipa_t ipa, pa_t pa)
{
	struct s2page *p = mem_page_of(pa_pfn(pa));
	struct vm *vm;
	pa_t at;
	u64 attrs;
	u32 level;
	u32 cost;
	s64 ret;

	spin_lock(&mem_lock);
	ret = mem_vm_find(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING), &vm);
	if (ret != HV_OK) {
		goto out;
	}
	if (!IS_ALIGNED(ipa_val(ipa) | pa_val(pa), PAGE_SIZE) || (ipa_val(ipa) >> m.ipa_bits) != 0 ||
	    mem_vm_ram_holds(vm, ipa, PAGE_SIZE) || p == NULL || pfn_val(pa_pfn(pa)) == 0) {
		ret = HV_E_INVALID; /* not a page outside its RAM, not RAM, frame 0 */
		goto out;
	}
	if (p->owner != HV_OWNER_HOST || region_contains(&m.host_ro, pa, PAGE_SIZE)) {
		ret = HV_E_DENIED; /* not the VMM's to lend */
		goto out;
	}
	if (p->count != 0 || vm->lent || pgt_walk(&vm->s2, ipa, &at, &attrs, &level)) {
		ret = HV_E_BUSY; /* lent already, one lend a VM, or the page is in use */
		goto out;
	}
	cost = pgt_map_cost(&vm->s2, ipa, 3);
	if (cost > pgt_pages_available(&vm->s2) || cost > m.pool.nfree) {
		ret = HV_E_NO_MEMORY;
		goto out;
	}
	if (pgt_map(&vm->s2, ipa, pa, 3, LENT_ATTRS) != HV_OK) {
		MEM_BUG("lend map after a successful check");
	}
	p->count = 1;
	__atomic_store_n(&vm->lend_ipa.v, ipa_val(ipa), __ATOMIC_RELAXED);
	vm->lend_pa = pa;
	__atomic_store_n(&vm->lent, true, __ATOMIC_RELEASE); /* mem_vm_lent_at */
out:
	spin_unlock(&mem_lock);
	return ret;
}

void mem_lend_over(struct vm *vm)
{
	mem_page_of(pa_pfn(vm->lend_pa))->count = 0;
	__atomic_store_n(&vm->lent, false, __ATOMIC_RELEASE);
	__atomic_store_n(&vm->lend_ipa.v, 0, __ATOMIC_RELAXED);
	vm->lend_pa = pa_of(0);
}

s64 mem_unlend(u32 vmid)
{
	struct vm *vm;
	s64 ret;

	spin_lock(&mem_lock);
	ret = mem_vm_find(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING) | VM_IN(VM_OFF), &vm);
	if (ret == HV_OK && vm->lent) {
		/* Out of its map and of every TLB before the frame is free to
		 * be given: a vCPU running now reads it no more. */
		if (pgt_unmap_page(&vm->s2, vm->lend_ipa) != 1) {
			MEM_BUG("a lent page not mapped");
		}
		/* The tables the lend made go with it (a level-3 table went
		 * with its last page): an unlend undoes a lend. */
		(void)pgt_prune(&vm->s2, vm->lend_ipa);
		arch_s2_tlb_inval_ipa(mem_vttbr_of(vmid), vm->lend_ipa);
		mem_lend_over(vm);
	}
	spin_unlock(&mem_lock);
	return ret;
}

bool mem_vm_lent_at(u32 vmid, ipa_t ipa)
{
	const struct vm *vm = mem_vm_of(vmid);

	/* Without mem_lock: a lend ending meanwhile makes the guest retry
	 * (its access faults again, as a translation fault). */
	return vm != NULL && __atomic_load_n(&vm->lent, __ATOMIC_ACQUIRE) &&
	       ALIGN_DOWN(ipa_val(ipa), PAGE_SIZE) ==
		       __atomic_load_n(&vm->lend_ipa.v, __ATOMIC_RELAXED);
}

bool mem_vm_lend(u32 vmid, ipa_t *ipa, pa_t *pa)
{
	const struct vm *vm = mem_vm_of(vmid);

	if (vm == NULL || !vm->lent) {
		return false;
	}
	*ipa = vm->lend_ipa;
	*pa = vm->lend_pa;
	return true;
}
