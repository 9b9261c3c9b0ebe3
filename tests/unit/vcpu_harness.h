/*
 * The vCPU tests' harness (vcpu_harness.c): a VM on the fake machine, the
 * VMM's VCPU_RUN and a guest's traps on simulated CPUs, with the return
 * to EL1 modelled as entry.S's lower_resume makes it.
 */
#ifndef VCPU_HARNESS_H
#define VCPU_HARNESS_H

#include <arm/esr.h>
#include <arm/frame.h>
#include <lib/types.h>

#include "fake_arch.h"

#define RAM UINT64_C(0x40000000)
#define RAM_SIZE (UINT64_C(16) << 20)
#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE)
#define ENTRY (RAM + 0x100)

/* ESR_EL2 syndromes (arm/esr.h): a 64-bit load or store through register r. */
#define ESR_HVC ESR_FROM_EC(EC_HVC64)
#define ESR_DABT ESR_FROM_EC(EC_DABT_LOW)
#define ESR_WFI (ESR_FROM_EC(EC_WFX) | ESR_IL)
#define ESR_SAS_64 (UINT64_C(3) << ISS_SAS_SHIFT)
#define ESR_SRT(r) ((u64)(r) << ISS_SRT_SHIFT)
/* EC 0x18 (MSR/MRS) ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn
 * [13:10], Rt [9:5], CRm [4:1], read [0]. */
#define ESR_SYS(op0, op1, crn, crm, op2, rt, rd)                                  \
	(ESR_FROM_EC(EC_SYSREG) | ((u64)(op0) << 20) | ((u64)(op2) << 17) |       \
	 ((u64)(op1) << 14) | ((u64)(crn) << 10) | ((u64)(rt) << 5) |            \
	 ((u64)(crm) << 1) | (u64)(rd))

#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON 0xc4000003U
#define PSCI_AFFINITY_INFO 0xc4000004U
#define PSCI_SYSTEM_OFF 0x84000008U
/* A call for the VMM (no SMCCC service the hyp answers). */
#define VMM_CALL 0x12345U

/* The CPU's registers as the last return to EL1 left them (the frame a
 * guest's next exception saves), and the VMM's frame of its VCPU_RUN,
 * which stays on the EL2 stack while the guest runs. */
extern struct trap_frame vf;
extern struct trap_frame vmm_f;

/** lower_resume after the handler of the exception whose frame is from. */
void resume(struct trap_frame *from);
/** Ends a test: the vCPU on fake CPU cpu exits, kicks not taken are
 * dropped, and every VM goes. */
void finish(u32 cpu);
/** A VM with RAM_SIZE at RAM, one page given at RAM, vCPUs 0 and 1. */
u32 make_vm_flags(u64 flags);
u32 make_vm(void);
/** make_vm with vCPU 0 on at ENTRY and the VM started. */
u32 started_vm(void);
/** VCPU_RUN from the VMM on fake CPU cpu: HV_OK if the vCPU runs. */
s64 run(u32 cpu, u32 vmid, u64 vcpu_flags, u64 reply);
/** The running guest takes a synchronous exception (trap.c's handler). */
void guest_sync(u64 esr, u64 ipa, u64 va);
/** The running guest on fake CPU cpu makes an HVC. */
void guest_hvc(u32 cpu, u64 fn, u64 a1, u64 a2, u64 a3);
/** A VMM call (fn, x1..x3) on fake CPU cpu, with its own frame. */
s64 vmm_call_on(u32 cpu, u64 fn, u64 x1, u64 x2, u64 x3);
/** HV_FN_IRQ_INJECT from the VMM on fake CPU cpu. */
s64 inject_from(u32 cpu, u32 vmid, u64 vcpu, u64 intid);
/** How many of CPU cpu's list registers hold intid; *pending: how many of
 * those pending. */
u32 lrs_with(u32 cpu, u32 intid, u32 *pending);
/** CPU cpu takes the wake SGI an injection sent it. */
void take_wake(u32 cpu);
/** CPU 2 kicks CPU cpu (not 2), which takes it: its run ends. */
void kick_out(u32 cpu);

#endif /* VCPU_HARNESS_H */
