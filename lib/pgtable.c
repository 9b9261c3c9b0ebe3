/*
 * Translation table walker and mapper. See lib/pgtable.h. Every walk is a
 * loop over at most four levels; nothing recurses. Inside, `in` is the
 * table's input address as a number: an IPA's (stage 2) or a virtual
 * address's (stage 1, pgt_map_va only).
 */
#include <lib/lib.h>
#include <lib/pgtable.h>

#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (3 - (l)))
#define LEVEL_SIZE(l) (UINT64_C(1) << LEVEL_SHIFT(l))

static u64 *table_va(u64 desc)
{
	return (u64 *)(uintptr_t)(desc & PTE_ADDR_MASK);
}

void pt_pool_init(struct pt_pool *pool, u64 (*pages)[PTES_PER_TABLE], u32 num)
{
	pool->pages = pages;
	pool->num = num;
	pool->nfree = 0;
	pool->free_list = NULL;
	for (u32 i = num; i > 0; i--) {
		pt_pool_free(pool, pages[i - 1]);
	}
}

u64 *pt_pool_alloc(struct pt_pool *pool)
{
	u64 *page = pool->free_list;

	if (page == NULL) {
		return NULL;
	}
	pool->free_list = (u64 *)(uintptr_t)page[0];
	pool->nfree--;
	memset(page, 0, PAGE_SIZE);
	return page;
}

void pt_pool_free(struct pt_pool *pool, u64 *page)
{
	page[0] = (u64)(uintptr_t)pool->free_list;
	pool->free_list = page;
	pool->nfree++;
}

static u64 *table_alloc(struct pgtable *pt)
{
	u64 *page;

	if (pt->pages_used >= pt->pages_limit) {
		return NULL;
	}
	page = pt_pool_alloc(pt->pool);
	if (page != NULL) {
		pt->pages_used++;
	}
	return page;
}

static void table_free(struct pgtable *pt, u64 *page)
{
	pt_pool_free(pt->pool, page);
	pt->pages_used--;
}

u32 pgt_pages_available(const struct pgtable *pt)
{
	u32 by_limit = pt->pages_limit - pt->pages_used;

	return MIN(by_limit, pt->pool->nfree);
}

u32 pgt_root_entries(u32 va_bits)
{
	/* Level 1 resolves bits [38:30]; more bits concatenate tables. */
	return va_bits > 39 ? PTES_PER_TABLE << (va_bits - 39)
			    : 1U << (va_bits - LEVEL_SHIFT(1));
}

int pgt_init(struct pgtable *pt, struct pt_pool *pool, u64 *root, u32 va_bits,
	     u32 pages_limit)
{
	if (va_bits < 31 || va_bits > 42 || root == NULL ||
	    !IS_ALIGNED((uintptr_t)root, PAGE_SIZE)) {
		return HV_E_INVALID;
	}
	pt->root = root;
	pt->root_entries = pgt_root_entries(va_bits);
	pt->start_level = 1;
	pt->va_bits = va_bits;
	pt->pages_used = 0;
	pt->pages_limit = pages_limit;
	pt->pool = pool;
	memset(root, 0, pt->root_entries * sizeof(u64));
	return HV_OK;
}

static u32 index_at(const struct pgtable *pt, u64 in, u32 level)
{
	u64 idx = in >> LEVEL_SHIFT(level);

	return (u32)(level == pt->start_level ? idx & (pt->root_entries - 1)
					      : idx & (PTES_PER_TABLE - 1));
}

static bool is_leaf(u64 desc, u32 level)
{
	return (desc & PTE_VALID) != 0 && (level == 3 || (desc & PTE_TABLE) == 0);
}

/* The descriptor of a leaf (page or block) at `level` mapping pa. */
static u64 leaf_desc(pa_t pa, u64 attrs, u32 level)
{
	return pa_val(pa) | (attrs & PTE_ATTR_MASK) | PTE_AF | PTE_VALID |
	       (level == 3 ? PTE_TABLE : 0);
}

