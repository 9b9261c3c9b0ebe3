/*
 * Page ownership and stage-2 management. See hyp/mem.h.
 *
 * Each operation has a decode step that reads the state and checks the
 * whole request, then a commit step that cannot fail (pKVM's
 * check-then-commit): a failure in a commit step is a hyp bug and panics.
 */
#include "mem_priv.h"

/* Roots: up to 2 concatenated level-1 tables (40-bit IPA), 8 KiB aligned. */
static u64 host_root[2 * PTES_PER_TABLE] __aligned(8192);
static u64 vm_roots[CONFIG_MAX_VMS + 1][2 * PTES_PER_TABLE] __aligned(8192);

static u32 counter_of(u32 owner)
{
	return owner == HV_OWNER_HYP ? COUNTER_HYP : owner;
}

static void set_owner(struct s2page *p, u32 owner, u32 count, gfn_t gfn)
{
	m.frames[counter_of(p->owner)]--;
	m.frames[counter_of(owner)]++;
	p->owner = (u8)owner;
	p->count = (u8)count;
	p->gfn = (u32)gfn_val(gfn);
}

s64 mem_init(const struct mem_config *c)
{
	struct s2page *next = c->pages;

	memset(&m, 0, sizeof(m));
	if (c->num_banks > PLAT_MAX_MEM || c->num_dev > ARRAY_SIZE(m.dev) ||
	    c->ipa_bits < 32 || c->ipa_bits > 40) {
		return HV_E_INVALID;
	}
	for (u32 i = 0; i < c->num_banks; i++) {
		struct bank *b = &m.banks[m.num_banks++];

		b->base = pa_pfn(pa_of(c->banks[i].base));
		b->num = c->banks[i].size >> PAGE_SHIFT;
		b->pages = next;
		next += b->num;
		for (u64 j = 0; j < b->num; j++) {
			b->pages[j] = (struct s2page){ HV_OWNER_HOST, 0, 0, 0 };
		}
		m.frames[0] += b->num;
	}
	for (u32 i = 0; i < c->num_hyp; i++) {
		const struct hv_region *r = &c->hyp[i];
		u64 end = ALIGN_UP(r->base + r->size, PAGE_SIZE) >> PAGE_SHIFT;

		for (u64 p = r->base >> PAGE_SHIFT; p < end; p++) {
			struct s2page *pg = mem_page_of(pfn_of(p));

			if (pg != NULL && pg->owner == HV_OWNER_HOST) {
				set_owner(pg, HV_OWNER_HYP, 0, gfn_of(0));
			}
		}
	}
	m.host_ro = c->host_ro;
	m.num_dev = c->num_dev;
	memcpy(m.dev, c->dev, c->num_dev * sizeof(c->dev[0]));
	m.ipa_bits = c->ipa_bits;
	m.vm_pt_limit = c->vm_pt_limit;
	pt_pool_init(&m.pool, c->pool_pages, c->pool_num);
	return pgt_init(&m.host, &m.pool, host_root, c->ipa_bits, c->host_pt_limit);
}

/* ---------------------------------------------------------- VMs ---- */

bool mem_vm_in_ram(u32 vmid, ipa_t ipa)
{
	const struct vm *vm = mem_vm_of(vmid);

	return vm != NULL && mem_vm_ram_holds(vm, ipa, 1);
}

/* Decode of VM_CREATE: the layout alone, before any state is read. */
static bool layout_ok(const struct mem_vm_layout *l)
{
	u64 ipa_end = UINT64_C(1) << m.ipa_bits;
	u64 ram = ipa_val(l->ram_base);
	u64 dev = ipa_val(l->dev_ipa);

	if (l->ram_size == 0 || !IS_ALIGNED(ram | l->ram_size, PAGE_SIZE) ||
	    ram >= ipa_end || l->ram_size > ipa_end - ram) {
		return false;
	}
	if (l->dev_size == 0) {
		return true;
	}
	/* The device range: pages that are not RAM, within one 2 MiB block
	 * of IPA, outside the VM's RAM. */
	if (!IS_ALIGNED(dev | pa_val(l->dev_pa) | l->dev_size, PAGE_SIZE) ||
	    l->dev_size > BLOCK_SIZE || dev >= ipa_end ||
	    ALIGN_DOWN(dev, BLOCK_SIZE) != ALIGN_DOWN(dev + l->dev_size - 1, BLOCK_SIZE) ||
	    region_overlaps(dev, l->dev_size, ram, l->ram_size)) {
		return false;
	}
	for (u64 o = 0; o < l->dev_size; o += PAGE_SIZE) {
		if (mem_page_of(pa_pfn(pa_add(l->dev_pa, o))) != NULL) {
			return false; /* RAM is given with prot_and_map only */
		}
	}
	return true;
}

