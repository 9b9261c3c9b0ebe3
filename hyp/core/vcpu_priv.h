/*
 * What vcpu.c shares with psci.c (the guest's power calls) and
 * guest_trap.c (what its exceptions mean). Not an interface: only these
 * include it.
 */
#ifndef HYP_CORE_VCPU_PRIV_H
#define HYP_CORE_VCPU_PRIV_H

#include <abi/hv_abi.h>
#include <hyp/arch.h>
#include <hyp/vcpu.h>

/** Orders vCPU state changes; taken before mem_lock. */
extern spinlock_t vcpu_lock;

/** vCPU `index` of VM vmid, or NULL out of range (any state). */
struct vcpu *vcpu_lookup(u32 vmid, u64 index);
/** Resets v to its first instruction at `entry` with x0, and turns it on. */
void vcpu_reset(struct vcpu *v, u64 entry, u64 x0);
/**
 * Makes intid (below 1020) pending for v: posted, taken into a list
 * register as v enters, or now by the CPU that runs it (vcpu_irq.c).
 * Returns that CPU, to send the wake SGI to (once any lock is dropped), or
 * CONFIG_MAX_CPUS if it does not run. Ordered with a claim and a release
 * by sequentially consistent accesses on all three sides, not by a lock:
 * a guest's SGI posts without one.
 */
u32 vcpu_post_irq(struct vcpu *v, u32 intid);
/**
 * The guest of v, running here, wrote sgi1r to ICC_SGI1R_EL1 (its PC is
 * past the write): the SGI is posted to each target the VMM allowed it
 * for, and the run ends with HV_EXIT_SGI only if a target is left to the
 * VMM (vcpu_inject.c).
 */
void vcpu_guest_sgi(struct trap_frame *f, struct vcpu *v, u64 sgi1r);
/**
 * Ends the running vCPU's run: back to the VMM with exit record e (its
 * status is set to HV_OK; an SError the guest raised replaces the record).
 */
void vcpu_exit(struct trap_frame *f, const struct hv_exit *e);

#endif /* HYP_CORE_VCPU_PRIV_H */
