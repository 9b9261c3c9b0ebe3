/*
 * hyp/core/smccc.c and hyp/core/rng.c: the ChaCha20 block function
 * against RFC 8439's vector, the generator, the device-tree seeds leaving
 * the tree, each CPU's classification and the answers guests get.
 */
#include <stdlib.h>
#include <string.h>

#include <hyp/hvc.h>
#include <hyp/platform.h>
#include <hyp/rng.h>
#include <hyp/smccc.h>

#include "harness.h"

extern struct smccc_cpu fake_smccc_cpu;
extern size_t fake_rng_flushed;

TEST(chacha20_rfc8439_block)
{
	/* RFC 8439 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00,
	 * block count 1. */
	static const u8 want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
		0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
		0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
		0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
		0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	u32 key[8];
	const u32 nonce[3] = { 0x09000000, 0x4a000000, 0 };
	u8 out[64];

	for (u32 i = 0; i < 8; i++) {
		key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (u32)(4 * i + 3) << 24;
	}
	chacha20_block(key, 1, nonce, out);
	CHECK(memcmp(out, want, sizeof(want)) == 0);
}

TEST(rng_depends_on_every_seed_bit)
{
	u8 seed[40] = { 1, 2, 3 };
	u8 a[48];
	u8 b[48];
	u8 c[48];

	rng_reset();
	CHECK(!rng_ready());
	rng_mix("test", seed, sizeof(seed));
	CHECK(rng_ready());
	rng_get(a, sizeof(a));
	rng_get(b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0); /* the key moved on */
	rng_reset();
	seed[39] ^= 0x80; /* the last bit, in the second 32-byte chunk */
	rng_mix("test", seed, sizeof(seed));
	rng_get(c, sizeof(c));
	CHECK(memcmp(a, c, sizeof(a)) != 0);
	rng_reset();
	seed[39] ^= 0x80;
	rng_mix("test", seed, sizeof(seed));
	rng_get(c, sizeof(c));
	CHECK(memcmp(a, c, sizeof(a)) == 0); /* deterministic in its seed */
	rng_reset();
}

static bool has_bytes(const u8 *hay, size_t n, const u8 *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return true;
		}
	}
	return false;
}

