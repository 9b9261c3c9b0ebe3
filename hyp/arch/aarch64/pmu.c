/*
 * The performance monitors as part of a world (Arm ARM D13, "The
 * Performance Monitors Extension"). A VM created with HV_VM_PMU has a PMU
 * of its own: every counter, its configuration and the overflow flags are
 * saved and loaded with the vCPU, so neither world counts the other's
 * events. Any other guest finds the PMU trapped (MDCR_EL2.TPM) and reading
 * as zero; the VMM's counters are stopped while it runs. No PMU overflow
 * interrupt is ever enabled at the GIC (gic.c enables the timers and the
 * wake SGI only), so none is offered: the guest's PMU node has none.
 */
#include <hyp/vcpu.h>

#include "sysreg.h"

/*
 * PMEVCNTR<n>_EL0 and PMEVTYPER<n>_EL0 by number: the direct names, so a
 * switch needs no PMSELR_EL0 write and synchronisation per counter.
 */
#define PMU_EACH(X)                                                            \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)    \
	X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)      \
	X(24) X(25) X(26) X(27) X(28) X(29) X(30)

#define READ_EV(n)                                                             \
	case n:                                                                \
		__asm__ volatile("mrs %0, pmevcntr" #n "_el0" : "=r"(*cnt));   \
		__asm__ volatile("mrs %0, pmevtyper" #n "_el0" : "=r"(*type)); \
		break;
#define WRITE_EV(n)                                                            \
	case n:                                                                \
		__asm__ volatile("msr pmevcntr" #n "_el0, %0" : : "r"(cnt));   \
		__asm__ volatile("msr pmevtyper" #n "_el0, %0" : : "r"(type)); \
		break;

static void read_event(u32 n, u64 *cnt, u64 *type)
{
	switch (n) {
		PMU_EACH(READ_EV)
	default:
		break;
	}
}

static void write_event(u32 n, u64 cnt, u64 type)
{
	switch (n) {
		PMU_EACH(WRITE_EV)
	default:
		break;
	}
}

/* The PMU's version (ID_AA64DFR0_EL1.PMUVer, 0 if none usable) and its
 * event counters (PMCR_EL0.N), the same on every CPU: read once. */
static u32 pmu_version;
static u32 pmu_counters;

void arch_pmu_init(void)
{
	u32 ver = (u32)(read_id_aa64dfr0_el1() >> ID_AA64DFR0_PMUVER_SHIFT) & 0xf;

	if (ver == 0 || ver == ID_AA64DFR0_PMUVER_IMPDEF) {
		return;
	}
	pmu_counters = (u32)(read_pmcr_el0() >> PMCR_N_SHIFT) & PMCR_N_MASK;
	if (pmu_counters > PMU_MAX_COUNTERS) {
		pmu_counters = PMU_MAX_COUNTERS;
	}
	pmu_version = ver;
}

bool arch_pmu_present(void)
{
	return pmu_version != 0;
}

u64 arch_pmu_hpmn(void)
{
	return pmu_counters;
}

/*
 * While a guest runs and the hyp serves its traps, nothing counts at EL2
 * where the PMU can say so (PMUv3p1, v3p5); an older PMU (the A72's v3)
 * counts the hyp's work on a guest's own traps in that guest's counters,
 * if it asks for EL2 (docs/security.md, known gaps).
 */
u64 arch_pmu_mdcr_guest(void)
{
	return (pmu_version >= PMUVER_V3P1 ? MDCR_HPMD : 0) |
	       (pmu_version >= PMUVER_V3P5 ? MDCR_HCCD : 0);
}


/* Counter enables, interrupt enables and overflow flags: the counters'
 * bits (N event counters and the cycle counter, bit 31). */
static u64 counter_bits(void)
{
	return (UINT64_C(1) << 31) | ((UINT64_C(1) << pmu_counters) - 1);
}

void arch_pmu_save(struct pmu_state *s)
{
	u32 n = pmu_counters;

	/* Stop first: the values saved are the values loaded next time. */
	s->pmcr = read_pmcr_el0();
	write_pmcr_el0(s->pmcr & ~PMCR_E);
	isb();
	s->pmselr = read_pmselr_el0();
	s->cnten = read_pmcntenset_el0();
	s->inten = read_pmintenset_el1();
	s->ovs = read_pmovsset_el0();
	s->userenr = read_pmuserenr_el0();
	s->ccfiltr = read_pmccfiltr_el0();
	s->ccntr = read_pmccntr_el0();
	for (u32 i = 0; i < n; i++) {
		read_event(i, &s->evcntr[i], &s->evtyper[i]);
	}
}

void arch_pmu_load(const struct pmu_state *s)
{
	u64 bits = counter_bits();
	u32 n = pmu_counters;

	/* Counting starts again only with the last write, of PMCR_EL0 (its
	 * P and C bits, which reset counters, are write-only: never set). */
	for (u32 i = 0; i < n; i++) {
		write_event(i, s->evcntr[i], s->evtyper[i]);
	}
	write_pmccntr_el0(s->ccntr);
	write_pmccfiltr_el0(s->ccfiltr);
	write_pmuserenr_el0(s->userenr);
	write_pmovsclr_el0(bits & ~s->ovs);
	write_pmovsset_el0(bits & s->ovs);
	write_pmintenclr_el1(bits & ~s->inten);
	write_pmintenset_el1(bits & s->inten);
	write_pmcntenclr_el0(bits & ~s->cnten);
	write_pmcntenset_el0(bits & s->cnten);
	write_pmselr_el0(s->pmselr);
	/* The ERET into the world that owns it synchronises. */
	write_pmcr_el0(s->pmcr & ~(PMCR_P | PMCR_C));
}

void arch_pmu_stop(struct pmu_stopped *s)
{
	if (!arch_pmu_present()) {
		return;
	}
	s->pmcr = read_pmcr_el0();
	s->userenr = read_pmuserenr_el0();
	/* EL0 access off too: the guest's EL0 would otherwise find out
	 * whether the VMM lets its own EL0 at the PMU. */
	write_pmuserenr_el0(0);
	if ((s->pmcr & PMCR_E) != 0) {
		write_pmcr_el0(s->pmcr & ~(PMCR_E | PMCR_P | PMCR_C));
	}
}

void arch_pmu_restart(const struct pmu_stopped *s)
{
	if (!arch_pmu_present()) {
		return;
	}
	write_pmuserenr_el0(s->userenr);
	if ((s->pmcr & PMCR_E) != 0) {
		write_pmcr_el0(s->pmcr & ~(PMCR_P | PMCR_C));
	}
}
