/*
 * smccc: the hyp answers the SMC Calling Convention's architecture calls
 * and TRNG, over HVC and SMC alike (docs/ipc.md "Firmware calls"). The
 * workaround answers must be true of the CPU the guest reads in MIDR_EL1
 * and ID_AA64PFR0_EL1; TRNG, when the hyp has entropy, gives a fresh
 * 192 bits every call. A last call goes to the VMM on purpose: the hostile
 * group's test answers it, which shows its answering was on.
 */
#include "lib/guest.h"

/* hvc or smc (guest.h): calls by id, so that each call goes over both
 * conduits the same way; the typed wrappers use HVC only. */
typedef struct hvc_res (*call_fn)(u64 fn, u64 a1, u64 a2, u64 a3);

static u64 midr(void)
{
	u64 v;

	__asm__ volatile("mrs %0, midr_el1" : "=r"(v));
	return v;
}

static u64 pfr0(void)
{
	u64 v;

	__asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(v));
	return v;
}

/* Cortex-A72 (MIDR part 0xd08 of Arm) without CSV2: affected by Spectre-v2,
 * -v4 and -BHB; only firmware can make v2 "supported". */
static bool a72_without_csv2(void)
{
	return (midr() & 0xff00fff0UL) == 0x4100d080UL && ((pfr0() >> 56) & 0xf) == 0;
}

static s64 feature(call_fn call, u64 fn)
{
	return (s64)call(SMCCC_ARCH_FEATURES, fn, 0, 0).x0;
}

static void check_conduit(call_fn call, const char *c, u64 first[3])
{
	struct hvc_res r = call(SMCCC_VERSION, 0, 0, 0);
	s64 wa1 = feature(call, SMCCC_ARCH_WORKAROUND_1);
	s64 wa2 = feature(call, SMCCC_ARCH_WORKAROUND_2);
	s64 wa3 = feature(call, SMCCC_ARCH_WORKAROUND_3);
	s64 trng;
	bool a72 = a72_without_csv2();
	bool distinct = true;
	u64 seen[4][3];

	printf("smccc: %s version 0x%lx wa1 %ld wa2 %ld wa3 %ld a72 %d\n", c, (unsigned long)r.x0,
	       (long)wa1, (long)wa2, (long)wa3, a72);
	result(c[0] == 'h' ? "version_hvc" : "version_smc", r.x0 == SMCCC_VERSION_1_1,
	       "x0 0x%lx", (unsigned long)r.x0);
	result(c[0] == 'h' ? "features_self_hvc" : "features_self_smc",
	       feature(call, SMCCC_ARCH_FEATURES) == 0 && feature(call, SMCCC_VERSION) == 0,
	       "%ld", (long)feature(call, SMCCC_ARCH_FEATURES));
	/* A72 is affected: never "not required" (1); _3 promises v2 too. */
	result(c[0] == 'h' ? "workarounds_true_hvc" : "workarounds_true_smc",
	       a72 ? (wa1 == 0 || wa1 == -1) && (wa2 == -1 || wa2 == -2) &&
			     (wa3 == -1 || (wa3 == 0 && wa1 == 0))
		   : wa1 >= -1 && wa1 <= 1 && wa3 >= -1 && wa3 <= 1,
	       "wa1 %ld wa2 %ld wa3 %ld", (long)wa1, (long)wa2, (long)wa3);
	r = call(0x80001234, 1, 2, 3);
	result(c[0] == 'h' ? "unknown_arch_call_hvc" : "unknown_arch_call_smc",
	       (s64)r.x0 == -1 && feature(call, TRNG_RND64) == -1 && feature(call, 0x80001234) == -1,
	       "x0 %ld", (long)r.x0);
	trng = (s64)call(TRNG_VERSION, 0, 0, 0).x0;
	printf("smccc: %s trng version %ld features(RND64) %ld\n", c, (long)trng,
	       (long)call(TRNG_FEATURES, TRNG_RND64, 0, 0).x0);
	if (trng != TRNG_VERSION_1_0) {
		result(c[0] == 'h' ? "trng_hvc" : "trng_smc", trng == -1, "version %ld", (long)trng);
		return;
	}
	for (u32 i = 0; i < 4; i++) {
		r = call(TRNG_RND64, 192, 0, 0);
		seen[i][0] = r.x1;
		seen[i][1] = r.x2;
		seen[i][2] = r.x3;
		distinct = distinct && r.x0 == 0;
		for (u32 j = 0; j < i; j++) {
			distinct = distinct && memcmp(seen[i], seen[j], sizeof(seen[i])) != 0;
		}
	}
	memcpy(first, seen[0], sizeof(seen[0]));
	printf("smccc: %s trng %016lx %016lx %016lx\n", c, (unsigned long)seen[0][0],
	       (unsigned long)seen[0][1], (unsigned long)seen[0][2]);
	r = call(TRNG_RND32, 40, 0, 0);
	result(c[0] == 'h' ? "trng_hvc" : "trng_smc",
	       distinct && r.x0 == 0 && r.x1 == 0 && r.x2 <= 0xff && (r.x3 >> 32) == 0 &&
		       (s64)call(TRNG_RND64, 193, 0, 0).x0 == -2 &&
		       call(TRNG_GET_UUID, 0, 0, 0).x0 != 0xffffffffUL,
	       "4 calls of 192 bits %s", distinct ? "all different" : "REPEATED");
}

void guest_main(void)
{
	u64 a[3] = { 0, 0, 0 };
	u64 b[3] = { 1, 1, 1 };
	struct hvc_res r;

	check_conduit(hvc, "hvc", a);
	check_conduit(smc, "smc", b);
	result("trng_hvc_smc_differ", memcmp(a, b, sizeof(a)) != 0, "first outputs over HVC and SMC");
	/* Addressed to the VMM (the hyp ABI's range, no such call). */
	r = hvc(HV_FN(0x5555), 0, 0, 0);
	printf("smccc: vmm call answered 0x%lx\n", (unsigned long)r.x0);
}
