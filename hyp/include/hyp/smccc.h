/*
 * Firmware calls the hyp answers itself (Arm SMC Calling Convention,
 * DEN0028; True Random Number Generator firmware interface, DEN0098) for
 * guests and for the VMM, over HVC and SMC alike: the SMCCC version, the
 * architecture workarounds for Spectre-v2, -v4 and -BHB, and TRNG. The
 * answers describe the CPUs the hyp runs on and what the hyp does for
 * them; nobody below EL2 can change them. At boot each CPU is read and
 * its mitigations set by the arch port (hyp/arch/aarch64/spectre.c),
 * classified here (smccc_classify), by core/cpu.c.
 */
#ifndef HYP_SMCCC_H
#define HYP_SMCCC_H

#ifndef __ASSEMBLER__
#include <abi/hv_abi.h>
#include <hyp/hvc.h>
#include <lib/types.h>
#endif

#ifndef __ASSEMBLER__
/** How one CPU stands against one speculation issue; higher is worse. */
enum spectre_state {
	SPECTRE_UNAFFECTED = 0,
	SPECTRE_MITIGATED = 1,
	SPECTRE_VULNERABLE = 2,
};

/** What the arch port found out about one CPU at boot. */
struct smccc_cpu {
	u8 v2;   /* Spectre-v2: mitigated = firmware WORKAROUND_1 on every entry */
	u8 v4;   /* Spectre-v4 (SSB): mitigated = firmware's, on for good */
	u8 bhb;  /* Spectre-BHB: mitigated = a sequence on every entry */
	bool ssbs; /* PSTATE.SSBS exists: the guest mitigates v4 itself */
};
#endif

/* What this CPU does on every entry from EL1/EL0 (entry.S reads the
 * word hyp_spectre_entry[cpu]): the firmware's ARCH_WORKAROUND_1 or _3,
 * the branchy loop of SPECTRE_ENTRY_LOOP_K(flags) iterations, CLRBHB. */
#define SPECTRE_ENTRY_FW_WA1 (1U << 0)
#define SPECTRE_ENTRY_LOOP (1U << 1)
#define SPECTRE_ENTRY_FW_WA3 (1U << 2)
#define SPECTRE_ENTRY_CLRBHB (1U << 3)
#define SPECTRE_ENTRY_LOOP_K_SHIFT 8
#define SPECTRE_ENTRY_LOOP_K(f) (((f) >> SPECTRE_ENTRY_LOOP_K_SHIFT) & 0xffU)

#ifndef __ASSEMBLER__
/** The ID registers that decide, as read on one CPU. */
struct cpu_ids {
	u64 midr;
	u64 pfr0;  /* ID_AA64PFR0_EL1: CSV2 [59:56] */
	u64 pfr1;  /* ID_AA64PFR1_EL1: SSBS [7:4] */
	u64 mmfr1; /* ID_AA64MMFR1_EL1: ECBHB [63:60] */
	u64 isar2; /* ID_AA64ISAR2_EL1: CLRBHB [31:28] */
};

/** The firmware's ARCH_FEATURES answers (NOT_SUPPORTED without SMCCC 1.1). */
struct fw_answers {
	s32 wa1, wa2, wa3;
};

/**
 * Decides one CPU's state and what its entries from lower ELs must do
 * (SPECTRE_ENTRY_*), from the lists of Linux's proton-pack.c. With
 * fw->wa2 == 0 the caller must turn the firmware's SSB mitigation on.
 */
void smccc_classify(const struct cpu_ids *id, const struct fw_answers *fw,
		    struct smccc_cpu *out, u32 *entry);

/**
 * Whether fn (W0) is an SMCCC architecture call (0x8000xxxx/0xC000xxxx)
 * or a TRNG call (0x8400005x/0xC400005x): those smccc_call answers.
 */
bool smccc_owns(u64 fn);

/**
 * Answers a call smccc_owns in c->f (x0..x3); one of those ranges the hyp
 * does not implement answers NOT_SUPPORTED.
 */
void smccc_call(const struct hvc_call *c);

/** Records one CPU's classification (each CPU once, at boot). */
void smccc_cpu_online(const struct smccc_cpu *c);

/** Forgets every CPU's classification (host tests). */
void smccc_reset(void);

/** The system-wide state guests are told: the worst over all CPUs. */
struct smccc_cpu smccc_system(void);

/**
 * Reads the calling CPU's ID registers and the firmware's own SMCCC
 * answers for it (arch/aarch64/spectre.c). `boot` is true on the boot CPU,
 * which probes the firmware first.
 */
void arch_spectre_probe(bool boot, struct cpu_ids *id, struct fw_answers *fw);

/**
 * Sets the calling CPU's mitigations as smccc_classify decided (c,
 * entry): the firmware's SSB mitigation on for good if that is the one,
 * and its work on entry from lower ELs; the boot CPU logs them.
 */
void arch_spectre_apply(u32 cpu, bool boot, const struct cpu_ids *id,
			const struct fw_answers *fw, const struct smccc_cpu *c, u32 entry);
#endif

#endif /* HYP_SMCCC_H */
