/*
 * What vcpu.c shares with psci.c (the guest's power calls) and
 * guest_trap.c (what its exceptions mean). Not an interface: only these
 * include it.
 */
#ifndef HYP_CORE_VCPU_PRIV_H
#define HYP_CORE_VCPU_PRIV_H

#include <hyp/arch.h>
#include <hyp/vcpu.h>

/* ESR_EL2 fields of data aborts (Arm ARM D23.2.41, ISS encoding for DABT). */
#define EC_SHIFT 26
#define ESR_IL (UINT64_C(1) << 25) /* a 32-bit instruction (else 16-bit T32) */
#define EC_WFX 0x01
/* AArch32 coprocessor accesses (from a guest's AArch32 EL0). */
#define EC_CP15_32 0x03
#define EC_CP15_64 0x04
#define EC_CP14_32 0x05
#define EC_CP14_LS 0x06
#define EC_CP14_64 0x0c
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24
#define EC_SERROR 0x2f
#define ISS_ISV (UINT64_C(1) << 24)
#define ISS_SAS_SHIFT 22
#define ISS_SSE (UINT64_C(1) << 21)
#define ISS_SRT_SHIFT 16
#define ISS_SF (UINT64_C(1) << 15)
#define ISS_S1PTW (UINT64_C(1) << 7)
#define ISS_WNR (UINT64_C(1) << 6)
/* DFSC/IFSC [5:0]: translation faults at levels 0-3 (D23.2.41). */
#define ISS_FSC_MASK UINT64_C(0x3f)
#define FSC_TRANS_L0 UINT64_C(0x04)
#define FSC_TRANS_L3 UINT64_C(0x07)

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