TEST(dt_seeds_are_used_and_removed)
{
	static const u8 kaslr[8] = { 0xca, 0xfe, 0xf0, 0x0d, 0x5e, 0xed, 0x5e, 0xed };
	static const u8 rng_head[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	size_t size;
	u8 *blob = test_read_file("seeds.dtb", &size);
	struct platform p;

	if (blob == NULL) {
		return;
	}
	CHECK_EQ(platform_parse(&p, blob, size), 0);
	CHECK_EQ(p.rng_seed.len, 64);
	CHECK_EQ(p.kaslr_seed.len, 8);
	CHECK_EQ(p.rng.base, 0xfe104000);
	CHECK_EQ(p.rng.size, 0x28);
	CHECK(has_bytes(blob, size, kaslr, 8) && has_bytes(blob, size, rng_head, 8));
	rng_reset();
	fake_rng_flushed = 0;
	CHECK_EQ(rng_take_dt_seeds(blob, (u32)size, &p), 2);
	CHECK(fake_rng_flushed >= 64 + 8 + 2 * 12); /* both, to the point of coherency */
	CHECK(rng_ready());
	CHECK(!has_bytes(blob, size, kaslr, 8) && !has_bytes(blob, size, rng_head, 8));
	/* The tree is still whole, the rest of /chosen is there, the seeds not. */
	CHECK_EQ(platform_parse(&p, blob, size), 0);
	CHECK_EQ(p.rng_seed.len, 0);
	CHECK_EQ(p.kaslr_seed.len, 0);
	CHECK_EQ(p.uart.base, 0x9000000);
	/* Again: nothing left to take, and a tree without seeds is no source. */
	rng_reset();
	CHECK_EQ(rng_take_dt_seeds(blob, (u32)size, &p), 0);
	CHECK(!rng_ready());
	free(blob);
}

TEST(dt_seed_outside_the_blob_is_ignored)
{
	u8 blob[64] = { 0 };
	struct platform p;

	memset(&p, 0, sizeof(p));
	p.rng_seed = (struct plat_prop){ 60, 8 };
	p.kaslr_seed = (struct plat_prop){ 0xfffffffcU, 8 };
	rng_reset();
	CHECK_EQ(rng_take_dt_seeds(blob, sizeof(blob), &p), 0);
	CHECK(!rng_ready());
}

TEST(dt_seed_of_zeros_is_removed_but_not_counted)
{
	u8 blob[64] = { 0 };
	struct platform p;

	memset(&p, 0, sizeof(p));
	p.rng_seed = (struct plat_prop){ 16, 8 };
	p.kaslr_seed = (struct plat_prop){ 40, 8 };
	/* Both zeros: no source, and nothing boot.c must look for in RAM. */
	rng_reset();
	CHECK_EQ(rng_take_dt_seeds(blob, sizeof(blob), &p), 0);
	CHECK(!rng_ready());
	/* One of zeros, one not: one counted, both wiped. */
	memset(blob + 40, 0xa5, 8);
	rng_reset();
	CHECK_EQ(rng_take_dt_seeds(blob, sizeof(blob), &p), 1);
	CHECK(rng_ready());
	for (u32 i = 40; i < 48; i++) {
		CHECK_EQ(blob[i], 0);
	}
}

#define A72 UINT64_C(0x410fd083)
#define A53 UINT64_C(0x410fd034)
#define A76 UINT64_C(0x414fd0b1)

static void classify(u64 midr, u64 pfr0, s32 wa1, s32 wa2, s32 wa3, struct smccc_cpu *c,
		     u32 *entry)
{
	struct cpu_ids id = { midr, pfr0, 0, 0, 0 };
	struct fw_answers fw = { wa1, wa2, wa3 };

	smccc_classify(&id, &fw, c, entry);
}

TEST(classify_cortex_a72)
{
	struct smccc_cpu c;
	u32 e;

	/* No firmware (QEMU, the Pi 4): v2 and v4 vulnerable, BHB by the loop. */
	classify(A72, 0, -1, -1, -1, &c, &e);
	CHECK_EQ(c.v2, SPECTRE_VULNERABLE);
	CHECK_EQ(c.v4, SPECTRE_VULNERABLE);
	CHECK_EQ(c.bhb, SPECTRE_MITIGATED);
	CHECK_EQ(e, SPECTRE_ENTRY_LOOP | (8U << SPECTRE_ENTRY_LOOP_K_SHIFT));
	/* Firmware with WORKAROUND_1 and _2: called on entry; SSB on for good. */
	classify(A72, 0, 0, 0, -1, &c, &e);
	CHECK_EQ(c.v2, SPECTRE_MITIGATED);
	CHECK_EQ(c.v4, SPECTRE_MITIGATED);
	CHECK_EQ(e, SPECTRE_ENTRY_FW_WA1 | SPECTRE_ENTRY_LOOP | (8U << SPECTRE_ENTRY_LOOP_K_SHIFT));
	/* Firmware that says this CPU does not need them. */
	classify(A72, 0, 1, -2, -1, &c, &e);
	CHECK_EQ(c.v2, SPECTRE_UNAFFECTED);
	CHECK_EQ(c.v4, SPECTRE_UNAFFECTED);
}

TEST(classify_safe_and_csv2_cpus)
{
	struct smccc_cpu c;
	u32 e;

	classify(A53, 0, -1, -1, -1, &c, &e);
	CHECK(c.v2 == SPECTRE_UNAFFECTED && c.v4 == SPECTRE_UNAFFECTED &&
	      c.bhb == SPECTRE_UNAFFECTED);
	CHECK_EQ(e, 0);
	/* CSV2 = 1: v2 safe, BHB still needs the loop (k = 24 on A76). */
	classify(A76, UINT64_C(1) << 56, -1, -1, -1, &c, &e);
	CHECK_EQ(c.v2, SPECTRE_UNAFFECTED);
	CHECK_EQ(c.bhb, SPECTRE_MITIGATED);
	CHECK_EQ(e, SPECTRE_ENTRY_LOOP | (24U << SPECTRE_ENTRY_LOOP_K_SHIFT));
	/* CSV2 = 3 (CSV2_3): BHB safe too. */
	classify(A76, UINT64_C(3) << 56, -1, -1, -1, &c, &e);
	CHECK_EQ(c.bhb, SPECTRE_UNAFFECTED);
	CHECK_EQ(e, 0);
	/* An unknown CPU with firmware WORKAROUND_3: it replaces _1 on entry. */
	classify(UINT64_C(0x410fd990), 0, 0, -1, 0, &c, &e);
	CHECK_EQ(c.v2, SPECTRE_MITIGATED);
	CHECK_EQ(c.bhb, SPECTRE_MITIGATED);
	CHECK_EQ(e, SPECTRE_ENTRY_FW_WA3);
}

static struct trap_frame call(u64 x0, u64 x1)
{
	struct trap_frame f;

	memset(&f, 0, sizeof(f));
	f.x[0] = x0;
	f.x[1] = x1;
	f.x[2] = 0x2222;
	f.x[3] = 0x3333;
	f.x[4] = 0x4444;
	CHECK(smccc_owns(f.x[0]));
	smccc_call(&(struct hvc_call){ &f, NULL, false });
	CHECK_EQ(f.x[4], 0x4444);
	return f;
}

TEST(smccc_answers_for_a72_without_firmware)
{
	struct trap_frame f;
	u32 e;

	smccc_reset();
	classify(A72, 0, -1, -1, -1, &fake_smccc_cpu, &e);
	smccc_cpu_online(&fake_smccc_cpu);
	CHECK_EQ(call(SMCCC_VERSION, 0).x[0], SMCCC_VERSION_1_1);
	CHECK_EQ(call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES).x[0], 0);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1).x[0], -1);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2).x[0], -1);
	/* BHB is mitigated at EL2 but v2 is not: _3 promises both, so no. */
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3).x[0], -1);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, TRNG_RND64).x[0], -1);
	/* An SMC32 call: only W1 counts, whatever the upper half holds. */
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, UINT64_C(1) << 32 | SMCCC_VERSION).x[0], 0);
	CHECK_EQ((s64)call(SMCCC_ARCH_WORKAROUND_1, 0).x[0], -1);
	/* Unknown ids of the ranges: NOT_SUPPORTED, x1..x3 as they were. */
	f = call(0x80001234, 7);
	CHECK_EQ((s64)f.x[0], -1);
	CHECK(f.x[1] == 7 && f.x[2] == 0x2222 && f.x[3] == 0x3333);
	CHECK_EQ((s64)call(0xc0000000, 0).x[0], -1);
	CHECK_EQ((s64)call(0x8400005f, 0).x[0], -1);
	/* Other ids are not the hyp's here, whatever x0's upper half. */
	memset(&f, 0, sizeof(f));
	f.x[0] = 0x84000000; /* PSCI */
	CHECK(!smccc_owns(f.x[0]));
	f.x[0] = 0xc6000001; /* the hyp ABI's vendor range */
	CHECK(!smccc_owns(f.x[0]));
	f.x[0] = UINT64_C(0xffffffff00000000) | SMCCC_VERSION;
	CHECK(smccc_owns(f.x[0]));
	smccc_call(&(struct hvc_call){ &f, NULL, false });
	CHECK_EQ(f.x[0], SMCCC_VERSION_1_1);
}

