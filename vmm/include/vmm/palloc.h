/*
 * The VMM's 2 MiB block allocator over its RAM (palloc.c).
 */
#ifndef VMM_PALLOC_H
#define VMM_PALLOC_H

#include <lib/types.h>

void palloc_init(void);
/** A free 2 MiB-aligned block of VMM RAM, or 0. */
u64 palloc_block(void);
void palloc_free(u64 addr);
u32 palloc_free_blocks(void);
/** n free 2 MiB blocks at consecutive addresses (the first's address), or 0. */
u64 palloc_run(u32 n);

#endif /* VMM_PALLOC_H */
