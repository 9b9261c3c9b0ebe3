/*
 * What a guest's synchronous exceptions mean (hyp/vcpu.h,
 * vcpu_guest_sync): its calls (PSCI, the hyp's own, the VMM's), its stage-2
 * aborts (MMIO for the VMM, or memory not given yet), WFI, and the system
 * registers it traps on.
 */
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>
#include <hyp/vcpu.h>

#include "vcpu_priv.h"

#define SYS_OP0(esr) (((esr) >> 20) & 3)
#define SYS_OP2(esr) (((esr) >> 17) & 7)
#define SYS_OP1(esr) (((esr) >> 14) & 7)
#define SYS_CRN(esr) (((esr) >> 10) & 15)
#define SYS_CRM(esr) (((esr) >> 1) & 15)
#define SYS_READ(esr) (((esr) & 1) != 0)

/* ICC_SGI1R_EL1 is S3_0_C12_C11_5. */
static bool is_sgi1r_write(u64 esr)
{
	return SYS_OP0(esr) == 3 && SYS_OP1(esr) == 0 && SYS_CRN(esr) == 12 &&
	       SYS_CRM(esr) == 11 && SYS_OP2(esr) == 5 && !SYS_READ(esr);
}

/*
 * The PMU's registers (D13.2 list): PMCR, PMCNTEN*, PMOVS*, PMSWINC,
 * PMSELR, PMCEID*, PMCCNTR, PMXEV*, PMUSERENR (Op1 3, CRn 9, CRm 12-14),
 * PMINTEN* and PMMIR (Op1 0, CRn 9, CRm 14), PMEVCNTR<n>, PMEVTYPER<n>
 * and PMCCFILTR (Op1 3, CRn 14, CRm 8-15).
 */
static bool is_pmu(u64 esr)
{
	u64 crm = SYS_CRM(esr);

	if (SYS_OP0(esr) != 3) {
		return false;
	}
	if (SYS_CRN(esr) == 9) {
		return (SYS_OP1(esr) == 3 && crm >= 12 && crm <= 14) ||
		       (SYS_OP1(esr) == 0 && crm == 14);
	}
	return SYS_CRN(esr) == 14 && SYS_OP1(esr) == 3 && crm >= 8;
}

static bool sysreg_trap(struct vcpu *v, struct trap_frame *f, u64 esr)
{
	u32 rt = (u32)(esr >> 5) & 31;

	if (is_sgi1r_write(esr)) {
		/* GICv3 SGIs: the VMM decides the targets. */
		f->elr += 4;
		vcpu_exit(f, HV_EXIT_SGI, rt == 31 ? 0 : f->x[rt], 0, 0, 0, 0);
		return true;
	}
	/* Op0 2 is the debug space (MDCR_EL2.TDA, TDOSA, TDRA trap it all
	 * for guests): no breakpoint, watchpoint or OS lock of the VMM's is
	 * visible or settable, and MDSCR_EL1 stays 0 (debug off). */
	if (SYS_OP0(esr) == 2 || (!v->has_pmu && is_pmu(esr))) {
		if (SYS_READ(esr) && rt != 31) {
			f->x[rt] = 0;
		}
		f->elr += 4;
		return true;
	}
	return false;
}

static void guest_hvc(struct vcpu *v, struct trap_frame *f, bool smc)
{
	u64 fn = f->x[0];

	if (psci_call(v, f, smc) || smccc_call(f)) {
		return; /* the hyp's: the VMM is at most told */
	}
	if (!smc && fn == HV_FN_VERSION) {
		hvc_version(f);
		return;
	}
	if (!smc && (fn == HV_FN_GRANT || fn == HV_FN_REVOKE)) {
		f->x[0] = (u64)(fn == HV_FN_GRANT ? mem_grant(v->vmid, ipa_of(f->x[1]), f->x[2])
						  : mem_revoke(v->vmid, ipa_of(f->x[1]), f->x[2]));
		return;
	}
	/* Everything else is addressed to the VMM: its own devices' calls. */
	v->pending = PENDING_HVC;
	vcpu_exit(f, HV_EXIT_HVC, f->x[0], f->x[1], f->x[2], f->x[3], smc);
}

