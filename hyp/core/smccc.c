/*
 * SMCCC architecture calls and TRNG for guests and the VMM. See
 * hyp/smccc.h. Guests learn the truth about the CPUs they run on, as the
 * hyp found it at boot: a vCPU may run on any CPU, so the answer is the
 * worst over all of them (as KVM answers). The workaround calls
 * themselves do nothing here: their work (the firmware call, the branch
 * history sequence) already ran on the way into EL2 (entry.S).
 *
 * Which CPUs need what comes from the lists of Linux's
 * arch/arm64/kernel/proton-pack.c (v6.x), so that a Linux guest and the
 * hyp agree: Spectre-v2 safe list, Spectre-v4 safe list, Spectre-BHB safe
 * list and branchy-loop iteration counts.
 */
#include <hyp/arch.h>
#include <hyp/hvc.h>
#include <hyp/rng.h>
#include <hyp/smccc.h>
#include <lib/lib.h>

/* MIDR_EL1: implementer [31:24], part number [15:4] (D23.2.103). */
#define CPU(imp, part) (((u32)(imp) << 12) | (u32)(part))
#define ARM 0x41
#define BRCM 0x42
#define HISI 0x48
#define QCOM 0x51
#define AMPERE 0xc0

/* ID register fields (D23.2.x). */
#define PFR0_CSV2_SHIFT 56
#define PFR1_SSBS_SHIFT 4
#define MMFR1_ECBHB_SHIFT 60
#define ISAR2_CLRBHB_SHIFT 28
#define FIELD(reg, shift) ((u32)((reg) >> (shift)) & 0xfU)

static const u32 v2_safe[] = {
	CPU(ARM, 0xd04),  /* Cortex-A35 */
	CPU(ARM, 0xd03),  /* Cortex-A53 */
	CPU(ARM, 0xd05),  /* Cortex-A55 */
	CPU(BRCM, 0x100), /* Brahma-B53 */
	CPU(HISI, 0xd01), /* TSV110 */
	CPU(QCOM, 0x801), /* Kryo 2xx silver */
	CPU(QCOM, 0x803), /* Kryo 3xx silver */
	CPU(QCOM, 0x805), /* Kryo 4xx silver */
};

static const u32 v4_safe[] = {
	CPU(ARM, 0xd04), CPU(ARM, 0xd03), CPU(ARM, 0xd05),
	CPU(BRCM, 0x100), CPU(QCOM, 0x803), CPU(QCOM, 0x805),
};

static const u32 bhb_safe[] = {
	CPU(ARM, 0xd04), CPU(ARM, 0xd03), CPU(ARM, 0xd05),
	CPU(ARM, 0xd46), /* Cortex-A510 */
	CPU(ARM, 0xd80), /* Cortex-A520 */
	CPU(BRCM, 0x100), CPU(QCOM, 0x801), CPU(QCOM, 0x803), CPU(QCOM, 0x805),
};

/* Branchy-loop iterations that overwrite each CPU's branch history. */
static const struct {
	u32 cpu;
	u8 k;
} bhb_loop[] = {
	{ CPU(ARM, 0xd4e), 132 }, /* Cortex-X3 */
	{ CPU(ARM, 0xd4f), 132 }, /* Neoverse-V2 */
	{ CPU(ARM, 0xd4d), 38 },  /* Cortex-A715 */
	{ CPU(ARM, 0xd81), 38 },  /* Cortex-A720 */
	{ CPU(ARM, 0xd41), 32 },  /* Cortex-A78 */
	{ CPU(ARM, 0xd42), 32 },  /* Cortex-A78AE */
	{ CPU(ARM, 0xd4b), 32 },  /* Cortex-A78C */
	{ CPU(ARM, 0xd44), 32 },  /* Cortex-X1 */
	{ CPU(ARM, 0xd47), 32 },  /* Cortex-A710 */
	{ CPU(ARM, 0xd48), 32 },  /* Cortex-X2 */
	{ CPU(ARM, 0xd49), 32 },  /* Neoverse-N2 */
	{ CPU(ARM, 0xd40), 32 },  /* Neoverse-V1 */
	{ CPU(ARM, 0xd0b), 24 },  /* Cortex-A76 */
	{ CPU(ARM, 0xd0e), 24 },  /* Cortex-A76AE */
	{ CPU(ARM, 0xd0d), 24 },  /* Cortex-A77 */
	{ CPU(ARM, 0xd0c), 24 },  /* Neoverse-N1 */
	{ CPU(QCOM, 0x804), 24 }, /* Kryo 4xx gold */
	{ CPU(AMPERE, 0xac3), 11 }, /* AmpereOne */
	{ CPU(ARM, 0xd08), 8 },   /* Cortex-A72 */
	{ CPU(ARM, 0xd07), 8 },   /* Cortex-A57 */
};

