/*
 * VMSAv8-64 translation tables with the 4 KiB granule (Arm ARM D8), used for
 * stage-2 maps (IPA to physical address) and for the stage-1 maps of the
 * hyp at EL2 and the VMM at EL1, which are only ever filled (pgt_map_va).
 * Plain C over table pages taken from a fixed pool; no system register is
 * touched here, so the caller does TLB maintenance. Table pages are
 * addressed by their physical address, which the program maps at the same
 * virtual address. Errors are the ABI's HV_E_* codes: HV_E_NO_MEMORY (the
 * pool or the tree's limit is exhausted), HV_E_BUSY (a different mapping
 * is in the way), HV_E_INVALID (an address outside the table's range or
 * misaligned).
 */
#ifndef LIB_PGTABLE_H
#define LIB_PGTABLE_H

#include <abi/hv_abi.h>
#include <lib/types.h>

#define PTES_PER_TABLE 512U

/* Descriptor bits common to stage 1 and stage 2 (D8.3). */
#define PTE_VALID (UINT64_C(1) << 0)
#define PTE_TABLE (UINT64_C(1) << 1) /* table at levels 0-2, page at 3 */
#define PTE_ADDR_MASK UINT64_C(0x0000fffffffff000)
#define PTE_SH_INNER (UINT64_C(3) << 8)
#define PTE_AF (UINT64_C(1) << 10)
#define PTE_XN (UINT64_C(1) << 54)
#define PTE_ATTR_MASK (~PTE_ADDR_MASK & ~(PTE_VALID | PTE_TABLE))

/* Stage 1 at EL2: AttrIndx [4:2], AP[2] (bit 7) read-only. */
#define S1_ATTR_IDX(i) ((u64)(i) << 2)
#define S1_AP_RO (UINT64_C(1) << 7)

/* Stage 2: MemAttr [5:2] (D8.6.5), S2AP [7:6]. */
#define S2_MEMATTR_NORMAL (UINT64_C(0xf) << 2)
#define S2_MEMATTR_DEVICE (UINT64_C(0x1) << 2)
#define S2_AP_RO (UINT64_C(1) << 6)
#define S2_AP_RW (UINT64_C(3) << 6)

/**
 * A fixed pool of 4 KiB table pages. Free pages form a list linked
 * through their first word; a page is zeroed when it is taken.
 */
struct pt_pool {
	u64 (*pages)[PTES_PER_TABLE];
	u32 num;
	u32 nfree;
	u64 *free_list;
};

/** One translation table tree. */
struct pgtable {
	u64 *root;          /* root table(s), concatenated if root_entries > 512 */
	u32 root_entries;   /* entries at the start level */
	u32 start_level;    /* 0..2 */
	u32 va_bits;        /* input address size */
	u32 pages_used;     /* table pages taken from the pool (root excluded) */
	u32 pages_limit;    /* at most this many */
	struct pt_pool *pool;
};

/** Puts every page of pages[0..num) on the pool's free list. */
void pt_pool_init(struct pt_pool *pool, u64 (*pages)[PTES_PER_TABLE], u32 num);
/** Takes a zeroed page from the pool, or NULL if it is empty. */
u64 *pt_pool_alloc(struct pt_pool *pool);
/** Gives a page back to the pool. */
void pt_pool_free(struct pt_pool *pool, u64 *page);

/**
 * Sets up an empty table for `va_bits` of input address starting at
 * level 1 (va_bits 31..42 with the root concatenated as D8.2.6 allows).
 * The root comes from `root`, which must hold root_entries descriptors
 * and be aligned to its size. HV_E_INVALID for va_bits out of that range
 * or a root that is not page aligned.
 */
int pgt_init(struct pgtable *pt, struct pt_pool *pool, u64 *root,
	     u32 va_bits, u32 pages_limit) __must_check;

/** Number of root descriptors pgt_init needs for va_bits. */
u32 pgt_root_entries(u32 va_bits);

/**
 * Maps ipa → pa at `level` (3: 4 KiB page; 2: 2 MiB block; 1: 1 GiB block)
 * with the attribute bits `attrs`. Mapping the same output with the same
 * attributes again is accepted; any other valid entry in the way is
 * refused with HV_E_BUSY and nothing changes.
 */
int pgt_map(struct pgtable *pt, ipa_t ipa, pa_t pa, u32 level,
	    u64 attrs) __must_check;

/** pgt_map for a stage-1 table: the input is a virtual address. */
int pgt_map_va(struct pgtable *pt, u64 va, pa_t pa, u32 level,
	       u64 attrs) __must_check;