static void guest_abort(struct vcpu *v, struct trap_frame *f, u64 esr, u64 ipa,
			u64 va, bool exec)
{
	u32 size;
	u32 reg;
	u64 value = 0;

	v->fault_exec = exec;
	v->fault_write = !exec && (esr & ISS_WNR) != 0;
	v->fault_va = va;
	/*
	 * The MMIO guard: a fault in the VM's RAM (a block the VMM has not
	 * given yet) is never emulated. The VMM learns the address and the
	 * direction, never a value, and may only give memory and retry, or
	 * refuse. Likewise for accesses with no syndrome to emulate, and for
	 * any fault but a translation fault (HPFAR, the IPA, is only sure
	 * for those; nothing else is emulated anyway).
	 */
	if (exec || (esr & ISS_ISV) == 0 || (esr & ISS_S1PTW) != 0 ||
	    (esr & ISS_FSC_MASK) < FSC_TRANS_L0 || (esr & ISS_FSC_MASK) > FSC_TRANS_L3 ||
	    mem_vm_in_ram(v->vmid, ipa_of(ipa))) {
		v->pending = PENDING_RETRY;
		vcpu_exit(f, HV_EXIT_ABORT, ipa,
			  (exec ? HV_ABORT_EXEC : 0) | (v->fault_write ? HV_ABORT_WRITE : 0), 0,
			  0, 0);
		return;
	}
	size = 1U << ((esr >> ISS_SAS_SHIFT) & 3);
	reg = (u32)(esr >> ISS_SRT_SHIFT) & 31;
	if ((esr & ISS_WNR) != 0) {
		value = reg == 31 ? 0 : f->x[reg];
		if (size < 8) {
			value &= (UINT64_C(1) << (size * 8)) - 1;
		}
		v->pending = PENDING_MMIO_WRITE;
		vcpu_exit(f, HV_EXIT_MMIO, ipa, size | HV_MMIO_WRITE, value, 0, 0);
		return;
	}
	v->pending = PENDING_MMIO_READ;
	v->mmio_reg = (u8)reg;
	v->mmio_size = (u8)size;
	v->mmio_sext = (esr & ISS_SSE) != 0;
	v->mmio_sf = (esr & ISS_SF) != 0;
	vcpu_exit(f, HV_EXIT_MMIO, ipa, size, 0, 0, 0);
}

void vcpu_guest_sync(struct trap_frame *f, u64 esr, u64 ipa, u64 va)
{
	struct vcpu *v = vcpu_current();
	u32 ec = (u32)(esr >> EC_SHIFT) & 0x3f;

	switch (ec) {
	case EC_HVC64:
		guest_hvc(v, f, false);
		break;
	case EC_SMC64:
		f->elr += 4; /* a trapped SMC leaves ELR at the SMC itself */
		guest_hvc(v, f, true);
		break;
	case EC_DABT_LOW:
		guest_abort(v, f, esr, ipa, va, false);
		break;
	case EC_IABT_LOW:
		guest_abort(v, f, esr, ipa, va, true);
		break;
	case EC_WFX:
		f->elr += (esr & ESR_IL) != 0 ? 4 : 2; /* a 16-bit T32 WFI at AArch32 EL0 */
		/* An interrupt already on its way wakes the vCPU at once. */
		if (!gic_pending() && !arch_vtimer_firing() && !v->vtimer_owed) {
			vcpu_exit(f, HV_EXIT_WFI, arch_vtimer_deadline(), 0, 0, 0, 0);
		}
		break;
	case EC_SYSREG:
		if (!sysreg_trap(v, f, esr)) {
			arch_inject_undef(f); /* registers a guest does not own */
		}
		break;
	case EC_CP15_32:
	case EC_CP15_64:
	case EC_CP14_32:
	case EC_CP14_LS:
	case EC_CP14_64:
		/* An AArch32 program at the guest's EL0 reached a debug or PMU
		 * register through the traps above: to it, they do not exist. */
		arch_inject_undef(f);
		break;
	default:
		/* Nothing of a protected VM's state on the shared console:
		 * the VMM gets the syndrome in the exit record. */
		log_info("vm%u vcpu%u: unhandled exception (EC 0x%02x): vCPU stopped\n",
			 v->vmid, v->index, ec);
		v->state = VCPU_DEAD;
		vcpu_exit(f, HV_EXIT_FAULT, esr, 0, 0, 0, 0);
		break;
	}
}