s64 mem_vm_create(const struct mem_vm_layout *l, u32 *vmid)
{
	struct vm *vm = NULL;
	u32 id;
	s64 ret = HV_OK;

	spin_lock(&mem_lock);
	if (!layout_ok(l)) {
		ret = HV_E_INVALID;
		goto out;
	}
	for (id = 1; id <= CONFIG_MAX_VMS && vm == NULL; id++) {
		if (m.vms[id].state == VM_FREE) {
			vm = &m.vms[id];
			break;
		}
	}
	if (vm == NULL) {
		ret = HV_E_NO_MEMORY;
		goto out;
	}
	if (pgt_init(&vm->s2, &m.pool, vm_roots[id], m.ipa_bits, m.vm_pt_limit) != HV_OK) {
		MEM_BUG("VM stage-2 root");
	}
	/* The device pages share one level-3 table: one cost for all. */
	if (l->dev_size != 0) {
		u32 cost = pgt_map_cost(&vm->s2, l->dev_ipa, 3);

		if (cost > pgt_pages_available(&vm->s2) || cost > m.pool.nfree) {
			ret = HV_E_NO_MEMORY; /* the slot stays free */
			goto out;
		}
	}
	/* Commit: the state, the device pages, the VMID's old TLB entries. */
	for (u64 o = 0; o < l->dev_size; o += PAGE_SIZE) {
		ipa_t at = ipa_add(l->dev_ipa, o);

		if (pgt_map(&vm->s2, at, pa_add(l->dev_pa, o), 3, HOST_DEV) != HV_OK) {
			MEM_BUG("device map after a successful check");
		}
	}
	vm->ram_base = l->ram_base;
	vm->ram_size = l->ram_size;
	__atomic_store_n(&vm->loaded, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vm->state, VM_CREATED, __ATOMIC_SEQ_CST);
	arch_s2_tlb_inval_vmid(mem_vttbr_of(id));
	*vmid = id;
out:
	spin_unlock(&mem_lock);
	return ret;
}

/* vCPUs of the VM on a physical CPU now (none can enter once it is off). */
static u32 vm_loaded(const struct vm *vm)
{
	return __atomic_load_n(&vm->loaded, __ATOMIC_SEQ_CST);
}

/*
 * With mem_lock held: VM vmid if it is off and no vCPU of it is on a
 * physical CPU (none can be put there): HV_OK, HV_E_NOT_FOUND or HV_E_BUSY.
 */
static s64 find_quiet(u32 vmid, struct vm **vm)
{
	s64 ret = mem_vm_find(vmid, VM_IN(VM_OFF), vm);

	return ret == HV_OK && vm_loaded(*vm) != 0 ? HV_E_BUSY : ret;
}

