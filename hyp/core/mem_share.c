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