static spinlock_t state_lock;
static struct smccc_cpu sys_state;
static u32 cpus_seen;

static u32 model(u64 midr)
{
	return (u32)((midr >> 24) & 0xff) << 12 | (u32)((midr >> 4) & 0xfff);
}

static bool listed(const u32 *list, u32 n, u32 cpu)
{
	for (u32 i = 0; i < n; i++) {
		if (list[i] == cpu) {
			return true;
		}
	}
	return false;
}

static u8 loop_k(u32 cpu)
{
	for (u32 i = 0; i < ARRAY_SIZE(bhb_loop); i++) {
		if (bhb_loop[i].cpu == cpu) {
			return bhb_loop[i].k;
		}
	}
	return 0;
}

void smccc_classify(const struct cpu_ids *id, const struct fw_answers *fw,
		    struct smccc_cpu *out, u32 *entry)
{
	u32 cpu = model(id->midr);
	u32 csv2 = FIELD(id->pfr0, PFR0_CSV2_SHIFT);
	u8 k = loop_k(cpu);

	*entry = 0;
	memset(out, 0, sizeof(*out));
	if (csv2 != 0 || listed(v2_safe, ARRAY_SIZE(v2_safe), cpu) ||
	    fw->wa1 == SMCCC_WA_UNAFFECTED) {
		out->v2 = SPECTRE_UNAFFECTED;
	} else if (fw->wa1 == SMCCC_RET_SUCCESS) {
		out->v2 = SPECTRE_MITIGATED;
		*entry |= SPECTRE_ENTRY_FW_WA1;
	} else {
		out->v2 = SPECTRE_VULNERABLE;
	}

	if (csv2 >= 3 || listed(bhb_safe, ARRAY_SIZE(bhb_safe), cpu)) {
		out->bhb = SPECTRE_UNAFFECTED;
	} else if (FIELD(id->mmfr1, MMFR1_ECBHB_SHIFT) != 0) {
		out->bhb = SPECTRE_MITIGATED; /* an exception clears it */
	} else if (FIELD(id->isar2, ISAR2_CLRBHB_SHIFT) != 0) {
		out->bhb = SPECTRE_MITIGATED;
		*entry |= SPECTRE_ENTRY_CLRBHB;
	} else if (k != 0) {
		out->bhb = SPECTRE_MITIGATED;
		*entry |= SPECTRE_ENTRY_LOOP | ((u32)k << SPECTRE_ENTRY_LOOP_K_SHIFT);
	} else if (fw->wa3 == SMCCC_RET_SUCCESS) {
		/* WORKAROUND_3 does WORKAROUND_1's work too (DEN0028). */
		out->bhb = SPECTRE_MITIGATED;
		*entry = (*entry & ~SPECTRE_ENTRY_FW_WA1) | SPECTRE_ENTRY_FW_WA3;
	} else {
		out->bhb = SPECTRE_VULNERABLE;
	}

	if (listed(v4_safe, ARRAY_SIZE(v4_safe), cpu)) {
		out->v4 = SPECTRE_UNAFFECTED;
	} else if (FIELD(id->pfr1, PFR1_SSBS_SHIFT) != 0) {
		out->v4 = SPECTRE_MITIGATED;
		out->ssbs = true;
	} else if (fw->wa2 == SMCCC_RET_SUCCESS) {
		out->v4 = SPECTRE_MITIGATED; /* turned on for good by the caller */
	} else if (fw->wa2 == SMCCC_WA_UNAFFECTED || fw->wa2 == SMCCC_RET_NOT_REQUIRED) {
		out->v4 = SPECTRE_UNAFFECTED;
	} else {
		out->v4 = SPECTRE_VULNERABLE;
	}
}