TEST(smccc_answers_for_mitigated_and_safe_cpus)
{
	u32 e;

	/* A72 with firmware: _1 supported, _2 not required (on for good). */
	smccc_reset();
	classify(A72, 0, 0, 0, -1, &fake_smccc_cpu, &e);
	smccc_cpu_online(&fake_smccc_cpu);
	CHECK_EQ(call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1).x[0], 0);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2).x[0], -2);
	CHECK_EQ(call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3).x[0], 0);
	CHECK_EQ(call(SMCCC_ARCH_WORKAROUND_1, 0).x[0], 0);
	/* One vulnerable CPU makes the system answer vulnerable. */
	classify(A72, 0, -1, -1, -1, &fake_smccc_cpu, &e);
	smccc_cpu_online(&fake_smccc_cpu);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1).x[0], -1);
	/* A CPU that has only its SSBS beside one with the firmware's _2 on
	 * for good: never "not required" (the guest must use SSBS there). */
	smccc_reset();
	classify(A72, 0, 0, 0, -1, &fake_smccc_cpu, &e);
	smccc_cpu_online(&fake_smccc_cpu);
	fake_smccc_cpu.ssbs = true;
	smccc_cpu_online(&fake_smccc_cpu);
	CHECK_EQ((s64)call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2).x[0], -1);
}

