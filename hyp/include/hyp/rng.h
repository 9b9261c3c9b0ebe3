/*
 * The hyp's random numbers: a ChaCha20-based generator (RFC 8439 block
 * function, fast key erasure) seeded at boot from every source the
 * platform has: the boot loader's /chosen/rng-seed and /chosen/kaslr-seed,
 * RNDR, the Pi 4's RNG200. It serves SMCCC TRNG to guests and the VMM
 * (hyp/core/smccc.c), and only once a real source fed it.
 */
#ifndef HYP_RNG_H
#define HYP_RNG_H

#include <lib/types.h>

/**
 * The ChaCha20 block function (RFC 8439 2.3): 64 bytes of key stream for
 * `key` (8 little-endian words), block `counter` and `nonce` (3 words).
 */
void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64]);

/**
 * Absorbs `len` bytes into the generator's key. With `source` non-NULL the
 * bytes come from a real entropy source of that name and count toward
 * readiness; NULL: bytes that only make states differ (counters, ids).
 */
void rng_mix(const char *source, const void *data, size_t len);

/** Whether at least one real source fed the generator. */
bool rng_ready(void);

/** Fills out with len bytes; only when rng_ready(). */
void rng_get(void *out, size_t len);

/**
 * Feeds /chosen/rng-seed and /chosen/kaslr-seed of the device tree blob
 * (`size` bytes, at properties p->rng_seed and p->kaslr_seed) into the
 * generator, then removes both properties (FDT_NOP over each, the tree
 * stays valid): the VMM, which can read that memory, never learns them.
 * Returns the number of non-zero seeds mixed in (a seed of zeros is
 * removed but not counted): 0 means no byte of the tree but zeros went
 * into the generator, and boot.c then skips its RAM scan for copies.
 */
struct platform;
u32 rng_take_dt_seeds(u8 *blob, u32 size, const struct platform *p);

/**
 * Removes /chosen/rng-seed and /chosen/kaslr-seed from every device tree
 * blob found at an 8-byte aligned address of [base, base + size): the
 * copies boot loaders leave behind (QEMU's at the start of RAM, U-Boot's
 * own) are in memory the VMM gets. Returns the number of seeds removed.
 */
u32 rng_scrub_dt_copies(u8 *base, u64 size);

/**
 * Reads the board's generator (RNG200) with the MMU still off, keeping its
 * words for arch_entropy_boot (hyp/arch/aarch64/entropy.c).
 */
void arch_entropy_early(void);

/** A seed from a hardware generator: its name and 64 bytes. */
struct arch_seed {
	const char *name;
	u64 words[8];
};
#define ARCH_SEEDS 2

/**
 * Reads the CPU's and the board's generators (RNDR, RNG200), MMU on, into
 * out[0..n): returns n, how many gave a full seed. The caller mixes them
 * in and wipes out[].
 */
u32 arch_entropy_boot(struct arch_seed out[ARCH_SEEDS]);

/** Forgets all state (host tests). */
void rng_reset(void);

#endif /* HYP_RNG_H */
