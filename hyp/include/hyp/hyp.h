/*
 * Global state of the hyp (core/state.c), set once on the boot CPU before
 * any other CPU or the VMM runs, read-only afterwards but for each CPU's
 * state; and the boot's entry points and steps.
 */
#ifndef HYP_HYP_H
#define HYP_HYP_H

#include <generated/autoconf.h>
#include <hyp/platform.h>
#include <lib/types.h>

/** Where the hyp sits in physical memory. */
struct hyp_layout {
	paddr_t base;        /* load address (2 MiB aligned by booti) */
	paddr_t text_end;    /* end of code */
	paddr_t rodata_end;  /* end of read-only data */
	paddr_t end;         /* end of the image including .bss */
	struct hv_region reserved; /* [base, end) rounded out to 2 MiB */
};

extern struct platform hyp_plat;
extern struct hyp_layout hyp_layout;
/** The device tree blob the boot loader passed. */
extern struct hv_region hyp_fdt;
/** Physical address size in bits, from ID_AA64MMFR0_EL1.PARange. */
extern u32 hyp_pa_bits;
/** Number of CPUs running in the hyp or the VMM (not off, not stopped). */
extern volatile u32 hyp_cpus_online;
/** Index of a CPU asked to fault by HV_FN_TEST_FAULT, or -1. */
extern volatile s32 hyp_test_fault_cpu;

/** Per-CPU state, by index in hyp_plat.cpus. */
enum cpu_state {
	CPU_OFF = 0,     /* never started, or failed to start */
	CPU_IDLE = 1,    /* in the hyp, waiting for work */
	CPU_VMM = 2,     /* running the VMM */
	CPU_STOPPED = 3, /* halted after a fatal exception */
	CPU_STARTING = 4, /* asked to enter the VMM (HV_FN_CPU_START) */
};
extern volatile u32 hyp_cpu_state[PLAT_MAX_CPUS];

/** The build's version string, e.g. "0.1.0-12-gabcdef0". */
extern const char hyp_version[];

/** HV_FN_CPU_START: asks idle CPU `cpu` to enter the VMM at entry with x0 = arg (cpu.c). */
s64 cpu_start(u64 cpu, u64 entry, u64 arg) __must_check;
/** The start request for `cpu`, if the VMM made one (its idle loop asks). */
bool cpu_start_requested(u32 cpu, u64 *entry, u64 *arg);

/* Entry points called from head.S (boot.c) and secondary.S (cpu.c). */
void hyp_main(paddr_t fdt, paddr_t load);
void secondary_main(u32 cpu);
/** Classifies CPU `cpu` (the calling one) against Spectre and sets its entry work (cpu.c). */
void cpu_spectre_init(u32 cpu, bool boot);

/**
 * Enters EL1 at `entry` with x0 = arg, the EL1 MMU and caches off and
 * interrupts masked; never returns (cpu.S).
 */
__noreturn void arch_enter_el1(u64 entry, u64 arg);
/** Builds the EL2 identity map and turns the MMU on (boot CPU). */
void arch_mmu_init(void);
/** Writes the EL2 registers every CPU needs before running lower ELs. */
void arch_cpu_init_el2(void);
/** Physical address size of this CPU in bits (ID_AA64MMFR0_EL1.PARange). */
u32 arch_pa_bits(void);
/** Loads VTTBR_EL2/VTCR_EL2 for the VMM's stage 2 on this CPU. */
void arch_load_host_s2(u64 vttbr, u32 ipa_bits);
/** Index in hyp_plat.cpus of the calling CPU, by its MPIDR (0 if absent). */
u32 arch_own_cpu_index(void);
/** Starts the secondary CPUs and waits for each; returns how many came up. */
u32 arch_start_secondaries(void);

#endif /* HYP_HYP_H */
