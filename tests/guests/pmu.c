/*
 * pmu: what a guest sees of the performance monitors and the debug
 * registers. As `pmu` (vms/pmu.cfg: pmu = 1) it has a PMU of its own: its
 * counters start at zero whatever the VMM left in them, and count exactly
 * its own events across a thousand exits. As `pmu-none` (vms/pmu-none.cfg)
 * the PMU reads as zero and ignores writes. Either way the debug registers
 * read as zero, and turning debug on does not stick: a watchpoint the VMM
 * set (tests/hostile's `hostile pmu-arm`) never fires here.
 */
#include "lib/guest.h"

#define MDSCR_KDE (UINT64_C(1) << 13)
#define MDSCR_MDE (UINT64_C(1) << 15)
#define PMCR_E UINT64_C(1)
#define PMCR_P (UINT64_C(1) << 1)
#define PMCR_C (UINT64_C(1) << 2)
#define EXITS 1000

#define MRS(reg)                                                   \
	({                                                         \
		u64 v_;                                            \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));      \
		v_;                                                \
	})
#define MSR(reg, v) __asm__ volatile("msr " #reg ", %0\n\tisb" : : "r"((u64)(v)))

static volatile u64 scratch[512] __aligned(4096);

static void debug_checks(void)
{
	u64 wvr = MRS(dbgwvr0_el1);
	u64 wcr = MRS(dbgwcr0_el1);
	u64 bvr = MRS(dbgbvr0_el1);
	u64 mdscr;
	u64 sum = 0;

	result("debug_regs_hidden", (wvr | wcr | bvr) == 0,
	       "DBGWVR0 0x%lx DBGWCR0 0x%lx DBGBVR0 0x%lx", (unsigned long)wvr, (unsigned long)wcr,
	       (unsigned long)bvr);
	/* Debug on, for EL1 too, and debug exceptions unmasked: any
	 * watchpoint or breakpoint still armed would fire on the accesses
	 * below (all of this guest's RAM is in the VMM's watched range). */
	MSR(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	mdscr = MRS(mdscr_el1);
	__asm__ volatile("msr daifclr, #8\n\tisb");
	for (u32 round = 0; round < 64; round++) {
		for (u32 i = 0; i < 512; i++) {
			scratch[i] = i + round;
			sum += scratch[i];
		}
	}
	__asm__ volatile("msr daifset, #8\n\tisb");
	result("debug_stays_off", mdscr == 0, "MDSCR_EL1 reads 0x%lx after setting KDE|MDE",
	       (unsigned long)mdscr);
	/* An exception would have ended the guest (lib's handler fails it). */
	result("no_watchpoint", sum != 0, "64 x 4 KiB written and read, none trapped");
}

static void own_pmu(u32 n)
{
	u64 cyc0 = MRS(pmccntr_el0);
	u64 ev0 = MRS(pmevcntr0_el0);
	u64 ty0 = MRS(pmevtyper0_el0);
	u64 ev;
	u64 cyc;

	/* The VMM left its own counts and settings in these registers. */
	result("pmu_fresh", cyc0 == 0 && ev0 == 0 && ty0 == 0,
	       "PMCCNTR 0x%lx PMEVCNTR0 0x%lx PMEVTYPER0 0x%lx at start", (unsigned long)cyc0,
	       (unsigned long)ev0, (unsigned long)ty0);
	/* Counter 0 counts SW_INCR (event 0): writes to PMSWINC_EL0, which
	 * only this guest makes; each is followed by an exit to the VMM. */
	MSR(pmevtyper0_el0, 0);
	MSR(pmcntenset_el0, (UINT64_C(1) << 31) | 1);
	MSR(pmcr_el0, PMCR_E | PMCR_P | PMCR_C);
	for (u32 i = 0; i < EXITS; i++) {
		MSR(pmswinc_el0, 1);
		(void)*(volatile u32 *)GUEST_TESTDEV; /* an MMIO exit */
	}
	ev = MRS(pmevcntr0_el0);
	cyc = MRS(pmccntr_el0);
	result("pmu_own_events", ev == EXITS && cyc != 0,
	       "%u of its %u increments counted across %u exits (%u counters); cycles %lu",
	       (u32)ev, EXITS, EXITS, n, (unsigned long)cyc);
	MSR(pmcr_el0, 0);
}

static void absent_pmu(void)
{
	u64 before;
	u64 after;

	before = MRS(pmccntr_el0) | MRS(pmevcntr0_el0) | MRS(pmevtyper0_el0);
	MSR(pmevtyper0_el0, 0);
	MSR(pmcntenset_el0, (UINT64_C(1) << 31) | 1);
	MSR(pmcr_el0, PMCR_E);
	for (u32 i = 0; i < 16; i++) {
		MSR(pmswinc_el0, 1);
		(void)*(volatile u32 *)GUEST_TESTDEV;
	}
	after = MRS(pmccntr_el0) | MRS(pmevcntr0_el0) | MRS(pmcr_el0) | MRS(pmcntenset_el0);
	result("pmu_absent", before == 0 && after == 0,
	       "counters, types and controls read 0x%lx, then 0x%lx", (unsigned long)before,
	       (unsigned long)after);
}

void guest_main(void)
{
	u64 pmcr = MRS(pmcr_el0);
	u32 n = (u32)(pmcr >> 11) & 0x1f;

	printf("pmu: PMCR_EL0 0x%lx: %s\n", (unsigned long)pmcr,
	       n != 0 ? "a PMU of its own" : "no PMU");
	debug_checks();
	if (n != 0) {
		own_pmu(n);
	} else {
		absent_pmu();
	}
}
