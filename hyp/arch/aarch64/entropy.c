/*
 * The boot-time entropy the CPU and the board have, handed to boot.c,
 * which feeds it to the generator (hyp/rng.h): RNDR
 * (FEAT_RNG, ID_AA64ISAR0_EL1.RNDR [63:60]) and the BCM2711's RNG200 (its
 * registers as in Linux's drivers/char/hw_random/iproc-rng200.c). Runs on
 * the boot CPU: the RNG200 is read before the EL2 MMU is on, so it needs
 * no mapping (it stays the hyp's: the VMM's stage 2 never maps it), into a
 * buffer that is mixed in once the MMU is on (the generator's lock needs
 * it). QEMU 10's raspi4b does not model the RNG200 and takes its node out
 * of the device tree it passes on (hw/arm/raspi4b.c): there is none there.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <hyp/rng.h>

#define ISAR0_RNDR_SHIFT 60
#define RNDR_TRIES 64

#define RNG200_CTRL 0x00
#define RNG200_CTRL_RBGEN_MASK 0x1fffU
#define RNG200_CTRL_RBGEN_ENABLE 0x1U
#define RNG200_INT_STATUS 0x18
#define RNG200_INT_FAIL (0x80000000U | 0x20U) /* master fail lockout, NIST fail */
#define RNG200_FIFO_DATA 0x20
#define RNG200_FIFO_COUNT 0x24
#define RNG200_FIFO_COUNT_MASK 0xffU
#define RNG200_WAIT_MS 200
#define SEED_WORDS 16 /* 64 bytes from each source */

static bool rndr(u64 *out)
{
	u64 v;
	u64 ok;

	/* RNDR is S3_3_C2_C4_0; NZCV.Z set means no number this time. */
	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(v), "=r"(ok) : : "cc");
	*out = v;
	return ok != 0;
}

static u32 from_rndr(struct arch_seed *out)
{
	u64 isar0;
	u64 *seed = out->words;
	u32 n = 0;

	__asm__ volatile("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
	if (((isar0 >> ISAR0_RNDR_SHIFT) & 0xf) == 0) {
		return 0;
	}
	for (u32 t = 0; t < RNDR_TRIES && n < ARRAY_SIZE(out->words); t++) {
		n += rndr(&seed[n]) ? 1 : 0;
	}
	if (n < ARRAY_SIZE(out->words)) {
		log_warn("entropy: RNDR gave %u of %u numbers: not used\n", n,
			 (u32)ARRAY_SIZE(out->words));
		memset(out->words, 0, sizeof(out->words));
		return 0;
	}
	out->name = "RNDR";
	return 1;
}

static u32 rd(paddr_t base, u32 off)
{
	return *(volatile u32 *)(uintptr_t)(base + off);
}

static void wr(paddr_t base, u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(base + off) = v;
}

/* Written with the MMU off (straight to memory), read with it on: each in
 * cache lines of its own, invalidated after the write (invalidate only: a
 * clean would write a stale line over the fresh words). */
static u32 rng200_seed[SEED_WORDS] __aligned(64);
static bool rng200_ok __aligned(64);

static void drop_stale_lines(const void *p, size_t size)
{
	u64 ctr;
	u64 line;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = UINT64_C(4) << ((ctr >> 16) & 0xf); /* DminLine, in words */
	for (uintptr_t a = (uintptr_t)p & ~(line - 1); a < (uintptr_t)p + size; a += line) {
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	}
	__asm__ volatile("dsb sy" : : : "memory");
}

void arch_entropy_early(void)
{
	paddr_t b = hyp_plat.rng.base;
	u32 *seed = rng200_seed;
	u32 n = 0;
	u64 until;

	if (hyp_plat.rng.size == 0) {
		return;
	}
	if (hyp_plat.rng.size < RNG200_FIFO_COUNT + 4) {
		log_warn("entropy: RNG200 at 0x%lx: registers too small (0x%lx)\n",
			 (unsigned long)b, (unsigned long)hyp_plat.rng.size);
		return;
	}
	wr(b, RNG200_INT_STATUS, 0xffffffffU);
	wr(b, RNG200_CTRL, (rd(b, RNG200_CTRL) & ~RNG200_CTRL_RBGEN_MASK) |
				   RNG200_CTRL_RBGEN_ENABLE);
	until = arch_counter() + arch_counter_freq() / 1000 * RNG200_WAIT_MS;
	while (n < SEED_WORDS && arch_counter() < until) {
		u32 avail = rd(b, RNG200_FIFO_COUNT) & RNG200_FIFO_COUNT_MASK;

		if ((rd(b, RNG200_INT_STATUS) & RNG200_INT_FAIL) != 0) {
			break;
		}
		for (; avail > 0 && n < SEED_WORDS; avail--) {
			seed[n++] = rd(b, RNG200_FIFO_DATA);
		}
	}
	if (n < SEED_WORDS) {
		log_warn("entropy: RNG200 at 0x%lx gave %u of %u words in %u ms: not used\n",
			 (unsigned long)b, n, SEED_WORDS, RNG200_WAIT_MS);
		drop_stale_lines(&rng200_ok, sizeof(rng200_ok));
		return;
	}
	rng200_ok = true;
	drop_stale_lines(rng200_seed, sizeof(rng200_seed));
	drop_stale_lines(&rng200_ok, sizeof(rng200_ok));
}

u32 arch_entropy_boot(struct arch_seed out[ARCH_SEEDS])
{
	u32 n = from_rndr(&out[0]);

	_Static_assert(sizeof(rng200_seed) == sizeof(out->words), "a seed is 64 bytes");
	if (rng200_ok) {
		out[n].name = "RNG200";
		memcpy(out[n].words, rng200_seed, sizeof(rng200_seed));
		memset(rng200_seed, 0, sizeof(rng200_seed));
		n++;
	}
	return n;
}
