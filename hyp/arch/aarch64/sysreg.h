/*
 * System register accessors and the register fields the hyp uses. Field
 * names follow the Arm Architecture Reference Manual (DDI 0487), section
 * D23 ("AArch64 System Register Descriptions") unless noted.
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <arm/esr.h>
#include <lib/types.h>

#define DEFINE_SYSREG_RW(reg)                                                 \
	static inline u64 read_##reg(void)                                    \
	{                                                                     \
		u64 v;                                                        \
		__asm__ volatile("mrs %0, " #reg : "=r"(v));                  \
		return v;                                                     \
	}                                                                     \
	static inline void write_##reg(u64 v)                                \
	{                                                                     \
		__asm__ volatile("msr " #reg ", %0" : : "r"(v) : "memory");   \
	}

DEFINE_SYSREG_RW(currentel)
DEFINE_SYSREG_RW(mpidr_el1)
DEFINE_SYSREG_RW(midr_el1)
DEFINE_SYSREG_RW(id_aa64mmfr0_el1)
DEFINE_SYSREG_RW(id_aa64dfr0_el1)
DEFINE_SYSREG_RW(id_aa64pfr0_el1)
DEFINE_SYSREG_RW(id_aa64pfr1_el1)
DEFINE_SYSREG_RW(id_aa64mmfr1_el1)
DEFINE_SYSREG_RW(sctlr_el2)
DEFINE_SYSREG_RW(sctlr_el1)
DEFINE_SYSREG_RW(hcr_el2)
DEFINE_SYSREG_RW(vtcr_el2)
DEFINE_SYSREG_RW(vttbr_el2)
DEFINE_SYSREG_RW(cptr_el2)
DEFINE_SYSREG_RW(cnthctl_el2)
DEFINE_SYSREG_RW(cntvoff_el2)
DEFINE_SYSREG_RW(mdcr_el2)
DEFINE_SYSREG_RW(pmcr_el0)
DEFINE_SYSREG_RW(vpidr_el2)
DEFINE_SYSREG_RW(vmpidr_el2)
DEFINE_SYSREG_RW(elr_el2)
DEFINE_SYSREG_RW(spsr_el2)
DEFINE_SYSREG_RW(esr_el2)
DEFINE_SYSREG_RW(far_el2)
DEFINE_SYSREG_RW(hpfar_el2)
DEFINE_SYSREG_RW(esr_el1)
DEFINE_SYSREG_RW(far_el1)
DEFINE_SYSREG_RW(elr_el1)
DEFINE_SYSREG_RW(spsr_el1)
DEFINE_SYSREG_RW(vbar_el1)
DEFINE_SYSREG_RW(cntfrq_el0)
DEFINE_SYSREG_RW(cntpct_el0)
DEFINE_SYSREG_RW(tcr_el1)
DEFINE_SYSREG_RW(par_el1)
DEFINE_SYSREG_RW(isr_el1)
DEFINE_SYSREG_RW(pmselr_el0)
DEFINE_SYSREG_RW(pmcntenset_el0)
DEFINE_SYSREG_RW(pmcntenclr_el0)
DEFINE_SYSREG_RW(pmintenset_el1)
DEFINE_SYSREG_RW(pmintenclr_el1)
DEFINE_SYSREG_RW(pmovsset_el0)
DEFINE_SYSREG_RW(pmovsclr_el0)
DEFINE_SYSREG_RW(pmuserenr_el0)
DEFINE_SYSREG_RW(pmccfiltr_el0)
DEFINE_SYSREG_RW(pmccntr_el0)
DEFINE_SYSREG_RW(pmxevcntr_el0)
DEFINE_SYSREG_RW(pmxevtyper_el0)

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2..Aff0 [23:0] (D23.2). */
#define MPIDR_AFF_MASK UINT64_C(0xff00ffffff)

/* ID_AA64MMFR0_EL1.PARange [3:0]. */
#define ID_AA64MMFR0_PARANGE_MASK 0xfU

/* HCR_EL2 (D23.2.53). */
#define HCR_VM (UINT64_C(1) << 0)
#define HCR_SWIO (UINT64_C(1) << 1)
#define HCR_FB (UINT64_C(1) << 9)
#define HCR_BSU_IS (UINT64_C(1) << 10)
#define HCR_TSC (UINT64_C(1) << 19)
#define HCR_RW (UINT64_C(1) << 31)
#define HCR_TWI (UINT64_C(1) << 13)
#define HCR_TWE (UINT64_C(1) << 14)
#define HCR_TIDCP (UINT64_C(1) << 20)
/*
 * The VMM: stage 2 on, set/way operations upgraded, interrupts to EL2,
 * broadcast TLB and barrier upgrades, SMC trapped, EL1 in AArch64. Guests also trap WFI/WFE
 * and implementation-defined system registers.
 */
#define HCR_FMO (UINT64_C(1) << 3)
#define HCR_IMO (UINT64_C(1) << 4)
#define HCR_AMO (UINT64_C(1) << 5)
/* Physical IRQs, FIQs and SErrors are taken to EL2 in both worlds, so an
 * asynchronous abort is charged to the world that caused it. */
#define HCR_HOST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | \
		  HCR_BSU_IS | HCR_TSC | HCR_RW)
#define HCR_GUEST (HCR_HOST | HCR_TWI | HCR_TWE | HCR_TIDCP)

/* SCTLR_EL2 with HCR_EL2.E2H == 0 (D23.2.119). */
#define SCTLR_EL2_M (UINT64_C(1) << 0)
#define SCTLR_EL2_C (UINT64_C(1) << 2)
#define SCTLR_EL2_SA (UINT64_C(1) << 3)
#define SCTLR_EL2_I (UINT64_C(1) << 12)
#define SCTLR_EL2_RES1 UINT64_C(0x30c50830)

