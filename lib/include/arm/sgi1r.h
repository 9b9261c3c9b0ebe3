/*
 * ICC_SGI1R_EL1, the GICv3 register a guest writes to send an SGI (IHI
 * 0069 12.2.21): TargetList [15:0], Aff1 [23:16], INTID [27:24], Aff2
 * [39:32], IRM [40], RS [47:44], Aff3 [55:48]. Decoded the same way by the
 * hyp, which posts what the VMM allows, and by the VMM, which decides the
 * rest. A VM's vCPU n has MPIDR Aff0 = n and every higher affinity 0.
 */
#ifndef ARM_SGI1R_H
#define ARM_SGI1R_H

#include <lib/types.h>

#define SGI1R_INTID(v) ((u32)((v) >> 24) & 0xfU)
#define SGI1R_IRM (UINT64_C(1) << 40)
/* Aff3, RS, Aff2 and Aff1: a target list names a VM's vCPUs only with all 0. */
#define SGI1R_NOT_AFF0 \
	(UINT64_C(0xff) << 48 | UINT64_C(0xf) << 44 | UINT64_C(0xff) << 32 | UINT64_C(0xff) << 16)

/** The vCPUs among `all` (a bit each) that value v sends to from vCPU self. */
static inline u32 sgi1r_targets(u64 v, u32 self, u32 all)
{
	if ((v & SGI1R_IRM) != 0) {
		return all & ~(1U << self);
	}
	return (v & SGI1R_NOT_AFF0) != 0 ? 0 : (u32)v & all;
}

#endif /* ARM_SGI1R_H */
