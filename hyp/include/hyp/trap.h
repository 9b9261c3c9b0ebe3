/*
 * Exceptions from lower ELs: what trap.c reads of one for its handlers,
 * and the one family of functions that makes EL1 take an exception
 * (arch/aarch64/inject.c).
 */
#ifndef HYP_TRAP_H
#define HYP_TRAP_H

#include <arm/frame.h>
#include <lib/types.h>

struct vcpu;

/**
 * Where a return to a lower EL goes (entry.S, lower_resume): every
 * register from `frame`, and this CPU's EL2 stack pointer at `sp`
 * afterwards. Returned in x0 and x1.
 */
struct trap_return {
	struct trap_frame *frame;
	u64 sp;
};

/** A synchronous exception from EL1 or EL0, as trap.c decoded it. */
struct trap_info {
	u64 esr;        /* ESR_EL2 */
	u64 ipa;        /* aborts: the faulting IPA (HPFAR_EL2), else 0 */
	u64 va;         /* aborts: the faulting VA (FAR_EL2), else 0 */
	struct vcpu *v; /* the running vCPU, NULL for the VMM */
};

/**
 * Makes the interrupted EL1 context (its registers live) take a
 * synchronous exception with syndrome esr and fault address far, as EL1
 * would have taken it itself.
 */
void arch_inject_sync(struct trap_frame *f, u64 esr, u64 far);
/** An undefined-instruction exception. */
void arch_inject_undef(struct trap_frame *f);
/** A synchronous external abort of an instruction fetch (exec) or a data access. */
void arch_inject_abort(struct trap_frame *f, bool exec, bool write, u64 far);
/**
 * The IPA of va by the running guest's own stage 1 (AT S1E1R), for a
 * stage-2 permission fault, where HPFAR_EL2 is not sure: ARCH_NO_IPA if the
 * walk fails (the guest changed its tables meanwhile: it retries).
 */
u64 arch_guest_ipa(u64 va);
#define ARCH_NO_IPA UINT64_MAX
/** Makes the VMM take a virtual SError (HCR_EL2.VSE); is one still pending? */
void arch_vmm_serror(void);
bool arch_vmm_serror_pending(void);

#endif /* HYP_TRAP_H */
