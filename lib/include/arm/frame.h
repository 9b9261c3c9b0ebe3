/*
 * The register state an exception handler saves (the hyp's entry.S at EL2,
 * the VMM's vectors.S at EL1); FRAME_* in arm/asm.h give the same layout to
 * the assembly files.
 */
#ifndef ARM_FRAME_H
#define ARM_FRAME_H

#include <arm/asm.h>
#include <lib/types.h>

/** An interrupted context. */
struct trap_frame {
	u64 x[31];
	u64 sp_el0;
	u64 elr;
	u64 spsr;
};

_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "trap_frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, elr) == FRAME_ELR,
	       "trap_frame layout");

#endif /* ARM_FRAME_H */