/* Whether some CPU counts on its own SSBS for Spectre-v4 (nothing the
 * hyp switched on for good): then the guest has to use SSBS there. */
static bool v4_by_ssbs;

void smccc_cpu_online(const struct smccc_cpu *c)
{
	spin_lock(&state_lock);
	if (cpus_seen == 0) {
		sys_state = *c;
		v4_by_ssbs = c->ssbs;
	} else {
		v4_by_ssbs = v4_by_ssbs || c->ssbs;
		sys_state.v2 = MAX(sys_state.v2, c->v2);
		sys_state.v4 = MAX(sys_state.v4, c->v4);
		sys_state.bhb = MAX(sys_state.bhb, c->bhb);
		sys_state.ssbs = sys_state.ssbs && c->ssbs;
	}
	cpus_seen++;
	spin_unlock(&state_lock);
}

void smccc_reset(void)
{
	spin_lock(&state_lock);
	cpus_seen = 0;
	spin_unlock(&state_lock);
}

struct smccc_cpu smccc_system(void)
{
	struct smccc_cpu s = { SPECTRE_VULNERABLE, SPECTRE_VULNERABLE, SPECTRE_VULNERABLE,
			       false };

	spin_lock(&state_lock);
	if (cpus_seen != 0) {
		s = sys_state;
	}
	spin_unlock(&state_lock);
	return s;
}

/* ARCH_FEATURES of each workaround, from the system state. */
static s64 wa_feature(u32 fn)
{
	struct smccc_cpu s = smccc_system();

	switch (fn) {
	case SMCCC_ARCH_WORKAROUND_1:
		return s.v2 == SPECTRE_UNAFFECTED  ? SMCCC_WA_UNAFFECTED
		       : s.v2 == SPECTRE_MITIGATED ? SMCCC_RET_SUCCESS
						   : SMCCC_RET_NOT_SUPPORTED;
	case SMCCC_ARCH_WORKAROUND_2:
		/* Mitigated for good (or not needed) on every CPU: nothing
		 * for the guest to switch. A CPU that has only its SSBS
		 * leaves it to the guest (which uses SSBS only if every CPU
		 * has it): never claimed mitigated then. */
		return s.v4 == SPECTRE_VULNERABLE || v4_by_ssbs ? SMCCC_RET_NOT_SUPPORTED
								: SMCCC_RET_NOT_REQUIRED;
	case SMCCC_ARCH_WORKAROUND_3:
		/* It promises Spectre-v2's mitigation as well as BHB's. */
		if (s.bhb == SPECTRE_UNAFFECTED && s.v2 == SPECTRE_UNAFFECTED) {
			return SMCCC_WA_UNAFFECTED;
		}
		return s.bhb != SPECTRE_VULNERABLE && s.v2 != SPECTRE_VULNERABLE
			       ? SMCCC_RET_SUCCESS
			       : SMCCC_RET_NOT_SUPPORTED;
	default:
		return SMCCC_RET_NOT_SUPPORTED;
	}
}

static s64 arch_features(u64 x1)
{
	u32 fn = (u32)x1; /* an SMC32 call: W1 only, the upper half ignored */

	if (fn == SMCCC_VERSION || fn == SMCCC_ARCH_FEATURES) {
		return SMCCC_RET_SUCCESS;
	}
	return wa_feature(fn);
}

/* This hyp's TRNG service UUID (DEN0098 2.3), 1f437514-c7b2-48ff-99cb-748c9c03880f,
 * as four little-endian words of its bytes. */
static const u32 trng_uuid[4] = { 0x1475431f, 0xff48b2c7, 0x8c74cb99, 0x0f88039c };