static bool map_args_ok(const struct pgtable *pt, u64 in, pa_t pa, u32 level)
{
	u64 size = LEVEL_SIZE(level);

	return level >= pt->start_level && level <= 3 && IS_ALIGNED(in, size) &&
	       IS_ALIGNED(pa_val(pa), size) && (in >> pt->va_bits) == 0 &&
	       (pa_val(pa) & ~PTE_ADDR_MASK) == 0;
}

static u32 map_cost(const struct pgtable *pt, u64 in, u32 level)
{
	const u64 *table = pt->root;
	u32 l;

	if ((in >> pt->va_bits) != 0) {
		return 0;
	}
	for (l = pt->start_level; l < level && l <= 3; l++) {
		u64 desc = table[index_at(pt, in, l)];

		if ((desc & PTE_VALID) == 0 || is_leaf(desc, l)) {
			break;
		}
		table = table_va(desc);
	}
	return level > l ? level - l : 0;
}

u32 pgt_map_cost(const struct pgtable *pt, ipa_t ipa, u32 level)
{
	return map_cost(pt, ipa_val(ipa), level);
}

static int map(struct pgtable *pt, u64 in, pa_t pa, u32 level, u64 attrs)
{
	u64 *table = pt->root;
	u64 desc;
	u64 *slot;

	if (!map_args_ok(pt, in, pa, level)) {
		return HV_E_INVALID;
	}
	/* Check the whole path first: a refusal leaves no new tables. */
	for (u32 l = pt->start_level; l <= level; l++) {
		slot = &table[index_at(pt, in, l)];
		desc = *slot;
		if ((desc & PTE_VALID) == 0 && l == level) {
			*slot = leaf_desc(pa, attrs, level); /* the tables are there */
			return HV_OK;
		}
		if ((desc & PTE_VALID) == 0) {
			break;
		}
		if (l == level || is_leaf(desc, l)) {
			return desc == leaf_desc(pa, attrs, level) ? HV_OK : HV_E_BUSY;
		}
		table = table_va(desc);
	}
	if (map_cost(pt, in, level) > pgt_pages_available(pt)) {
		return HV_E_NO_MEMORY;
	}
	table = pt->root;
	for (u32 l = pt->start_level; l < level; l++) {
		slot = &table[index_at(pt, in, l)];
		if ((*slot & PTE_VALID) == 0) {
			u64 *next = table_alloc(pt);

			/* A release: a walk on another CPU that finds the new
			 * table finds it zeroed (the page may have been a table
			 * before, with entries of its own). */
			__atomic_store_n(slot, (u64)(uintptr_t)next | PTE_TABLE | PTE_VALID,
					 __ATOMIC_RELEASE);
		}
		table = table_va(*slot);
	}
	table[index_at(pt, in, level)] = leaf_desc(pa, attrs, level);
	return HV_OK;
}

int pgt_map(struct pgtable *pt, ipa_t ipa, pa_t pa, u32 level, u64 attrs)
{
	return map(pt, ipa_val(ipa), pa, level, attrs);
}

int pgt_map_va(struct pgtable *pt, u64 va, pa_t pa, u32 level, u64 attrs)
{
	return map(pt, va, pa, level, attrs);
}

/* Finds the slot of the leaf mapping `in` and the slot of the table entry
 * that points to the leaf's table (NULL at the start level); NULL if none.
 * The walk every query and change of a mapping starts with: the index mask
 * is the root's (concatenated tables) first, then a table's. */
static u64 *leaf_slot_parent(const struct pgtable *pt, u64 in, u32 *level, u64 **parent)
{
	u64 *table = pt->root;
	u64 *up = NULL;
	u64 mask = pt->root_entries - 1;

	if ((in >> pt->va_bits) != 0) {
		return NULL;
	}
	for (u32 l = pt->start_level; l <= 3; l++) {
		u64 *slot = &table[(in >> LEVEL_SHIFT(l)) & mask];
		u64 desc = *slot;

		if ((desc & PTE_VALID) == 0) {
			return NULL;
		}
		if (l == 3 || (desc & PTE_TABLE) == 0) {
			*level = l;
			*parent = up;
			return slot;
		}
		up = slot;
		table = table_va(desc);
		mask = PTES_PER_TABLE - 1;
	}
	return NULL;
}

