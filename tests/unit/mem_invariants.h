/*
 * The ownership invariants of docs/security.md, checked over the whole
 * simulated machine; shared by the unit tests and the fuzz target.
 */
#ifndef MEM_INVARIANTS_H
#define MEM_INVARIANTS_H

/** Checks every invariant; prints each violation and returns how many. */
int mem_invariant_violations(void);

#endif /* MEM_INVARIANTS_H */
