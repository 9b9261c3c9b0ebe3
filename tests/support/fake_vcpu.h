/*
 * The fake arch of the host tests of hyp/core/vcpu.c and psci.c.
 */
#ifndef FAKE_VCPU_H
#define FAKE_VCPU_H

#include <hyp/vcpu.h>
#include <lib/types.h>

#define FAKE_CPUS 4

/** The physical CPU the code under test runs on. */
extern u32 fake_cpu;
/** Wake SGIs sent (kicks, injections into a running vCPU), the last one's CPU. */
extern u32 fake_kicks;
extern u32 fake_kicked_cpu;
/** Each CPU's list registers (state in bits 63:62, INTID below, as GICv3). */
extern u64 fake_lr[FAKE_CPUS][VGIC_LRS];
/** Each CPU's underflow interrupt, asked for (gic_underflow_irq). */
extern bool fake_underflow[FAKE_CPUS];
/** The bit the fake's list registers show pending with. */
#define FAKE_LR_PENDING (UINT64_C(1) << 62)
/** The counter: 1,000 ticks a read, a tick a microsecond. */
extern u64 fake_now;
/**
 * The world-switch steps, a letter each, in order: S/L save/load EL1
 * registers, G/g guest mode (without/with a PMU), H host mode, p/P PMU
 * save/load, x/r the VMM's counters stopped/restarted.
 */
extern char fake_switch[64];
/** An SError pending for arch_serror_sync to find (it clears it). */
extern bool fake_serror;
/** Virtual SErrors given to the VMM; one of them not taken yet (VSE). */
extern u32 fake_vmm_serrors;
extern bool fake_vse;
/** Undefined-instruction injections. */
extern u32 fake_undefs;
/** The last external abort injected (at the guest's PC then), and how many. */
struct fake_abort {
	u64 elr;
	bool exec;
	bool write;
	u64 far;
	u32 count;
};
extern struct fake_abort fake_abort;
/** Each CPU's FP/SIMD registers, the loads into them, and whether the
 * VMM's accesses trap (CPTR_EL2.TFP, as host mode last set it). */
extern struct fpsimd_state fake_fp[FAKE_CPUS];
extern u32 fake_fp_loads;
extern bool fake_fp_trapped;
/** FP/SIMD accesses the hyp made while they were trapped (each would stop it). */
extern u32 fake_fp_el2_traps;
/** Whether the last guest entry let WFI/WFE wait on the CPU (untrapped). */
extern bool fake_wait_in_guest;
extern u64 fake_idle_us; /* arch_cpu_idle's microseconds, summed */

#endif /* FAKE_VCPU_H */
