/*
 * Per-CPU EL2 configuration for running the VMM at EL1 under stage 2.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/vcpu.h>

#include "sysreg.h"

/*
 * Monitors this port does not switch or trap (none is on the Cortex-A72):
 * named at boot, so that nobody takes their isolation for granted.
 */
static void warn_unisolated(void)
{
	u64 dfr0 = read_id_aa64dfr0_el1();

	if (arch_cpu_index() != 0) {
		return;
	}
	if (((read_id_aa64pfr0_el1() >> ID_AA64PFR0_AMU_SHIFT) & 0xf) != 0) {
		log_warn("this CPU has activity monitors (AMU): not isolated between VMs\n");
	}
	if (((dfr0 >> ID_AA64DFR0_PMSVER_SHIFT) & 0xf) != 0) {
		log_warn("this CPU has statistical profiling (SPE): not isolated between VMs\n");
	}
	if (((dfr0 >> ID_AA64DFR0_TRACEFILT_SHIFT) & 0xf) != 0) {
		log_warn("this CPU has a trace filter (TRFCR_EL1): not isolated between VMs\n");
	}
}

void arch_cpu_init_el2(void)
{
	arch_pmu_init();
	write_hcr_el2(HCR_HOST);
	write_cptr_el2(CPTR_EL2_RES1);
	write_cnthctl_el2(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	write_cntvoff_el2(0);
	write_mdcr_el2(arch_pmu_hpmn());
	if (arch_pmu_present()) {
		/* The cycle counter also counts at EL2 (PMCCFILTR_EL0.NSH), so
		 * the VMM's benchmarks see the whole cost of a call. */
		write_pmccfiltr_el0(PMCCFILTR_NSH);
	}
	write_vpidr_el2(read_midr_el1());
	write_vmpidr_el2(read_mpidr_el1());
	isb();
	warn_unisolated();
}

/* PARange encodings (ID_AA64MMFR0_EL1.PARange, D23.2.74) by size in bits. */
static const u8 parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

void arch_load_host_s2(u64 vttbr, u32 ipa_bits)
{
	u64 ps = 0;

	for (u32 i = 0; i < ARRAY_SIZE(parange_bits); i++) {
		if (parange_bits[i] <= ipa_bits) {
			ps = i;
		}
	}
	write_vtcr_el2(VTCR_RES1 | TCR_T0SZ(ipa_bits) | VTCR_SL0_L1 |
		       TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER |
		       TCR_TG0_4K | (ps << TCR_PS_SHIFT));
	write_vttbr_el2(vttbr);
	isb();
	__asm__ volatile("tlbi vmalls12e1\n\tdsb nsh\n\tisb" : : : "memory");
}

u32 arch_pa_bits(void)
{
	u64 r = read_id_aa64mmfr0_el1() & ID_AA64MMFR0_PARANGE_MASK;

	return r < ARRAY_SIZE(parange_bits) ? parange_bits[r] : 48;
}
