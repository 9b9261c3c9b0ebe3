/*
 * What a secondary CPU reads with its MMU still off: the boot CPU's MMU
 * register values and the MPIDR of every CPU, to find its own index. The
 * boot CPU cleans it to the point of coherency before starting any CPU.
 * Offsets are mirrored by HANDOFF_* for head.S.
 */
#ifndef ARCH_HANDOFF_H
#define ARCH_HANDOFF_H

/* struct boot_handoff: what secondary CPUs read with the MMU off. */
#define HANDOFF_TTBR 0
#define HANDOFF_TCR 8
#define HANDOFF_MAIR 16
#define HANDOFF_SCTLR 24
#define HANDOFF_NUM_CPUS 32
#define HANDOFF_MPIDR 40

#ifndef __ASSEMBLER__
#include <hyp/platform.h>
#include <lib/types.h>

/** The boot CPU's hand-over to secondary CPUs. */
struct boot_handoff {
	u64 ttbr;
	u64 tcr;
	u64 mair;
	u64 sctlr;
	u32 num_cpus;
	u32 pad;
	u64 mpidr[PLAT_MAX_CPUS];
};

_Static_assert(__builtin_offsetof(struct boot_handoff, ttbr) == HANDOFF_TTBR,
	       "boot_handoff layout");
_Static_assert(__builtin_offsetof(struct boot_handoff, sctlr) == HANDOFF_SCTLR,
	       "boot_handoff layout");
_Static_assert(__builtin_offsetof(struct boot_handoff, num_cpus) ==
		       HANDOFF_NUM_CPUS,
	       "boot_handoff layout");
_Static_assert(__builtin_offsetof(struct boot_handoff, mpidr) == HANDOFF_MPIDR,
	       "boot_handoff layout");

extern struct boot_handoff boot_handoff;
#endif /* !__ASSEMBLER__ */

#endif /* ARCH_HANDOFF_H */