/* Finds the slot of the leaf mapping ipa; NULL if none. */
static u64 *leaf_slot(const struct pgtable *pt, ipa_t ipa, u32 *level)
{
	u64 *parent;

	return leaf_slot_parent(pt, ipa_val(ipa), level, &parent);
}

u32 pgt_unmap_cost(const struct pgtable *pt, ipa_t ipa)
{
	u32 level;

	return leaf_slot(pt, ipa, &level) != NULL ? 3 - level : 0;
}

int pgt_split_break(struct pgtable *pt, ipa_t ipa, struct pgt_bbm *b)
{
	u32 level;
	u64 *slot = leaf_slot(pt, ipa, &level);
	u64 block;
	u64 step;
	u64 *next;

	if (slot == NULL || level == 3) {
		return 0;
	}
	next = table_alloc(pt);
	if (next == NULL) {
		return HV_E_NO_MEMORY;
	}
	block = *slot;
	step = LEVEL_SIZE(level + 1);
	for (u32 i = 0; i < PTES_PER_TABLE; i++) {
		next[i] = ((block & PTE_ADDR_MASK) + i * step) | (block & PTE_ATTR_MASK) |
			  PTE_VALID | (level + 1 == 3 ? PTE_TABLE : 0);
	}
	*slot = 0; /* break */
	*b = (struct pgt_bbm){ slot, (u64)(uintptr_t)next | PTE_TABLE | PTE_VALID, NULL,
			       ipa_of(ALIGN_DOWN(ipa_val(ipa), LEVEL_SIZE(level))), level };
	return 1;
}

int pgt_merge_break(struct pgtable *pt, ipa_t ipa, pa_t pa, u64 attrs, struct pgt_bbm *b)
{
	u64 in = ipa_val(ipa);
	u64 *table = pt->root;
	u64 *slot = NULL;

	if ((in >> pt->va_bits) != 0 || !IS_ALIGNED(in | pa_val(pa), LEVEL_SIZE(2)) ||
	    (pa_val(pa) & ~PTE_ADDR_MASK) != 0) {
		return HV_E_INVALID;
	}
	for (u32 l = pt->start_level; l <= 2; l++) {
		slot = &table[index_at(pt, in, l)];
		if ((*slot & PTE_VALID) == 0 || is_leaf(*slot, l)) {
			return 0; /* no level-3 table here */
		}
		table = table_va(*slot);
	}
	*slot = 0; /* break */
	*b = (struct pgt_bbm){ slot, leaf_desc(pa, attrs, 2), table, ipa, 2 };
	return 1;
}

void pgt_bbm_make(struct pgtable *pt, const struct pgt_bbm *b)
{
	*b->slot = b->desc;
	if (b->old_table != NULL) {
		table_free(pt, b->old_table);
	}
}

/*
 * Whether a table page holds no valid entry, `at` being one just made
 * invalid. Its two neighbours are read first: pages mostly leave a table
 * in address order, up or down, so one of them usually answers; only a
 * table about to empty is read whole (at most 512 entries either way).
 */
static bool table_empty(const u64 *table, u32 at)
{
	if (((table[(at + 1) % PTES_PER_TABLE] | table[(at - 1) % PTES_PER_TABLE]) &
	     PTE_VALID) != 0) {
		return false;
	}
	for (u32 i = 0; i < PTES_PER_TABLE; i++) {
		if ((table[i] & PTE_VALID) != 0) {
			return false;
		}
	}
	return true;
}

