/*
 * The hostile VMM against the PMU and debug isolation (test builds only):
 *
 *   hostile pmu-arm    on every CPU: counter 0 counts SW_INCR from a preset
 *                      value, the cycle counter runs from another, and a
 *                      watchpoint covers 16 MiB at 0x40000000 (the test
 *                      guests' RAM), with debug on in MDSCR_EL1 (EL0 only,
 *                      so the VMM itself never hits it)
 *   hostile pmu-check  on every CPU: what is left of that, then all off
 *
 * Guests run in between (tests/hostile/test_pmu.py runs `pmu`, which has
 * a PMU of its own, and `pmu-none`). If the hyp did not switch the PMU, a
 * guest's increments would show in the VMM's counter 0 and the preset
 * values in the guest's; if it let a guest turn debug on, the VMM's
 * watchpoint would fire in it.
 */
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

#define PRESET_EVENTS UINT64_C(0x12345)
#define PRESET_CYCLES (UINT64_C(1) << 40)
#define WATCH_BASE UINT64_C(0x40000000)
/* DBGWCR<n>_EL1: E [0], PAC [2:1] (EL1 and EL0), LSC [4:3] (loads and
 * stores), BAS [12:5] (all bytes, as a mask needs), MASK [28:24]. */
#define WATCH_CTRL (1U | (3U << 1) | (3U << 3) | (0xffU << 5) | (24U << 24))
#define MDSCR_MDE (UINT64_C(1) << 15)
#define PMCR_E UINT64_C(1)

#define MRS(reg)                                              \
	({                                                    \
		u64 v_;                                       \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_)); \
		v_;                                           \
	})
#define MSR(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((u64)(v)))

static struct {
	u64 events, cycles, pmcr, cnten, typer, wvr, wcr, mdscr;
	bool done;
} seen[VMM_MAX_CPUS];

static bool arm_task(u32 cpu)
{
	(void)cpu;
	MSR(pmcr_el0, 0);
	__asm__ volatile("isb");
	MSR(pmevtyper0_el0, 0); /* SW_INCR */
	MSR(pmevcntr0_el0, PRESET_EVENTS);
	MSR(pmccfiltr_el0, 0); /* EL0 and EL1 */
	MSR(pmccntr_el0, PRESET_CYCLES);
	MSR(pmcntenset_el0, (UINT64_C(1) << 31) | 1);
	MSR(pmcr_el0, PMCR_E);
	MSR(oslar_el1, 0); /* the OS lock off: debug exceptions possible */
	MSR(dbgwvr0_el1, WATCH_BASE);
	MSR(dbgwcr0_el1, WATCH_CTRL);
	MSR(mdscr_el1, MDSCR_MDE);
	__asm__ volatile("isb");
	return true;
}

static bool check_task(u32 cpu)
{
	u32 c = cpu % VMM_MAX_CPUS;

	seen[c].events = MRS(pmevcntr0_el0);
	seen[c].cycles = MRS(pmccntr_el0);
	seen[c].pmcr = MRS(pmcr_el0);
	seen[c].cnten = MRS(pmcntenset_el0);
	seen[c].typer = MRS(pmevtyper0_el0);
	seen[c].wvr = MRS(dbgwvr0_el1);
	seen[c].wcr = MRS(dbgwcr0_el1);
	seen[c].mdscr = MRS(mdscr_el1);
	MSR(pmcr_el0, 0);
	MSR(pmcntenclr_el0, (UINT64_C(1) << 31) | 1);
	MSR(dbgwcr0_el1, 0);
	MSR(mdscr_el1, 0);
	__asm__ volatile("isb");
	seen[c].done = true;
	return true;
}

void hostile_pmu_arm(void)
{
	(void)vmm_start_cpus(); /* the worker CPUs, which run the guests */
	hostile_everywhere(arm_task);
	con_printf("hostile pmu-arm: %u CPUs count SW_INCR from 0x%lx and cycles from 0x%lx, "
		   "and watch 0x%lx-0x%lx\n",
		   vmm_cpus_running, (unsigned long)PRESET_EVENTS, (unsigned long)PRESET_CYCLES,
		   (unsigned long)WATCH_BASE, (unsigned long)(WATCH_BASE + (UINT64_C(1) << 24) - 1));
}

void hostile_pmu_check(void)
{
	memset(seen, 0, sizeof(seen));
	hostile_everywhere(check_task);
	for (u32 c = 0; c < vmm_cpus_running && c < VMM_MAX_CPUS; c++) {
		con_printf("hostile pmu-check: cpu %u events 0x%lx (set 0x%lx) cycles %s "
			   "pmcr.E %u enabled 0x%lx type %lu watch 0x%lx/0x%lx mdscr 0x%lx\n",
			   c, (unsigned long)seen[c].events, (unsigned long)PRESET_EVENTS,
			   seen[c].cycles >= PRESET_CYCLES ? "kept" : "lost",
			   (u32)(seen[c].pmcr & PMCR_E), (unsigned long)seen[c].cnten,
			   (unsigned long)seen[c].typer, (unsigned long)seen[c].wvr,
			   (unsigned long)seen[c].wcr, (unsigned long)seen[c].mdscr);
	}
}

#endif /* CONFIG_TEST_HOOKS */
