/*
 * The ownership invariants of docs/security.md, checked over the whole
 * simulated machine; shared by the unit tests and the fuzz target.
 */
#ifndef MEM_INVARIANTS_H
#define MEM_INVARIANTS_H

#include <lib/pgtable.h>

/** One leaf of a stage-2 table: input address, descriptor, 4 KiB pages. */
struct pt_leaf {
	u64 va;
	u64 desc;
	u64 pages;
};

/**
 * Lists the leaves of a table with a level-1 root (as hyp/core/mem.c
 * builds them), blocks as one entry each, into out[0..max). Returns how
 * many there are (more than max if out was too small).
 */
u32 pt_leaves(const struct pgtable *pt, struct pt_leaf *out, u32 max);

/** Checks every invariant; prints each violation and returns how many. */
int mem_invariant_violations(void);

#endif /* MEM_INVARIANTS_H */
