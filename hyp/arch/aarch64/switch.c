/*
 * World switch helpers: EL1 system registers, and the EL2 controls that
 * differ between running the VMM and running a guest.
 */
#include <hyp/vcpu.h>

#include "sysreg.h"

#define SAVE(reg, field)                                                      \
	__asm__ volatile("mrs %0, " #reg : "=r"(s->field))
#define LOAD(reg, field)                                                      \
	__asm__ volatile("msr " #reg ", %0" : : "r"(s->field))

void arch_save_el1(struct el1_sysregs *s)
{
	SAVE(sctlr_el1, sctlr);
	SAVE(ttbr0_el1, ttbr0);
	SAVE(ttbr1_el1, ttbr1);
	SAVE(tcr_el1, tcr);
	SAVE(mair_el1, mair);
	SAVE(amair_el1, amair);
	SAVE(vbar_el1, vbar);
	SAVE(contextidr_el1, contextidr);
	SAVE(tpidr_el1, tpidr_el1);
	SAVE(tpidr_el0, tpidr_el0);
	SAVE(tpidrro_el0, tpidrro_el0);
	SAVE(sp_el1, sp_el1);
	SAVE(elr_el1, elr_el1);
	SAVE(spsr_el1, spsr_el1);
	SAVE(esr_el1, esr_el1);
	SAVE(far_el1, far_el1);
	SAVE(afsr0_el1, afsr0);
	SAVE(afsr1_el1, afsr1);
	SAVE(par_el1, par);
	SAVE(cpacr_el1, cpacr);
	SAVE(cntkctl_el1, cntkctl);
	SAVE(csselr_el1, csselr);
	SAVE(cntv_ctl_el0, cntv_ctl);
	SAVE(cntv_cval_el0, cntv_cval);
	SAVE(mdscr_el1, mdscr);
}

/*
 * Called with stage-1 walks off (stage1_off, by the mode switch before
 * it): TCR_EL1 comes last, once every other translation register of the
 * incoming world is in place.
 */
void arch_load_el1(const struct el1_sysregs *s)
{
	LOAD(sctlr_el1, sctlr);
	LOAD(ttbr0_el1, ttbr0);
	LOAD(ttbr1_el1, ttbr1);
	LOAD(mair_el1, mair);
	LOAD(amair_el1, amair);
	LOAD(vbar_el1, vbar);
	LOAD(contextidr_el1, contextidr);
	LOAD(tpidr_el1, tpidr_el1);
	LOAD(tpidr_el0, tpidr_el0);
	LOAD(tpidrro_el0, tpidrro_el0);
	LOAD(sp_el1, sp_el1);
	LOAD(elr_el1, elr_el1);
	LOAD(spsr_el1, spsr_el1);
	LOAD(esr_el1, esr_el1);
	LOAD(far_el1, far_el1);
	LOAD(afsr0_el1, afsr0);
	LOAD(afsr1_el1, afsr1);
	LOAD(par_el1, par);
	LOAD(cpacr_el1, cpacr);
	LOAD(cntkctl_el1, cntkctl);
	LOAD(csselr_el1, csselr);
	LOAD(cntv_ctl_el0, cntv_ctl);
	LOAD(cntv_cval_el0, cntv_cval);
	LOAD(mdscr_el1, mdscr);
	isb();
	LOAD(tcr_el1, tcr);
	isb();
}

/*
 * Turns stage-1 walks off (TCR_EL1.EPD0/EPD1) before the stage 2 changes:
 * between the VTTBR write and the incoming EL1 registers, a speculative
 * walk would use one world's stage-1 tables under the other's stage 2 and
 * leave TLB entries tagged with the wrong VMID (the order KVM keeps for
 * the same reason).
 */
static void stage1_off(void)
{
	write_tcr_el1(read_tcr_el1() | TCR_EL1_EPD0 | TCR_EL1_EPD1);
	isb();
}

/*
 * Guests: the physical timer is the hyp's and the VMM's; the counter is
 * readable; debug registers trapped, and the PMU unless the VM has its own;
 * WFI and WFE trapped unless the guest may wait on this CPU.
 */
void arch_enter_guest_mode(u64 vttbr, u64 vmpidr, bool pmu, bool wait_in_guest)
{
	stage1_off();
	write_hcr_el2(wait_in_guest ? HCR_GUEST & ~(HCR_TWI | HCR_TWE) : HCR_GUEST);
	write_cptr_el2(CPTR_EL2_RES1);
	write_mdcr_el2(arch_pmu_hpmn() | arch_pmu_mdcr_guest() | MDCR_GUEST_DEBUG |
		       (pmu ? 0 : MDCR_GUEST_NO_PMU));
	write_vmpidr_el2(vmpidr);
	write_cnthctl_el2(CNTHCTL_EL1PCTEN);
	write_vttbr_el2(vttbr);
	isb();
}

void arch_enter_host_mode(u64 vttbr, bool fp_trapped)
{
	stage1_off();
	write_hcr_el2(HCR_HOST);
	write_cptr_el2(CPTR_EL2_RES1 | (fp_trapped ? CPTR_EL2_TFP : 0));
	write_mdcr_el2(arch_pmu_hpmn());
	write_vmpidr_el2(read_mpidr_el1());
	write_cnthctl_el2(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	write_vttbr_el2(vttbr);
	isb();
}

/* CNTV_CTL_EL0 (D23.8.20): ENABLE bit 0, IMASK bit 1, ISTATUS bit 2. */
#define CNTV_ENABLE 1U
#define CNTV_IMASK 2U
#define CNTV_ISTATUS 4U

void arch_vtimer_mask(void)
{
	u64 ctl;

	__asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
	__asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(ctl | CNTV_IMASK));
	isb();
}

bool arch_vtimer_firing(void)
{
	u64 ctl;

	__asm__ volatile("isb\n\tmrs %0, cntv_ctl_el0" : "=r"(ctl));
	return (ctl & (CNTV_ENABLE | CNTV_IMASK | CNTV_ISTATUS)) ==
	       (CNTV_ENABLE | CNTV_ISTATUS);
}

/* CNTHP_CTL_EL2 / CNTHP_TVAL_EL2: the EL2 physical timer (D23.8.13). */
void arch_slice_start(u64 us)
{
	u64 ticks = read_cntfrq_el0() / 1000000 * us;

	__asm__ volatile("msr cnthp_tval_el2, %0" : : "r"(ticks));
	__asm__ volatile("msr cnthp_ctl_el2, %0\n\tisb" : : "r"((u64)CNTV_ENABLE));
}

void arch_slice_stop(void)
{
	__asm__ volatile("msr cnthp_ctl_el2, xzr\n\tisb");
}

void arch_cpu_idle(u64 us)
{
	/* The timer's interrupt (or any other) ends the WFI; with the timer
	 * off again its level output is gone before the VMM runs. */
	arch_slice_start(us);
	__asm__ volatile("dsb sy\n\twfi");
	arch_slice_stop();
}

void arch_fp_untrap(void)
{
	write_cptr_el2(CPTR_EL2_RES1);
	isb();
}

u64 arch_vtimer_deadline(void)
{
	u64 ctl;
	u64 cval;

	__asm__ volatile("isb\n\tmrs %0, cntv_ctl_el0" : "=r"(ctl));
	__asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(cval));
	if ((ctl & (CNTV_ENABLE | CNTV_IMASK)) != CNTV_ENABLE) {
		return 0;
	}
	return cval == 0 ? 1 : cval; /* CNTVOFF_EL2 is 0: virtual = physical */
}
