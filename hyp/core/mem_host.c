/*
 * The memory core's other half: the VMM's stage 2, filled on demand from
 * the ownership table as the VMM touches memory, and the queries
 * (mem_info, page_info, whether a VM maps an address). See hyp/mem.h.
 */
#include "mem_priv.h"

/* ---------------------------------------------------- queries ---- */

s64 mem_info(u64 owner, u64 out[3])
{
	s64 ret = HV_OK;

	spin_lock(&mem_lock);
	out[2] = m.pool.nfree;
	if (owner == HV_OWNER_HOST) {
		out[0] = m.frames[0];
		out[1] = m.host.pages_used;
	} else if (owner == HV_OWNER_HYP) {
		out[0] = m.frames[COUNTER_HYP];
		out[1] = 0;
	} else if (mem_vm_of(owner) != NULL) {
		out[0] = m.frames[index_nospec(owner, CONFIG_MAX_VMS + 1)];
		out[1] = mem_vm_of(owner)->s2.pages_used;
	} else {
		ret = HV_E_NOT_FOUND;
	}
	spin_unlock(&mem_lock);
	return ret;
}

s64 mem_page_info(pfn_t pfn, u64 out[3])
{
	const struct s2page *p;

	spin_lock(&mem_lock);
	p = pfn_val(pfn) >> (52 - PAGE_SHIFT) == 0 ? mem_page_of(pfn) : NULL;
	out[0] = p != NULL ? p->owner : HV_OWNER_NOT_RAM;
	out[1] = p != NULL ? p->count : 0;
	out[2] = p != NULL ? p->gfn : 0;
	spin_unlock(&mem_lock);
	return HV_OK;
}

bool mem_host_owns(pa_t pa)
{
	const struct s2page *p;
	bool owned;

	spin_lock(&mem_lock);
	p = mem_page_of(pa_pfn(pa));
	owned = p != NULL && p->owner == HV_OWNER_HOST;
	spin_unlock(&mem_lock);
	return owned;
}

bool mem_vm_maps(u32 vmid, ipa_t ipa)
{
	pa_t pa;
	u64 attrs;
	u32 level;
	bool mapped;

	spin_lock(&mem_lock);
	mapped = mem_vm_of(vmid) != NULL &&
		 pgt_walk(&m.vms[vmid].s2, ipa, &pa, &attrs, &level);
	spin_unlock(&mem_lock);
	return mapped;
}

/* ------------------------------------------------- host faults ---- */

static bool in_dev(pa_t pa)
{
	for (u32 i = 0; i < m.num_dev; i++) {
		if (region_contains(&m.dev[i], pa, 1)) {
			return true;
		}
	}
	return false;
}

/* Whether the VMM may map a whole 2 MiB block of its own RAM at pa. */
static bool host_block_ok(pa_t pa)
{
	const struct s2page *first = mem_page_of(pa_pfn(pa));
	const struct s2page *last = mem_page_of(pa_pfn(pa_add(pa, BLOCK_SIZE - 1)));

	if (first == NULL || last == NULL || last - first != PAGES_PER_BLOCK - 1 ||
	    region_overlaps(pa_val(pa), BLOCK_SIZE, m.host_ro.base, m.host_ro.size)) {
		return false;
	}
	for (u32 i = 0; i < PAGES_PER_BLOCK; i++) {
		if (first[i].owner != HV_OWNER_HOST) {
			return false;
		}
	}
	return true;
}

