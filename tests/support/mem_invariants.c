/*
 * Invariant checks over the memory state of hyp/core/mem.c on the
 * simulated machine of fake_arch.c.
 */
#include <stdio.h>

#include <hyp/mem.h>

#include "fake_arch.h"
#include "mem_invariants.h"

/* The frames of the simulated machine, bank by bank. */
static const struct {
	u64 first;
	u64 end;
} ranges[] = {
	{ FAKE_BANK0 >> PAGE_SHIFT, (FAKE_BANK0 + FAKE_BANK0_SIZE) >> PAGE_SHIFT },
	{ FAKE_BANK1 >> PAGE_SHIFT, (FAKE_BANK1 + FAKE_BANK1_SIZE) >> PAGE_SHIFT },
};

static int violations;

static void fail(const char *what, u64 pfn)
{
	fprintf(stderr, "    invariant: %s (pfn 0x%llx)\n", what,
		(unsigned long long)pfn);
	violations++;
}

static bool walk(const struct pgtable *pt, ipa_t ipa, pa_t *pa)
{
	u64 attrs;
	u32 level;

	return pt != NULL && pgt_walk(pt, ipa, pa, &attrs, &level);
}

/* Checks one leaf of the VMM's (vmid 0) or a VM's stage 2. */
static void check_leaf(u32 vmid, u64 gfn, u64 desc, u64 pages)
{
	u64 pfn = (desc & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (vmid == 0 && pfn != gfn) {
		fail("the VMM's map is not the identity", pfn);
		return;
	}
	for (u64 i = 0; i < pages; i++) {
		const struct s2page *p = mem_page(pfn_of(pfn + i));

		if (vmid != 0) {
			ipa_t lend_ipa;
			pa_t lend_pa;

			if (p == NULL && pfn + i == FAKE_DEV >> PAGE_SHIFT) {
				continue; /* its one device page (GICv2's GICV) */
			}
			if (mem_vm_lend(vmid, &lend_ipa, &lend_pa) &&
			    ipa_val(lend_ipa) == (gfn + i) << PAGE_SHIFT) {
				/* its lend: that VMM frame, read-only, never run */
				if (pa_val(lend_pa) != (pfn + i) << PAGE_SHIFT || p == NULL ||
				    p->owner != HV_OWNER_HOST || p->count != 1 ||
				    (desc & (S2_AP_RW | PTE_XN)) != (S2_AP_RO | PTE_XN)) {
					fail("a VM's lend is not the VMM frame it was lent, read-only",
					     pfn + i);
				}
				continue;
			}
			if (p == NULL || p->owner != vmid || p->gfn != gfn + i) {
				fail("a VM maps a frame it does not own at that gfn",
				     pfn + i);
				return;
			}
		} else if (p == NULL) {
			if (pfn + i != FAKE_DEV >> PAGE_SHIFT) {
				fail("the VMM maps something that is neither RAM nor its device",
				     pfn + i);
			}
		} else if (p->owner == HV_OWNER_HYP) {
			fail("the VMM maps a hyp frame", pfn + i);
		} else if (p->owner != HV_OWNER_HOST &&
			   (p->count == 0 || p->count > HV_MAX_SHARE_COUNT)) {
			fail("the VMM maps a private VM frame", pfn + i);
		}
	}
}

u32 pt_leaves(const struct pgtable *pt, struct pt_leaf *out, u32 max)
{
	u32 n = 0;

	for (u64 i = 0; i < pt->root_entries; i++) {
		u64 d1 = pt->root[i];
		const u64 *l2;

		if ((d1 & PTE_VALID) == 0) {
			continue;
		}
		if ((d1 & PTE_TABLE) == 0) {
			if (n < max) {
				out[n] = (struct pt_leaf){ i << 30, d1, UINT64_C(1) << 18 };
			}
			n++;
			continue;
		}
		l2 = (const u64 *)(uintptr_t)(d1 & PTE_ADDR_MASK);
		for (u64 j = 0; j < PTES_PER_TABLE; j++) {
			const u64 *l3;

			if ((l2[j] & PTE_VALID) == 0) {
				continue;
			}
			if ((l2[j] & PTE_TABLE) == 0) {
				if (n < max) {
					out[n] = (struct pt_leaf){ (i << 30) | (j << 21), l2[j], 512 };
				}
				n++;
				continue;
			}
			l3 = (const u64 *)(uintptr_t)(l2[j] & PTE_ADDR_MASK);
			for (u64 k = 0; k < PTES_PER_TABLE; k++) {
				if ((l3[k] & PTE_VALID) != 0) {
					if (n < max) {
						out[n] = (struct pt_leaf){
							(i << 30) | (j << 21) | (k << 12), l3[k], 1
						};
					}
					n++;
				}
			}
		}
	}
	return n;
}

static struct pt_leaf leaf_buf[1U << 16];

/* Checks every leaf of the VMM's (vmid 0) or a VM's stage 2. */
static void check_vm_leaves(const struct pgtable *s2, u32 vmid)
{
	u32 n = pt_leaves(s2, leaf_buf, sizeof(leaf_buf) / sizeof(leaf_buf[0]));

	if (n > sizeof(leaf_buf) / sizeof(leaf_buf[0])) {
		fail("more leaves than the checker can hold", n);
		return;
	}
	for (u32 l = 0; l < n; l++) {
		check_leaf(vmid, leaf_buf[l].va >> PAGE_SHIFT, leaf_buf[l].desc, leaf_buf[l].pages);
	}
}

/* Whether every frame of the 2 MiB region at pfn is the VMM's own, in one
 * bank, none of them the read-only bundle: a region it maps as a block. */
static bool region_whole(u64 pfn)
{
	const struct s2page *first = mem_page(pfn_of(pfn));
	const struct s2page *last = mem_page(pfn_of(pfn + PTES_PER_TABLE - 1));

	if (first == NULL || last == NULL || last - first != PTES_PER_TABLE - 1 ||
	    ((pfn << PAGE_SHIFT) < FAKE_RO + FAKE_RO_SIZE &&
	     FAKE_RO < ((pfn + PTES_PER_TABLE) << PAGE_SHIFT))) {
		return false;
	}
	for (u32 i = 0; i < PTES_PER_TABLE; i++) {
		if (first[i].owner != HV_OWNER_HOST) {
			return false;
		}
	}
	return true;
}

/* The VMM's level-3 tables: none empty (freed with their last page), none
 * under a region that is all its own again (made a block again). */
static void check_host_tables(void)
{
	const struct pgtable *pt = mem_host_s2();

	for (u64 i = 0; i < pt->root_entries; i++) {
		const u64 *l2;

		if ((pt->root[i] & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE)) {
			continue;
		}
		l2 = (const u64 *)(uintptr_t)(pt->root[i] & PTE_ADDR_MASK);
		for (u64 j = 0; j < PTES_PER_TABLE; j++) {
			const u64 *l3 = (const u64 *)(uintptr_t)(l2[j] & PTE_ADDR_MASK);
			u64 pfn = ((i << 30) | (j << 21)) >> PAGE_SHIFT;
			bool empty = true;

			if ((l2[j] & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE)) {
				continue;
			}
			for (u64 k = 0; k < PTES_PER_TABLE && empty; k++) {
				empty = (l3[k] & PTE_VALID) == 0;
			}
			if (empty) {
				fail("an empty level-3 table in the VMM's map", pfn);
			} else if (region_whole(pfn)) {
				fail("a level-3 table of the VMM's over a region all its own", pfn);
			}
		}
	}
}

/* Counts a frame's owner and checks its record against the VM's map. */
static void check_frame(u64 pfn, u64 *per_owner)
{
	const struct s2page *p = mem_page(pfn_of(pfn));
	pa_t pa;

	if (p == NULL) {
		fail("a frame of the machine has no record", pfn);
	} else if (p->owner == HV_OWNER_HYP) {
		per_owner[HV_MAX_VMS + 1]++;
	} else if (p->owner == HV_OWNER_HOST) {
		u32 lends = 0;

		per_owner[0]++;
		for (u32 vmid = 1; vmid <= CONFIG_MAX_VMS; vmid++) {
			ipa_t ipa;

			lends += mem_vm_lend(vmid, &ipa, &pa) && pa_val(pa) == pfn << PAGE_SHIFT;
		}
		if (lends > 1 || p->count != lends) {
			fail("a VMM frame's count is not the VMs it is lent to (at most one)", pfn);
		}
	} else if (p->owner > CONFIG_MAX_VMS || mem_vm_state(p->owner) == VM_FREE) {
		fail("a frame owned by no VM in use", pfn);
	} else {
		per_owner[p->owner]++;
		if (walk(mem_vm_s2(p->owner), gfn_ipa(gfn_of(p->gfn)), &pa) &&
		    pa_val(pa) != pfn << PAGE_SHIFT) {
			fail("a VM's gfn maps another frame", pfn);
		}
	}
}

int mem_invariant_violations(void)
{
	u64 per_owner[HV_MAX_VMS + 2] = { 0 };
	u64 info[3];
	u64 vm_pages = 0;
	u64 free_pages = 0;
	ipa_t lend_ipa;
	pa_t lend_pa;

	violations = 0;
	for (u64 r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (u64 pfn = ranges[r].first; pfn < ranges[r].end; pfn++) {
			check_frame(pfn, per_owner);
		}
	}
	/* The VMM maps only its own frames, granted ones and its device. */
	check_vm_leaves(mem_host_s2(), 0);
	check_host_tables();
	/* Everything a VM maps is its own, at that gfn. */
	for (u32 vmid = 1; vmid <= CONFIG_MAX_VMS; vmid++) {
		const struct pgtable *s2 = mem_vm_s2(vmid);

		if (s2 == NULL) {
			continue;
		}
		check_vm_leaves(s2, vmid);
		if (mem_vm_lend(vmid, &lend_ipa, &lend_pa) && !mem_vm_maps(vmid, lend_ipa)) {
			fail("a VM's lend is not in its map", vmid);
		}
		if (mem_info(vmid, info) != HV_OK || info[0] != per_owner[vmid]) {
			fail("a VM's frame count", vmid);
		}
		vm_pages += info[1];
	}
	if (mem_info(HV_OWNER_HOST, info) != HV_OK || info[0] != per_owner[0]) {
		fail("the VMM's frame count", 0);
	}
	free_pages = info[2];
	vm_pages += info[1];
	if (mem_info(HV_OWNER_HYP, info) != HV_OK ||
	    info[0] != per_owner[HV_MAX_VMS + 1]) {
		fail("the hyp's frame count", 0);
	}
	if (vm_pages + free_pages != fake_pool_pages()) {
		fail("table pages do not balance", vm_pages + free_pages);
	}
	return violations;
}
