/*
 * Translation table walker and mapper. See hyp/pgtable.h.
 */
#include <hyp/lib.h>
#include <hyp/pgtable.h>

#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (3 - (l)))

static u64 *table_va(u64 desc)
{
	return (u64 *)(uintptr_t)(desc & PTE_ADDR_MASK);
}

u64 *pt_pool_alloc(struct pt_pool *pool)
{
	u64 *page;

	if (pool->used >= pool->num) {
		return NULL;
	}
	page = pool->pages[pool->used++];
	memset(page, 0, PAGE_SIZE);
	return page;
}

u32 pgt_root_entries(u32 va_bits)
{
	/* Level 1 resolves bits [38:30]; more bits concatenate tables. */
	return va_bits > 39 ? PTES_PER_TABLE << (va_bits - 39)
			    : 1U << (va_bits - LEVEL_SHIFT(1));
}

int pgt_init(struct pgtable *pt, struct pt_pool *pool, u64 *root, u32 va_bits)
{
	if (va_bits < 31 || va_bits > 42 || root == NULL ||
	    !IS_ALIGNED((uintptr_t)root, PAGE_SIZE)) {
		return PGT_E_RANGE;
	}
	pt->root = root;
	pt->root_entries = pgt_root_entries(va_bits);
	pt->start_level = 1;
	pt->va_bits = va_bits;
	pt->pool = pool;
	memset(root, 0, pt->root_entries * sizeof(u64));
	return 0;
}

static u32 index_at(const struct pgtable *pt, u64 va, u32 level)
{
	u64 idx = va >> LEVEL_SHIFT(level);

	return (u32)(level == pt->start_level ? idx & (pt->root_entries - 1)
					      : idx & (PTES_PER_TABLE - 1));
}

static bool is_leaf(u64 desc, u32 level)
{
	return (desc & PTE_VALID) != 0 && (level == 3 || (desc & PTE_TABLE) == 0);
}

int pgt_map(struct pgtable *pt, u64 va, paddr_t pa, u32 level, u64 attrs)
{
	u64 size = UINT64_C(1) << LEVEL_SHIFT(level);
	u64 *table = pt->root;
	u64 desc;
	u64 *slot;

	if (level < pt->start_level || level > 3 || !IS_ALIGNED(va, size) ||
	    !IS_ALIGNED(pa, size) || (va >> pt->va_bits) != 0 ||
	    (pa & ~PTE_ADDR_MASK) != 0) {
		return PGT_E_RANGE;
	}
	for (u32 l = pt->start_level; l < level; l++) {
		slot = &table[index_at(pt, va, l)];
		if ((*slot & PTE_VALID) == 0) {
			u64 *next = pt_pool_alloc(pt->pool);

			if (next == NULL) {
				return PGT_E_NOMEM;
			}
			*slot = (u64)(uintptr_t)next | PTE_TABLE | PTE_VALID;
		} else if (is_leaf(*slot, l)) {
			return PGT_E_EXISTS;
		}
		table = table_va(*slot);
	}
	slot = &table[index_at(pt, va, level)];
	desc = pa | (attrs & PTE_ATTR_MASK) | PTE_AF | PTE_VALID |
	       (level == 3 ? PTE_TABLE : 0);
	if ((*slot & PTE_VALID) != 0) {
		return *slot == desc ? 0 : PGT_E_EXISTS;
	}
	*slot = desc;
	return 0;
}

bool pgt_walk(const struct pgtable *pt, u64 va, paddr_t *pa, u64 *attrs,
	      u32 *level)
{
	const u64 *table = pt->root;

	if ((va >> pt->va_bits) != 0) {
		return false;
	}
	for (u32 l = pt->start_level; l <= 3; l++) {
		u64 desc = table[index_at(pt, va, l)];

		if ((desc & PTE_VALID) == 0) {
			return false;
		}
		if (is_leaf(desc, l)) {
			u64 mask = (UINT64_C(1) << LEVEL_SHIFT(l)) - 1;

			*pa = (desc & PTE_ADDR_MASK & ~mask) | (va & mask);
			*attrs = desc & PTE_ATTR_MASK;
			*level = l;
			return true;
		}
		table = table_va(desc);
	}
	return false;
}