TEST(trng_only_with_a_source)
{
	struct trap_frame a;
	struct trap_frame b;
	u8 seed[32] = { 9 };

	rng_reset();
	CHECK_EQ((s64)call(TRNG_VERSION, 0).x[0], -1);
	CHECK_EQ((s64)call(TRNG_RND64, 192).x[0], -1);
	rng_mix(NULL, seed, sizeof(seed)); /* not a source */
	CHECK_EQ((s64)call(TRNG_FEATURES, TRNG_RND64).x[0], -1);
	rng_mix("test", seed, sizeof(seed));
	CHECK_EQ(call(TRNG_VERSION, 0).x[0], TRNG_VERSION_1_0);
	CHECK_EQ(call(TRNG_FEATURES, TRNG_RND64).x[0], 0);
	CHECK_EQ((s64)call(TRNG_FEATURES, 0x84000054).x[0], -1);
	CHECK(call(TRNG_GET_UUID, 0).x[0] != UINT64_C(0xffffffff));
	a = call(TRNG_RND64, 192);
	b = call(TRNG_RND64, 192);
	CHECK_EQ(a.x[0], 0);
	CHECK(memcmp(&a.x[1], &b.x[1], 24) != 0);
	a = call(TRNG_RND64, 65);
	CHECK(a.x[0] == 0 && a.x[1] == 0 && a.x[2] <= 1);
	a = call(TRNG_RND32, 96);
	CHECK(a.x[0] == 0 && (a.x[1] >> 32) == 0 && (a.x[2] >> 32) == 0 && (a.x[3] >> 32) == 0);
	a = call(TRNG_RND32, 8);
	CHECK(a.x[0] == 0 && a.x[1] == 0 && a.x[2] == 0 && a.x[3] <= 0xff);
	/* Bits beyond what the call can return: INVALID_PARAMETERS, no data. */
	CHECK_EQ((s64)call(TRNG_RND64, 0).x[0], -2);
	CHECK_EQ((s64)call(TRNG_RND64, 193).x[0], -2);
	CHECK_EQ((s64)call(TRNG_RND32, 97).x[0], -2);
	CHECK_EQ((s64)call(TRNG_RND32, UINT64_C(1) << 32 | 8).x[0], 0); /* W1 only */
	rng_reset();
}

TEST(dt_copies_in_ram_lose_their_seeds)
{
	static const u8 kaslr[8] = { 0xca, 0xfe, 0xf0, 0x0d, 0x5e, 0xed, 0x5e, 0xed };
	size_t size;
	u8 *blob = test_read_file("seeds.dtb", &size);
	u64 *ram = calloc(1, 1 << 16); /* 8-byte aligned "RAM" */
	u8 *r = (u8 *)ram;
	struct platform p;

	if (blob == NULL || ram == NULL) {
		free(blob);
		free(ram);
		return;
	}
	memcpy(r + 8, blob, size);        /* two copies, at 8-byte aligned */
	memcpy(r + 0x8000, blob, size);   /* addresses */
	memcpy(r + 0xc004, blob, size);   /* not aligned: not a blob here */
	fake_rng_flushed = 0;
	CHECK_EQ(rng_scrub_dt_copies(r, 1 << 16), 4);
	CHECK(fake_rng_flushed >= 2 * (64 + 8 + 2 * 12));
	CHECK(!has_bytes(r, 0xc000, kaslr, 8));
	CHECK(has_bytes(r + 0xc000, 0x4000, kaslr, 8));
	CHECK_EQ(platform_parse(&p, r + 0x8000, size), 0);
	CHECK_EQ(p.rng_seed.len, 0);
	CHECK_EQ(p.uart.base, 0x9000000);
	/* A blob cut short by the end of RAM is left alone. */
	memcpy(r + (1 << 16) - 64, blob, 64);
	CHECK_EQ(rng_scrub_dt_copies(r, 1 << 16), 0);
	free(blob);
	free(ram);
}

TEST(psci_features_points_to_smccc_1_1)
{
	/* Linux asks PSCI_FEATURES(SMCCC_VERSION) before SMCCC_VERSION. */
	struct trap_frame f;

	memset(&f, 0, sizeof(f));
	f.x[0] = 0x8400000a;
	f.x[1] = SMCCC_VERSION;
	CHECK(psci_owns(f.x[0]));
	psci_call(&(struct hvc_call){ &f, NULL, false });
	CHECK_EQ(f.x[0], 0);
	f.x[0] = 0x8400000a;
	f.x[1] = SMCCC_ARCH_FEATURES; /* not a PSCI function: not PSCI's to say */
	psci_call(&(struct hvc_call){ &f, NULL, false });
	CHECK_EQ((s64)f.x[0], -1);
}
