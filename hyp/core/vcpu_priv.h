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
 * Makes intid (below 1020) pending for v (under vcpu_lock, which orders it
 * with a claim): posted, taken into a list register as v enters, or now by
 * the CPU that runs it (vcpu_irq.c). Returns that CPU, to send the wake SGI
 * to once the lock is dropped, or CONFIG_MAX_CPUS if it does not run.
 */
u32 vcpu_post_irq(struct vcpu *v, u32 intid);
/**
 * Ends the running vCPU's run: back to the VMM with exit record e (its
 * status is set to HV_OK; an SError the guest raised replaces the record).
 */
void vcpu_exit(struct trap_frame *f, const struct hv_exit *e);

#endif /* HYP_CORE_VCPU_PRIV_H */