/* SCTLR_EL1 reset-like value: RES1 bits, MMU and caches off. */
#define SCTLR_EL1_RES1 UINT64_C(0x30d00800)

/* CPTR_EL2 with E2H == 0: RES1 bits; TFP (bit 10) clear leaves FP to EL1. */
#define CPTR_EL2_RES1 UINT64_C(0x33ff)
#define CPTR_EL2_TFP (UINT64_C(1) << 10)

/* CNTHCTL_EL2: EL1PCTEN, EL1PCEN let EL1 use the physical counter/timer. */
#define CNTHCTL_EL1PCTEN (UINT64_C(1) << 0)
#define CNTHCTL_EL1PCEN (UINT64_C(1) << 1)

/* MDCR_EL2.HPMN [4:0] = PMCR_EL0.N [15:11]: EL1 keeps every counter. */
#define PMCR_N_SHIFT 11
#define PMCR_N_MASK 0x1fU
/* PMCR_EL0.E [0] enables every counter EL1 owns; P [1] and C [2] reset. */
#define PMCR_E (UINT64_C(1) << 0)
#define PMCR_P (UINT64_C(1) << 1)
#define PMCR_C (UINT64_C(1) << 2)
/* PMCCFILTR_EL0.NSH [27]: the cycle counter also counts at EL2. */
#define PMCCFILTR_NSH (UINT64_C(1) << 27)

/* ID_AA64DFR0_EL1: PMUVer [11:8] (0 none, 1 PMUv3, 4 v3p1, 6 v3p5, 15
 * IMPLEMENTATION DEFINED), PMSVer [35:32] (SPE), TraceFilt [43:40];
 * ID_AA64PFR0_EL1.AMU [47:44]. */
#define ID_AA64DFR0_PMUVER_SHIFT 8
#define ID_AA64DFR0_PMUVER_IMPDEF 0xfU
#define PMUVER_V3P1 4U
#define PMUVER_V3P5 6U
#define ID_AA64DFR0_PMSVER_SHIFT 32
#define ID_AA64DFR0_TRACEFILT_SHIFT 40
#define ID_AA64PFR0_AMU_SHIFT 44

/* MDCR_EL2 (D23.2.108): PMU and debug traps. */
#define MDCR_TPMCR (UINT64_C(1) << 5)
#define MDCR_TPM (UINT64_C(1) << 6)
#define MDCR_TDE (UINT64_C(1) << 8)
#define MDCR_TDA (UINT64_C(1) << 9)
#define MDCR_TDOSA (UINT64_C(1) << 10)
#define MDCR_TDRA (UINT64_C(1) << 11)
#define MDCR_HPMD (UINT64_C(1) << 17) /* PMUv3p1: no event counting at EL2 */
#define MDCR_HCCD (UINT64_C(1) << 23) /* PMUv3p5: no cycle counting at EL2 */
/* A guest's debug registers are trapped (and read as zero); so is its PMU
 * unless its VM has one of its own. */
#define MDCR_GUEST_DEBUG (MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)
#define MDCR_GUEST_NO_PMU (MDCR_TPM | MDCR_TPMCR)

/* TCR_EL1.EPD0 [7], EPD1 [23]: no stage-1 walks from TTBR0 / TTBR1. */
#define TCR_EL1_EPD0 (UINT64_C(1) << 7)
#define TCR_EL1_EPD1 (UINT64_C(1) << 23)

/* ISR_EL1.A [8]: an SError is pending (read at EL2: the physical one). */
#define ISR_A (UINT64_C(1) << 8)

/* TCR_EL2 with E2H == 0 (D23.2.147) and VTCR_EL2 (D23.2.174). */
#define TCR_T0SZ(bits) ((u64)(64 - (bits)))
#define TCR_IRGN0_WBWA (UINT64_C(1) << 8)
#define TCR_ORGN0_WBWA (UINT64_C(1) << 10)
#define TCR_SH0_INNER (UINT64_C(3) << 12)
#define TCR_TG0_4K (UINT64_C(0) << 14)
#define TCR_PS_SHIFT 16
#define TCR_EL2_RES1 ((UINT64_C(1) << 31) | (UINT64_C(1) << 23))
#define VTCR_SL0_L1 (UINT64_C(1) << 6)
#define VTCR_RES1 (UINT64_C(1) << 31)

/* MAIR_EL2 attribute indices (D23.2.101). */
#define MAIR_IDX_NORMAL 0
#define MAIR_IDX_DEVICE 1
#define MAIR_VALUE ((UINT64_C(0xff) << (8 * MAIR_IDX_NORMAL)) | \
		    (UINT64_C(0x04) << (8 * MAIR_IDX_DEVICE)))

/* PAR_EL1 after AT: F [0] (the walk faulted), else PA [47:12]. */
#define PAR_F UINT64_C(1)
#define PAR_PA_MASK UINT64_C(0x0000fffffffff000)
/* HPFAR_EL2.FIPA [43:4] holds IPA[55:12]. */
#define HPFAR_FIPA_MASK UINT64_C(0xfffffffffff0)
#define HPFAR_FIPA_SHIFT 8

/* Barriers and hints (C6.2): each a full compiler barrier too. */
#define DEFINE_INSN(name, insn)                                               \
	static inline void name(void)                                         \
	{                                                                     \
		__asm__ volatile(insn : : : "memory");                        \
	}

DEFINE_INSN(isb, "isb")
DEFINE_INSN(dsb_sy, "dsb sy")
DEFINE_INSN(dsb_ish, "dsb ish")
DEFINE_INSN(sev, "sev")
DEFINE_INSN(wfe, "wfe")
DEFINE_INSN(wfi, "wfi")

#endif /* ARCH_SYSREG_H */