int pgt_unmap_page(struct pgtable *pt, ipa_t ipa)
{
	u32 level;
	u64 *parent;
	u64 *slot = leaf_slot_parent(pt, ipa_val(ipa), &level, &parent);

	if (slot == NULL) {
		return 0;
	}
	if (level != 3) {
		return HV_E_BUSY; /* a block: split it first */
	}
	*slot = 0;
	/* The last page of a level-3 table: the table goes too. */
	if (parent != NULL &&
	    table_empty(table_va(*parent), index_at(pt, ipa_val(ipa), 3))) {
		u64 *table = table_va(*parent);

		*parent = 0;
		table_free(pt, table);
	}
	return 1;
}

bool pgt_prune(struct pgtable *pt, ipa_t ipa)
{
	u64 in = ipa_val(ipa);
	u64 *slot;
	u64 *l2;

	if ((in >> pt->va_bits) != 0 || pt->start_level != 1) {
		return false;
	}
	slot = &pt->root[index_at(pt, in, 1)];
	if ((*slot & PTE_VALID) == 0 || is_leaf(*slot, 1)) {
		return false;
	}
	l2 = table_va(*slot);
	if (!table_empty(l2, index_at(pt, in, 2))) {
		return false;
	}
	*slot = 0;
	table_free(pt, l2);
	return true;
}

void pgt_unmap_leaf(struct pgtable *pt, ipa_t ipa)
{
	u32 level;
	u64 *slot = leaf_slot(pt, ipa, &level);

	if (slot != NULL) {
		*slot = 0;
	}
}

void pgt_destroy(struct pgtable *pt)
{
	/* Levels below a level-1 root: 2 and 3. */
	for (u32 i = 0; i < pt->root_entries; i++) {
		u64 d1 = pt->root[i];
		u64 *l2;

		if ((d1 & PTE_VALID) == 0 || is_leaf(d1, 1)) {
			continue;
		}
		l2 = table_va(d1);
		for (u32 j = 0; j < PTES_PER_TABLE; j++) {
			if ((l2[j] & PTE_VALID) != 0 && !is_leaf(l2[j], 2)) {
				table_free(pt, table_va(l2[j]));
			}
		}
		table_free(pt, l2);
	}
	memset(pt->root, 0, pt->root_entries * sizeof(u64));
}

int pgt_mapped_pages(const struct pgtable *pt, ipa_t ipa, pa_t pa, u32 level)
{
	u64 in = ipa_val(ipa);
	const u64 *table = pt->root;
	int n = 0;

	if ((in >> pt->va_bits) != 0 || level < 2 || level > 3 || level < pt->start_level) {
		return 0;
	}
	for (u32 l = pt->start_level; l <= level; l++) {
		u64 desc = table[index_at(pt, in, l)];
		u64 mask = LEVEL_SIZE(l) - 1;

		if ((desc & PTE_VALID) == 0) {
			return 0;
		}
		if (is_leaf(desc, l)) {
			/* It covers the range: right for every page or none. */
			return ((desc & PTE_ADDR_MASK & ~mask) | (in & mask)) == pa_val(pa)
				       ? 1 << (9 * (3 - level))
				       : HV_E_BUSY;
		}
		table = table_va(desc);
	}
	/* A level-3 table below the level-2 range: its pages one by one. */
	for (u32 i = 0; i < PTES_PER_TABLE; i++) {
		if ((table[i] & PTE_VALID) == 0) {
			continue;
		}
		if ((table[i] & PTE_ADDR_MASK) != pa_val(pa) + ((u64)i << PAGE_SHIFT)) {
			return HV_E_BUSY;
		}
		n++;
	}
	return n;
}

bool pgt_walk(const struct pgtable *pt, ipa_t ipa, pa_t *pa, u64 *attrs,
	      u32 *level)
{
	u64 *slot = leaf_slot(pt, ipa, level);
	u64 mask;

	if (slot == NULL) {
		return false;
	}
	mask = LEVEL_SIZE(*level) - 1;
	*pa = pa_of((*slot & PTE_ADDR_MASK & ~mask) | (ipa_val(ipa) & mask));
	*attrs = *slot & PTE_ATTR_MASK;
	return true;
}
