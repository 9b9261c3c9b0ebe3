/*
 * Call dispatch (hyp/core/hvc.c): one table of handlers by call id for the
 * calls of guests and of the VMM, over HVC and SMC. The handlers other
 * files provide for it are declared here.
 */
#ifndef HYP_HVC_H
#define HYP_HVC_H

#include <arm/frame.h>
#include <lib/types.h>

struct vcpu;

/** One call being served: the caller's registers, its vCPU (NULL: the VMM), its conduit. */
struct hvc_call {
	struct trap_frame *f;
	struct vcpu *v;
	bool smc;
};

/**
 * Serves the call whose id is in f->x[0], made over HVC (or SMC if smc) by
 * the VMM (v NULL) or by the guest of the running vCPU v: results in f, or
 * for a guest's call the hyp does not answer, an exit to the VMM.
 */
void hvc_dispatch(struct trap_frame *f, struct vcpu *v, bool smc);

/** Whether fn is a PSCI function id (DEN0022 5.1: SMC32 or SMC64, upper half zero). */
bool psci_owns(u64 fn);
/** Serves a PSCI call of the running vCPU c->v (hyp/core/psci.c). */
void psci_call(const struct hvc_call *c);
/** HV_FN_GRANT and HV_FN_REVOKE of the running vCPU's VM (guest_trap.c). */
void guest_share(const struct hvc_call *c);
/** A guest's call for the VMM: an HV_EXIT_HVC exit (guest_trap.c). */
void guest_call_vmm(const struct hvc_call *c);

#endif /* HYP_HVC_H */