/**
 * Table pages pgt_map(pt, ipa, ., level, .) would take from the pool; a
 * caller checks this against pgt_pages_available before changing anything.
 */
u32 pgt_map_cost(const struct pgtable *pt, ipa_t ipa, u32 level);

/** Table pages this tree may still take (its limit and the pool's stock). */
u32 pgt_pages_available(const struct pgtable *pt);

/**
 * Table pages splitting the block around ipa down to 4 KiB pages takes (one
 * per level split); 0 if no block maps ipa.
 */
u32 pgt_unmap_cost(const struct pgtable *pt, ipa_t ipa);

/**
 * Removes the 4 KiB page at ipa. Returns 1 if a page was removed, 0 if ipa
 * was not mapped, HV_E_BUSY (nothing changed) if a block maps it: the
 * caller splits the block first (pgt_split_break). When the page was the
 * last of its level-3 table, the table is unlinked and given back to the
 * pool; in a live table the caller invalidates the TLB for ipa (walks
 * cached through the table) before anything takes a page from the pool.
 */
int pgt_unmap_page(struct pgtable *pt, ipa_t ipa) __must_check;

/**
 * Gives back the level-2 table over ipa if it maps nothing (the level-1
 * entry cleared); returns whether it did. As for pgt_unmap_page, in a live
 * table the caller invalidates the TLB for ipa before anything takes a
 * page from the pool.
 */
bool pgt_prune(struct pgtable *pt, ipa_t ipa);

/**
 * One entry of a live table being replaced with break-before-make (Arm ARM
 * D8.16.1): pgt_*_break wrote it invalid; the caller invalidates the TLB
 * entries of [ipa, ipa + the level's size) for the tree, then pgt_bbm_make
 * writes the new entry.
 */
struct pgt_bbm {
	u64 *slot;       /* the entry, invalid until pgt_bbm_make */
	u64 desc;        /* what pgt_bbm_make writes there */
	u64 *old_table;  /* a table pgt_bbm_make frees (merge), or NULL */
	ipa_t ipa;       /* first address the entry translates */
	u32 level;       /* the entry's level */
};

/**
 * Starts splitting the block that maps ipa into a table of the next level
 * with the same outputs and attributes: takes and fills the table page,
 * then writes the block's entry invalid. Returns 1 with *b filled, 0 if no
 * block maps ipa, HV_E_NO_MEMORY (nothing changed) if no page can be
 * taken. A block above level 2 needs one split per level.
 */
int pgt_split_break(struct pgtable *pt, ipa_t ipa, struct pgt_bbm *b) __must_check;

/**
 * Starts replacing the level-3 table under the level-2 entry of ipa by a
 * 2 MiB block ipa -> pa with `attrs`: writes the table entry invalid.
 * Returns 1 with *b filled (pgt_bbm_make writes the block and frees the
 * table), 0 if there is no level-3 table there, HV_E_INVALID if ipa or pa
 * is not 2 MiB aligned. The caller knows the block maps what the table
 * did, or may.
 */
int pgt_merge_break(struct pgtable *pt, ipa_t ipa, pa_t pa, u64 attrs,
		    struct pgt_bbm *b) __must_check;

/** Ends a break-before-make: writes the new entry (see struct pgt_bbm). */
void pgt_bbm_make(struct pgtable *pt, const struct pgt_bbm *b);

/** Removes whatever leaf (page or block) maps ipa, if any. */
void pgt_unmap_leaf(struct pgtable *pt, ipa_t ipa);

/** Gives every table page below the root back to the pool; empties the map. */
void pgt_destroy(struct pgtable *pt);

/**
 * How many 4 KiB pages of [ipa, ipa + the size of `level`) map the page of
 * pa at the same offset (level 2 or 3, ipa and pa aligned to it): 0 up to
 * all of them, or HV_E_BUSY if any maps something else. One walk: a leaf
 * covering the range answers for all its pages, a level-3 table below a
 * level-2 range is read entry by entry.
 */
int pgt_mapped_pages(const struct pgtable *pt, ipa_t ipa, pa_t pa, u32 level);

/**
 * Translates ipa. Returns true with the output address, the attributes and
 * the level of the leaf if it is mapped.
 */
bool pgt_walk(const struct pgtable *pt, ipa_t ipa, pa_t *pa, u64 *attrs,
	      u32 *level);

#endif /* LIB_PGTABLE_H */
