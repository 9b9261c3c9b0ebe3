/*
 * What a guest's synchronous exceptions mean, one handler per exception
 * class for trap.c's table: its stage-2 aborts (MMIO for the VMM, or
 * memory not given yet), WFI, the system registers it traps on; and the
 * calls of its that the call table (hvc.c) sends here: its grants and
 * revokes, and those addressed to the VMM.
 */
#include <arm/esr.h>
#include <hyp/hvc.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/vcpu.h>

#include "vcpu_priv.h"

/* ICC_SGI1R_EL1 is S3_0_C12_C11_5. */
static bool is_sgi1r_write(u64 esr)
{
	return ISS_SYS_OP0(esr) == 3 && ISS_SYS_OP1(esr) == 0 && ISS_SYS_CRN(esr) == 12 &&
	       ISS_SYS_CRM(esr) == 11 && ISS_SYS_OP2(esr) == 5 && !ISS_SYS_READ(esr);
}

/*
 * The PMU's registers (D13.2 list): PMCR, PMCNTEN*, PMOVS*, PMSWINC,
 * PMSELR, PMCEID*, PMCCNTR, PMXEV*, PMUSERENR (Op1 3, CRn 9, CRm 12-14),
 * PMINTEN* and PMMIR (Op1 0, CRn 9, CRm 14), PMEVCNTR<n>, PMEVTYPER<n>
 * and PMCCFILTR (Op1 3, CRn 14, CRm 8-15).
 */
static bool is_pmu(u64 esr)
{
	u64 crm = ISS_SYS_CRM(esr);

	if (ISS_SYS_OP0(esr) != 3) {
		return false;
	}
	if (ISS_SYS_CRN(esr) == 9) {
		return (ISS_SYS_OP1(esr) == 3 && crm >= 12 && crm <= 14) ||
		       (ISS_SYS_OP1(esr) == 0 && crm == 14);
	}
	return ISS_SYS_CRN(esr) == 14 && ISS_SYS_OP1(esr) == 3 && crm >= 8;
}

void guest_sysreg(struct trap_frame *f, const struct trap_info *t)
{
	struct vcpu *v = t->v;
	u64 esr = t->esr;
	u32 rt = ISS_SYS_RT(esr);

	if (is_sgi1r_write(esr)) {
		/* GICv3 SGIs: posted here where the VMM allowed it. */
		f->elr += 4;
		vcpu_guest_sgi(f, v, rt == 31 ? 0 : f->x[rt]);
		return;
	}
	/* Op0 2 is the debug space (MDCR_EL2.TDA, TDOSA, TDRA trap it all
	 * for guests): no breakpoint, watchpoint or OS lock of the VMM's is
	 * visible or settable, and MDSCR_EL1 stays 0 (debug off). */
	if (ISS_SYS_OP0(esr) == 2 || (!v->has_pmu && is_pmu(esr))) {
		if (ISS_SYS_READ(esr) && rt != 31) {
			f->x[rt] = 0;
		}
		f->elr += 4;
		return;
	}
	arch_inject_undef(f); /* registers a guest does not own */
}

void guest_share(const struct hvc_call *c)
{
	struct trap_frame *f = c->f;
	u32 vmid = c->v->vmid;

	f->x[0] = (u64)(f->x[0] == HV_FN_GRANT ? mem_grant(vmid, ipa_of(f->x[1]), f->x[2])
					       : mem_revoke(vmid, ipa_of(f->x[1]), f->x[2]));
}

void guest_call_vmm(const struct hvc_call *c)
{
	struct trap_frame *f = c->f;

	c->v->pending = PENDING_HVC;
	vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_HVC,
					.hvc = { { f->x[0], f->x[1], f->x[2], f->x[3] }, c->smc } });
}

