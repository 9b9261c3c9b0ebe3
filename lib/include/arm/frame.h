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

/*
 * *dst = *src in 17 load and store pairs: a world switch copies whole
 * frames, and a call to the byte-safe memcpy costs seven times as much.
 */
static inline void frame_copy(struct trap_frame *dst, const struct trap_frame *src)
{
#if defined(__aarch64__)
	u64 a;
	u64 b;

	_Static_assert(sizeof(struct trap_frame) == 17 * 16, "frame_copy's pairs");
	__asm__ volatile(".irp off, 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, "
			 "208, 224, 240, 256\n\t"
			 "ldp %0, %1, [%3, #\\off]\n\t"
			 "stp %0, %1, [%2, #\\off]\n\t"
			 ".endr"
			 : "=&r"(a), "=&r"(b)
			 : "r"(dst), "r"(src)
			 : "memory");
#else
	*dst = *src; /* the host tests' build */
#endif
}

#endif /* ARM_FRAME_H */