s64 mem_host_copy(pa_t pa, void *buf, u64 len, bool to_vmm)
{
	u64 first = pa_val(pa) >> PAGE_SHIFT;
	u64 last;
	s64 ret = HV_OK;

	if (len == 0 || pa_val(pa) + len < pa_val(pa)) {
		return HV_E_INVALID;
	}
	last = (pa_val(pa) + len - 1) >> PAGE_SHIFT;
	spin_lock(&mem_lock);
	for (u64 f = first; f <= last && ret == HV_OK; f++) {
		const struct s2page *p = f >> (52 - PAGE_SHIFT) == 0 ? mem_page_of(pfn_of(f)) : NULL;

		if (p == NULL || p->owner != HV_OWNER_HOST ||
		    (to_vmm && region_contains(&m.host_ro, pa_of(f << PAGE_SHIFT), PAGE_SIZE))) {
			ret = HV_E_DENIED;
		}
	}
	/* Under the lock: no frame of the range changes owner meanwhile. */
	for (u64 done = 0; ret == HV_OK && done < len;) {
		u64 a = pa_val(pa) + done;
		u64 n = MIN(len - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		u8 *vmm = (u8 *)arch_frame(pa_of(a & ~(u64)(PAGE_SIZE - 1))) + (a & (PAGE_SIZE - 1));

		memcpy(to_vmm ? vmm : (u8 *)buf + done, to_vmm ? (u8 *)buf + done : vmm, n);
		done += n;
	}
	spin_unlock(&mem_lock);
	return ret;
}

s64 mem_host_fault(ipa_t ipa, bool write, const char **why)
{
	pa_t pa = mem_host_pa(ipa);
	pa_t page = pa_of(ALIGN_DOWN(pa_val(pa), PAGE_SIZE));
	pa_t block = pa_of(ALIGN_DOWN(pa_val(pa), BLOCK_SIZE));
	const struct s2page *p;
	u64 attrs = 0;
	u32 level = 3;
	s64 ret = HV_OK;
	bool in_space;
	int err;

	spin_lock(&mem_lock);
	in_space = (ipa_val(ipa) >> m.ipa_bits) == 0;
	p = in_space ? mem_page_of(pa_pfn(pa)) : NULL;
	if (p == NULL) {
		if (in_dev(pa)) {
			attrs = HOST_DEV;
		} else {
			*why = !in_space ? "outside the IPA space"
					 : "no memory or device the VMM may use";
			ret = HV_E_DENIED;
		}
	} else if (p->owner == HV_OWNER_HOST) {
		if (region_contains(&m.host_ro, page, PAGE_SIZE)) {
			attrs = HOST_RO;
		} else if (host_block_ok(block)) {
			attrs = HOST_RAM;
			level = 2;
		} else {
			attrs = HOST_RAM;
		}
	} else if (p->owner == HV_OWNER_HYP) {
		*why = "hyp memory";
		ret = HV_E_DENIED;
	} else if (p->count != 0 && p->count != COUNT_INVALID) {
		attrs = HOST_RAM; /* a VM page granted to the VMM */
	} else {
		*why = "a VM's private page";
		ret = HV_E_DENIED;
	}
	if (ret == HV_OK) {
		err = HV_E_BUSY;
		if (level == 2) {
			err = pgt_map(&m.host, mem_host_ipa(block), block, 2, attrs);
		}
		if (err == HV_E_BUSY) {
			/* Tables below (from an earlier split): map the page. */
			err = pgt_map(&m.host, mem_host_ipa(page), page, 3, attrs);
		}
		if (err == HV_E_NO_MEMORY) {
			*why = "stage-2 table pool exhausted";
			ret = HV_E_NO_MEMORY;
		} else if (err != HV_OK) {
			*why = "stage-2 mapping conflict";
			ret = HV_E_DENIED;
		} else if (write && attrs == HOST_RO) {
			/* Mapped read-only already: this was a write. */
			*why = "the bundle is read-only";
			ret = HV_E_DENIED;
		}
	}
	spin_unlock(&mem_lock);
	return ret;
}

/* ------------------------------------- splitting and merging blocks ---- */

/*
 * The VMM runs on other CPUs while its map changes, so a valid block is
 * never replaced by a table, nor a table by a block, in one write: the
 * entry is made invalid, its TLB entries invalidated (a TLBI by IPA of a
 * block's address removes the block's entry; a merged table's pages are
 * up to 512 entries, so the whole VMID goes), then the new entry written
 * (break-before-make, Arm ARM D8.16.1). A VMM access in between faults and
 * waits for mem_lock in mem_host_fault, which finds the new entry.
 */

bool mem_host_unmap(pfn_t pfn)
{
	ipa_t at = mem_host_ipa(pfn_pa(pfn));
	struct pgt_bbm b;
	int r = pgt_unmap_page(&m.host, at); /* one walk if no block is in the way */

	while (r == HV_E_BUSY && (r = pgt_split_break(&m.host, at, &b)) == 1) {
		arch_s2_tlb_inval_ipa(mem_vttbr_of(0), b.ipa);
		pgt_bbm_make(&m.host, &b);
		r = pgt_unmap_page(&m.host, at);
	}
	if (r < 0) {
		MEM_BUG("VMM unmap after a successful check");
	}
	return r == 1;
}

/* The level-3 table of the region at block, if the VMM's own again, goes:
 * the region is one block again (what a fault there would map). */
static void host_merge(pa_t block)
{
	ipa_t at = mem_host_ipa(block);
	struct pgt_bbm b;

	if (pgt_map_cost(&m.host, at, 3) != 0 || !host_block_ok(block)) {
		return; /* no table there, or not all the VMM's */
	}
	if (pgt_merge_break(&m.host, at, block, HOST_RAM, &b) != 1) {
		MEM_BUG("VMM table merge");
	}
	arch_s2_tlb_inval_vmid(mem_vttbr_of(0));
	pgt_bbm_make(&m.host, &b);
}

void mem_host_merge_range(pfn_t pfn, u64 num)
{
	for (u32 i = 0; i < m.num_banks; i++) {
		const struct bank *bk = &m.banks[i];
		u64 base = pfn_val(bk->base);
		u64 lo = MAX(pfn_val(pfn), base);
		u64 hi = MIN(pfn_val(pfn) + num, base + bk->num);

		for (u64 p = ALIGN_DOWN(lo, PAGES_PER_BLOCK); p < hi; p += PAGES_PER_BLOCK) {
			host_merge(pfn_pa(pfn_of(p)));
		}
	}
}