static void set(struct trap_frame *f, s64 x0, u64 x1, u64 x2, u64 x3)
{
	f->x[0] = (u64)x0;
	f->x[1] = x1;
	f->x[2] = x2;
	f->x[3] = x3;
}

/* TRNG_RND32/64 (DEN0098 2.4, 2.5): `bits` bits of entropy in x1..x3, the
 * lowest in x3, in words of `word` bits; higher bits zero. */
static void trng_rnd(struct trap_frame *f, u64 bits, u32 word)
{
	u64 out[3] = { 0, 0, 0 };
	u64 mask = word == 64 ? ~UINT64_C(0) : (UINT64_C(1) << word) - 1;

	if (bits == 0 || bits > 3 * (u64)word) {
		set(f, TRNG_E_INVALID_PARAMETERS, 0, 0, 0);
		return;
	}
	rng_get(out, sizeof(out));
	for (u32 i = 0; i < 3; i++) {
		u64 left = bits > (u64)word * i ? bits - (u64)word * i : 0;

		out[i] &= mask;
		if (left < word) {
			out[i] &= (UINT64_C(1) << left) - 1;
		}
	}
	set(f, SMCCC_RET_SUCCESS, out[2], out[1], out[0]);
	memset(out, 0, sizeof(out));
}

static void trng_call(struct trap_frame *f, u32 fn)
{
	if (!rng_ready()) {
		set(f, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		return;
	}
	switch (fn) {
	case TRNG_VERSION:
		set(f, TRNG_VERSION_1_0, 0, 0, 0);
		break;
	case TRNG_FEATURES: {
		u32 q = (u32)f->x[1]; /* SMC32: W1 */
		bool ok = q == TRNG_VERSION || q == TRNG_FEATURES || q == TRNG_GET_UUID ||
			  q == TRNG_RND32 || q == TRNG_RND64;

		set(f, ok ? SMCCC_RET_SUCCESS : SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		break;
	}
	case TRNG_GET_UUID:
		set(f, trng_uuid[0], trng_uuid[1], trng_uuid[2], trng_uuid[3]);
		break;
	case TRNG_RND32:
		trng_rnd(f, (u32)f->x[1], 32);
		break;
	case TRNG_RND64:
		trng_rnd(f, f->x[1], 64);
		break;
	default:
		set(f, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		break;
	}
}

bool smccc_owns(u64 fn)
{
	/* The function id is W0 (DEN0028 2.5): x0's upper half is not looked at. */
	u32 id = (u32)fn;

	/* TRNG: 0x84000050..5f and 0xc4000050..5f (bit 30: SMC64). Arm
	 * Architecture calls: fast, owner 0, bits [23:16] zero. */
	return (id & ~UINT32_C(0x4000000f)) == 0x84000050U || (id & 0xbfff0000U) == 0x80000000U;
}

void smccc_call(const struct hvc_call *c)
{
	struct trap_frame *f = c->f;
	u32 id = (u32)f->x[0];
	s64 ret;

	if (!smccc_owns(f->x[0])) {
		return; /* the table sends only these ids */
	}
	if ((id & ~UINT32_C(0x4000000f)) == 0x84000050U) {
		trng_call(f, id);
		return;
	}
	switch (id) {
	case SMCCC_VERSION:
		ret = SMCCC_VERSION_1_1;
		break;
	case SMCCC_ARCH_FEATURES:
		ret = arch_features(f->x[1]);
		break;
	case SMCCC_ARCH_WORKAROUND_1:
	case SMCCC_ARCH_WORKAROUND_3:
		/* Done on the way in, if at all. */
		ret = wa_feature(id) == SMCCC_RET_NOT_SUPPORTED ? SMCCC_RET_NOT_SUPPORTED
							       : SMCCC_RET_SUCCESS;
		break;
	case SMCCC_ARCH_WORKAROUND_2:
		/* Never switched by a guest: it is on for good or absent. */
		ret = wa_feature(id);
		break;
	default:
		ret = SMCCC_RET_NOT_SUPPORTED;
		break;
	}
	/* Only x0 is a result; x1..x3 stay as the caller left them. */
	f->x[0] = (u64)ret;
}