void guest_abort(struct trap_frame *f, const struct trap_info *t)
{
	struct vcpu *v = t->v;
	u64 esr = t->esr;
	u64 ipa = t->ipa;
	u64 fsc = esr & ISS_FSC_MASK;
	bool exec = ESR_EC(esr) == EC_IABT_LOW;
	u32 size;
	u32 reg;
	u64 value = 0;

	if (fsc == FSC_PERM_L3 && (esr & ISS_S1PTW) == 0 &&
	    ((ipa = arch_guest_ipa(t->va)) == ARCH_NO_IPA ||
	     (!exec && !mem_vm_lent_at(v->vmid, ipa_of(ipa))))) {
		/* A fetch from a page it may not run (a lent or device page)
		 * goes on as an abort; a store can only have hit its lent
		 * page, so the guest changed its stage 1 since or the lend
		 * ended meanwhile (the store faults again, as a translation
		 * fault). The access again. */
		return;
	}
	v->fault_exec = exec;
	v->fault_write = !exec && (esr & ISS_WNR) != 0;
	v->fault_va = t->va;
	/*
	 * The MMIO guard: a fault in the VM's RAM (a block the VMM has not
	 * given yet) is never emulated. The VMM learns the address and the
	 * direction, never a value, and may only give memory and retry, or
	 * refuse. Likewise for accesses with no syndrome to emulate, and for
	 * any fault but a translation fault or a write to the page the VMM
	 * lent it (a level-3 permission fault, its IPA from AT above).
	 */
	if (exec || (esr & ISS_ISV) == 0 || (esr & ISS_S1PTW) != 0 ||
	    ((fsc < FSC_TRANS_L0 || fsc > FSC_TRANS_L3) && fsc != FSC_PERM_L3) ||
	    mem_vm_in_ram(v->vmid, ipa_of(ipa))) {
		v->pending = PENDING_RETRY;
		vcpu_exit(f, &(struct hv_exit){
				     .reason = HV_EXIT_ABORT,
				     .abort = { ipa, (exec ? HV_ABORT_EXEC : 0) |
							     (v->fault_write ? HV_ABORT_WRITE : 0) } });
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
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_MMIO,
						.mmio = { ipa, size | HV_MMIO_WRITE, value } });
		return;
	}
	v->pending = PENDING_MMIO_READ;
	v->mmio_reg = (u8)reg;
	v->mmio_size = (u8)size;
	v->mmio_sext = (esr & ISS_SSE) != 0;
	v->mmio_sf = (esr & ISS_SF) != 0;
	vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_MMIO, .mmio = { ipa, size, 0 } });
}

void guest_wfx(struct trap_frame *f, const struct trap_info *t)
{
	f->elr += (t->esr & ESR_IL) != 0 ? 4 : 2; /* a 16-bit T32 WFI at AArch32 EL0 */
	if (ISS_WFX_WFE(t->esr)) {
		/* A WFE waits for an event (another vCPU's store or SEV), not
		 * for an interrupt: the VMM may run another vCPU meanwhile,
		 * the one the guest waits on, but must not park this one. */
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_WFI,
						.wfi.timer_deadline = HV_WAIT_EVENT });
	} else if (!vcpu_take_posted(t->v) && !gic_pending() && !arch_vtimer_firing()) {
		/* An interrupt already on its way wakes the vCPU at once:
		 * one in a list register, or injected and waiting for one. */
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_WFI,
						.wfi.timer_deadline = arch_vtimer_deadline() });
	}
}

void guest_unexpected(struct trap_frame *f, const struct trap_info *t)
{
	struct vcpu *v = t->v;

	/* Nothing of a protected VM's state on the shared console: the VMM
	 * gets the syndrome in the exit record. */
	log_info("vm%u vcpu%u: unhandled exception (EC 0x%02x): vCPU stopped\n", v->vmid,
		 v->index, ESR_EC(t->esr));
	v->state = VCPU_DEAD;
	vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_FAULT, .fault.esr = t->esr });
}

void guest_undef(struct trap_frame *f, const struct trap_info *t)
{
	/* An AArch32 program at the guest's EL0 reached a debug or PMU
	 * register through the traps above: to it, they do not exist. */
	(void)t;
	arch_inject_undef(f);
}
