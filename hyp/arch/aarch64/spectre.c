/*
 * Each CPU's exposure to Spectre-v2, -v4 and -BHB, found at boot, and the
 * work its entries from EL1/EL0 do (entry.S, `harden`). The firmware is
 * asked only by the protocol SMCCC lays down for discovery (DEN0028 7.x,
 * as Linux's psci_init_smccc does): with an SMC conduit in the device
 * tree, PSCI_VERSION >= 1.0, then PSCI_FEATURES(SMCCC_VERSION), and only
 * if that is implemented SMCCC_VERSION and ARCH_FEATURES. Firmware without
 * SMCCC 1.1 is never sent an id it may not know: QEMU's built-in PSCI
 * (virt, virtualization=on, no EL3) makes any other SMC at EL2 an
 * undefined instruction, a fatal exception for the hyp. The Pi 4's
 * armstub has no PSCI node at all (spin table), so no SMC is made there.
 */
#include <hyp/hyp.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <hyp/smccc.h>

#include "sysreg.h"

#define PSCI_VERSION_FN 0x84000000U
#define PSCI_FEATURES_FN 0x8400000aU

/** Read by entry.S: SPECTRE_ENTRY_* of each CPU, by index. */
u32 hyp_spectre_entry[PLAT_MAX_CPUS];

static bool fw_smccc_1_1;
static u32 fw_version;

static s64 fw_call(u32 fn, u64 a1)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = 0;
	register u64 x3 __asm__("x3") = 0;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (s64)(s32)x0; /* SMC32 calls: the result is W0 */
}

/* On the boot CPU: whether EL3 firmware speaks SMCCC 1.1 or later. */
static const char *probe_firmware(void)
{
	s64 v;

	if (hyp_plat.psci != PSCI_CONDUIT_SMC) {
		return "the device tree names no SMC conduit";
	}
	v = fw_call(PSCI_VERSION_FN, 0);
	if (v < 0x10000) {
		return "its PSCI is older than 1.0";
	}
	if (fw_call(PSCI_FEATURES_FN, SMCCC_VERSION) < 0) {
		return "it implements SMCCC 1.0 only (PSCI_FEATURES(SMCCC_VERSION) "
		       "NOT_SUPPORTED)";
	}
	v = fw_call(SMCCC_VERSION, 0);
	if (v < SMCCC_VERSION_1_1) {
		return "its SMCCC is older than 1.1";
	}
	fw_version = (u32)v;
	fw_smccc_1_1 = true;
	return NULL;
}

/* ID_AA64ISAR2_EL1 is S3_0_C0_C6_2; on CPUs before it, the unallocated ID
 * space reads as zero (D23.3.1). */
static u64 read_id_aa64isar2_el1(void)
{
	u64 v;

	__asm__ volatile("mrs %0, s3_0_c0_c6_2" : "=r"(v));
	return v;
}

static const char *state_name(u8 s)
{
	return s == SPECTRE_UNAFFECTED ? "not affected"
	       : s == SPECTRE_MITIGATED ? "mitigated"
					: "VULNERABLE";
}

/* Why the boot CPU found no firmware SMCCC 1.1 (NULL: it did). */
static const char *no_fw;

void arch_spectre_probe(bool boot, struct cpu_ids *id, struct fw_answers *fw)
{
	*id = (struct cpu_ids){ read_midr_el1(), read_id_aa64pfr0_el1(), read_id_aa64pfr1_el1(),
				read_id_aa64mmfr1_el1(), read_id_aa64isar2_el1() };
	*fw = (struct fw_answers){ SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_NOT_SUPPORTED,
				   SMCCC_RET_NOT_SUPPORTED };
	if (boot) {
		no_fw = probe_firmware();
	}
	if (fw_smccc_1_1) {
		/* Per CPU: the firmware answers for the CPU that asks. */
		fw->wa1 = (s32)fw_call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1);
		fw->wa2 = (s32)fw_call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2);
		fw->wa3 = (s32)fw_call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3);
	}
}

void arch_spectre_apply(u32 cpu, bool boot, const struct cpu_ids *id,
			const struct fw_answers *fw, const struct smccc_cpu *out, u32 entry)
{
	if (fw->wa2 == SMCCC_RET_SUCCESS && !out->ssbs && out->v4 == SPECTRE_MITIGATED) {
		(void)fw_call(SMCCC_ARCH_WORKAROUND_2, 1); /* on, for good */
	}
	__atomic_store_n(&hyp_spectre_entry[cpu], entry, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish\n\tisb" : : : "memory");
	if (!boot) {
		return;
	}
	if (fw_smccc_1_1) {
		log_info("cpu%u: MIDR 0x%08lx; firmware SMCCC %u.%u\n", cpu,
			 (unsigned long)id->midr, fw_version >> 16, fw_version & 0xffff);
	} else {
		log_info("cpu%u: MIDR 0x%08lx; no firmware SMCCC 1.1: %s\n", cpu,
			 (unsigned long)id->midr, no_fw);
	}
	log_info("cpu%u: Spectre-v2 %s, Spectre-BHB %s, Spectre-v4 (SSB) %s; on entry "
		 "from EL1:%s%s%s%s\n",
		 cpu, state_name(out->v2), state_name(out->bhb), state_name(out->v4),
		 (entry & SPECTRE_ENTRY_FW_WA1) != 0 ? " firmware WORKAROUND_1" : "",
		 (entry & SPECTRE_ENTRY_FW_WA3) != 0 ? " firmware WORKAROUND_3" : "",
		 (entry & SPECTRE_ENTRY_LOOP) != 0 ? " branch-history loop" : "",
		 (entry & SPECTRE_ENTRY_CLRBHB) != 0 ? " CLRBHB"
		 : entry == 0			     ? " nothing"
						     : "");
	if (out->v2 == SPECTRE_VULNERABLE) {
		log_warn("cpu%u is vulnerable to Spectre-v2: it is not on the safe list, "
			 "has no CSV2, and the firmware offers no ARCH_WORKAROUND_1 (%s); "
			 "guests are told NOT_SUPPORTED\n",
			 cpu, no_fw != NULL ? no_fw : "it answers NOT_SUPPORTED");
	}
	if (out->v4 == SPECTRE_VULNERABLE) {
		log_warn("cpu%u is vulnerable to Spectre-v4 (SSB): no SSBS and no firmware "
			 "ARCH_WORKAROUND_2\n",
			 cpu);
	}
}
