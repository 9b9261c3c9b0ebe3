/*
 * What vcpu.c shares with psci.c, the guest's power calls. Not an
 * interface: only these two include it.
 */
#ifndef HYP_CORE_VCPU_PRIV_H
#define HYP_CORE_VCPU_PRIV_H

#include <hyp/arch.h>
#include <hyp/vcpu.h>

/** Orders vCPU state changes; taken before mem_lock. */
extern spinlock_t vcpu_lock;

/** vCPU `index` of VM vmid, or NULL out of range (any state). */
struct vcpu *vcpu_lookup(u32 vmid, u64 index);
/** Resets v to its first instruction at `entry` with x0, and turns it on. */
void vcpu_reset(struct vcpu *v, u64 entry, u64 x0);
/** Ends the running vCPU's run: back to the VMM with this exit record. */
void vcpu_exit(struct trap_frame *f, u64 reason, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6);
/**
 * Serves a PSCI call (DEN0022) of the running vCPU v (over SMC if smc) if
 * f->x[0] is one; false if it is not a PSCI function id.
 */
bool psci_call(struct vcpu *v, struct trap_frame *f, bool smc);

#endif /* HYP_CORE_VCPU_PRIV_H */