s64 mem_vm_destroy(u32 vmid)
{
	struct vm *vm;
	s64 ret;

	spin_lock(&mem_lock);
	ret = find_quiet(vmid, &vm);
	if (ret == HV_OK && m.frames[vmid] != 0) {
		ret = HV_E_BUSY; /* clear its frames first */
	} else if (ret == HV_OK) {
		pgt_destroy(&vm->s2);
		if (vm->s2.pages_used != 0) {
			MEM_BUG("table pages leaked on destroy");
		}
		arch_s2_tlb_inval_vmid(mem_vttbr_of(vmid));
		if (vm->lent) {
			mem_lend_over(vm); /* its map and TLB entries are gone */
		}
		vm->ram_base = ipa_of(0);
		vm->ram_size = 0;
		__atomic_store_n(&vm->state, VM_FREE, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&mem_lock);
	return ret;
}

/* Moves a VM from any state in `from` (VM_IN bits) to state `to`. */
static s64 vm_transition(u32 vmid, u32 from, u32 to)
{
	struct vm *vm;
	s64 ret;

	spin_lock(&mem_lock);
	ret = mem_vm_find(vmid, from, &vm);
	if (ret == HV_OK) {
		__atomic_store_n(&vm->state, to, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&mem_lock);
	return ret;
}

s64 mem_vm_start(u32 vmid)
{
	return vm_transition(vmid, VM_IN(VM_CREATED), VM_RUNNING);
}

s64 mem_vm_stop(u32 vmid)
{
	/* From any state: stopping an off VM again is no change. */
	return vm_transition(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING) | VM_IN(VM_OFF),
			     VM_OFF);
}

/*
 * vCPU entry and exit are counted without mem_lock, so that running a
 * vCPU never waits for a long memory call. Both sides use sequentially
 * consistent accesses (Dekker's pattern): an entry that still finds the
 * VM running was counted before mem_vm_stop's store, so whoever reads
 * the count after that store sees it until the vCPU has left.
 */
bool mem_vm_enter(u32 vmid)
{
	struct vm *vm;

	if (vmid == 0 || vmid > CONFIG_MAX_VMS) {
		return false;
	}
	vm = mem_vm_slot(vmid);
	/* Off already: not even counted for a moment (a clear or destroy
	 * after the stop must not see a count it could take for a vCPU). */
	if (__atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING) {
		return false;
	}
	__atomic_add_fetch(&vm->loaded, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING) {
		__atomic_sub_fetch(&vm->loaded, 1, __ATOMIC_SEQ_CST);
		return false;
	}
	return true;
}

void mem_vm_leave(u32 vmid)
{
	__atomic_sub_fetch(&m.vms[vmid].loaded, 1, __ATOMIC_SEQ_CST);
}

u32 mem_vm_loaded(u32 vmid)
{
	return vmid != 0 && vmid <= CONFIG_MAX_VMS ? vm_loaded(mem_vm_slot(vmid)) : 0;
}

void mem_vm_flush(u32 vmid)
{
	spin_lock(&mem_lock);
	if (mem_vm_of(vmid) != NULL) {
		arch_s2_tlb_inval_vmid(mem_vttbr_of(vmid));
	}
	spin_unlock(&mem_lock);
}

/* ------------------------------------------------- prot_and_map ---- */

s64 mem_prot_and_map(u32 vmid, ipa_t ipa, u64 pte, u64 level)
{
	struct vm *vm;
	pa_t pa = pa_of(pte & PTE_ADDR_MASK);
	pfn_t pfn = pa_pfn(pa);
	ipa_t at_host = mem_host_ipa(pa); /* where the VMM reaches the frames */
	u64 gfn = gfn_val(ipa_gfn(ipa));
	u64 n = level == 2 ? PAGES_PER_BLOCK : 1;
	u64 size = n << PAGE_SHIFT;
	u64 run;
	u64 host_cost = 0;
	u64 vm_cost;
	u64 given = 0;
	int mapped;
	bool by_page = true;
	bool flush = false;
	s64 ret;

	spin_lock(&mem_lock);
	/* Decode: the VM, the arguments, then every frame, then the VM's map. */
	ret = mem_vm_find(vmid, VM_IN(VM_CREATED) | VM_IN(VM_RUNNING), &vm);
	if (ret != HV_OK) {
		goto out;
	}
	if ((level != 2 && level != 3) || !IS_ALIGNED(ipa_val(ipa), size) ||
	    !IS_ALIGNED(pa_val(pa), size) || pfn_val(pfn) == 0 ||
	    !mem_vm_ram_holds(vm, ipa, size)) {
		ret = HV_E_INVALID;
		goto out;
	}
	/* The frames' records a bank at a time (a block may span two). */
	for (u64 i = 0; i < n; i += run) {
		const struct s2page *p;

		run = n - i;
		p = mem_run_of(pfn_add(pfn, i), &run);
		if (p == NULL) {
			ret = HV_E_INVALID; /* not RAM */
			goto out;
		}
		for (u64 j = 0; j < run; j++) {
			if (p[j].owner == HV_OWNER_HOST) {
				if (p[j].count != 0) {
					ret = HV_E_BUSY;
					goto out;
				}
				/* A 4 KiB page inside a VMM block splits it; a
				 * 2 MiB request removes the block or the pages
				 * whole. */
				host_cost = n == 1 ? pgt_unmap_cost(&m.host, at_host) : 0;
			} else if (p[j].owner != vmid || p[j].gfn != (u32)(gfn + i + j)) {
				ret = HV_E_DENIED; /* the hyp's, another VM's, or elsewhere */
				goto out;
			}
		}
	}
	mapped = pgt_mapped_pages(&vm->s2, ipa, pa, (u32)level);
	if (mapped < 0 || (mapped != 0 && (u64)mapped != n)) {
		ret = HV_E_BUSY; /* a different frame, or partly mapped: unmap first */
		goto out;
	}
	if (mapped == 0 && level == 2 && pgt_map_cost(&vm->s2, ipa, 3) == 0) {
		/* A page table is still in the way (only after a clear). */
		ret = HV_E_BUSY;
		goto out;
	}
	vm_cost = mapped == 0 ? pgt_map_cost(&vm->s2, ipa, (u32)level) : 0;
	/* Each table within its limit, and both from the one pool. */
	if (host_cost > pgt_pages_available(&m.host) ||
	    vm_cost > pgt_pages_available(&vm->s2) || host_cost + vm_cost > m.pool.nfree) {
		ret = HV_E_NO_MEMORY;
		goto out;
	}
	/* Commit: out of the VMM's map (its TLB entries gone before the
	 * frames are cleaned, so it writes none of them again), cleaned, then
	 * in the VM's map. For a 2 MiB request, a VMM block over the frames
	 * goes in one; its pages go one by one only from a level-3 table
	 * (with neither, the VMM maps none of them). */
	if (n > 1) {
		pa_t hpa;
		u64 hattrs;
		u32 hl;

		if (pgt_walk(&m.host, at_host, &hpa, &hattrs, &hl) && hl < 3) {
			pgt_unmap_leaf(&m.host, at_host);
			flush = true;
		}
		by_page = pgt_map_cost(&m.host, at_host, 3) == 0;
	}
	for (u64 i = 0; i < n; i += run) {
		struct s2page *p;

		run = n - i;
		p = mem_run_of(pfn_add(pfn, i), &run);
		for (u64 j = 0; j < run; j++) {
			if (p[j].owner == HV_OWNER_HOST) {
				p[j] = (struct s2page){ (u8)vmid, 0, 0, (u32)(gfn + i + j) };
				given++;
				if (by_page) {
					flush = mem_host_unmap(pfn_add(pfn, i + j)) || flush;
				}
			} else if (p[j].count == COUNT_INVALID) {
				p[j].count = 0;
			}
		}
	}
	m.frames[0] -= given;
	m.frames[vmid] += given;
	if (flush && n == 1) {
		arch_s2_tlb_inval_ipa(mem_vttbr_of(0), at_host);
	} else if (flush) {
		arch_s2_tlb_inval_vmid(mem_vttbr_of(0));
	}
	if (given != 0) {
		/* The previous owner's data out of the caches into memory, for
		 * a VM that reads it without caches; no stale instructions. */
		arch_clean_frames(pa, n);
		arch_icache_inval_all();
	}
	if (mapped == 0 && pgt_map(&vm->s2, ipa, pa, (u32)level, VM_ATTRS) != HV_OK) {
		MEM_BUG("VM map after a successful check");
	}
out:
	spin_unlock(&mem_lock);
	return ret;
}

/* ---------------------------------------------- clear_vm_range ---- */

/*
 * One pass of a clear over the frames of [pfn, pfn + num) that vmid owns
 * (only RAM can be owned: the banks' part of the range): the first takes
 * each out of the VM's stage 2, the second scrubs it and gives it back.
 * Returns whether there was any.
 */
static bool clear_pass(struct vm *vm, u32 vmid, pfn_t pfn, u64 num, bool scrub)
{
	bool any = false;

	for (u32 b = 0; b < m.num_banks; b++) {
		const struct bank *bk = &m.banks[b];
		u64 base = pfn_val(bk->base);
		u64 lo = MAX(pfn_val(pfn), base);
		u64 hi = MIN(pfn_val(pfn) + num, base + bk->num);

		for (u64 p = lo; p < hi; p++) {
			struct s2page *pg = &bk->pages[p - base];

			if (pg->owner != vmid) {
				continue;
			}
			if (scrub) {
				arch_scrub_frame(pfn_pa(pfn_of(p)));
				set_owner(pg, HV_OWNER_HOST, 0, gfn_of(0));
			} else {
				pgt_unmap_leaf(&vm->s2, gfn_ipa(gfn_of(pg->gfn)));
			}
			any = true;
		}
	}
	return any;
}

s64 mem_clear_vm_range(u32 vmid, pfn_t pfn, u64 num)
{
	u64 end = pfn_val(pfn) + num;
	struct vm *vm;
	s64 ret;

	spin_lock(&mem_lock);
	ret = find_quiet(vmid, &vm);
	if (ret == HV_OK && (end < pfn_val(pfn) || (end >> (52 - PAGE_SHIFT)) != 0)) {
		ret = HV_E_INVALID;
	} else if (ret == HV_OK && clear_pass(vm, vmid, pfn, num, false)) {
		/* Every frame is out of the VM's map and its TLB entries are
		 * gone before any is scrubbed: nothing can write a frame after
		 * its scrub through an entry still cached. */
		arch_s2_tlb_inval_vmid(mem_vttbr_of(vmid));
		(void)clear_pass(vm, vmid, pfn, num, true);
		mem_host_merge_range(pfn, num);
	}
	spin_unlock(&mem_lock);
	return ret;
}
