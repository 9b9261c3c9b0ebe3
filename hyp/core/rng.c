/*
 * The hyp's random number generator. See hyp/rng.h.
 *
 * State: a 256-bit ChaCha20 key and a 64-bit call counter. Absorbing XORs
 * 32 bytes at a time into the key and replaces the key with the first half
 * of a ChaCha20 block under it (the block function is a PRF of its key,
 * so every input bit reaches the whole new key). Generating takes one
 * block per 32 output bytes: its first half becomes the new key at once
 * (fast key erasure: a later read of the state says nothing of earlier
 * output), its second half is output. One lock, held for a few blocks:
 * callers on any CPU.
 */
#include <hyp/arch.h>
#include <lib/fdt.h>
#include <lib/lib.h>
#include <hyp/platform.h>
#include <hyp/rng.h>

/* Nonce word 0 of absorbing and of generating: the two never collide. */
#define NONCE_MIX 0x0078696dU /* "mix" */
#define NONCE_GEN 0x006e6567U /* "gen" */
#define FDT_HEADER_LEN 40
#define RNG_DT_MAX (2U << 20) /* no boot loader's tree is larger */

static spinlock_t rng_lock;
static u32 rng_key[8];
static u64 rng_calls;
static u32 rng_sources;

static u32 rotl(u32 v, u32 n)
{
	return (v << n) | (v >> (32 - n));
}

static void quarter(u32 *s, u32 a, u32 b, u32 c, u32 d)
{
	s[a] += s[b];
	s[d] = rotl(s[d] ^ s[a], 16);
	s[c] += s[d];
	s[b] = rotl(s[b] ^ s[c], 12);
	s[a] += s[b];
	s[d] = rotl(s[d] ^ s[a], 8);
	s[c] += s[d];
	s[b] = rotl(s[b] ^ s[c], 7);
}

void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64])
{
	/* "expand 32-byte k" (RFC 8439 2.3). */
	u32 in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	u32 s[16];

	memcpy(&in[4], key, 32);
	in[12] = counter;
	memcpy(&in[13], nonce, 12);
	memcpy(s, in, sizeof(s));
	for (u32 i = 0; i < 10; i++) {
		quarter(s, 0, 4, 8, 12);
		quarter(s, 1, 5, 9, 13);
		quarter(s, 2, 6, 10, 14);
		quarter(s, 3, 7, 11, 15);
		quarter(s, 0, 5, 10, 15);
		quarter(s, 1, 6, 11, 12);
		quarter(s, 2, 7, 8, 13);
		quarter(s, 3, 4, 9, 14);
	}
	for (u32 i = 0; i < 16; i++) {
		u32 v = s[i] + in[i];

		out[4 * i] = (u8)v;
		out[4 * i + 1] = (u8)(v >> 8);
		out[4 * i + 2] = (u8)(v >> 16);
		out[4 * i + 3] = (u8)(v >> 24);
	}
	memset(s, 0, sizeof(s));
	memset(in, 0, sizeof(in));
}

static u32 le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

/* One block under the current key (under rng_lock); its first half is the
 * new key, the second half goes to `rest` if non-NULL. */
static void step(u32 nonce0, u8 rest[32])
{
	u32 nonce[3] = { nonce0, (u32)rng_calls, (u32)(rng_calls >> 32) };
	u8 b[64];

	chacha20_block(rng_key, 0, nonce, b);
	rng_calls++;
	for (u32 i = 0; i < 8; i++) {
		rng_key[i] = le32(b + 4 * i);
	}
	if (rest != NULL) {
		memcpy(rest, b + 32, 32);
	}
	memset(b, 0, sizeof(b));
}

void rng_mix(const char *source, const void *data, size_t len)
{
	const u8 *p = data;

	spin_lock(&rng_lock);
	while (len > 0) {
		u8 chunk[32] = { 0 };
		size_t n = MIN(len, sizeof(chunk));

		memcpy(chunk, p, n);
		for (u32 i = 0; i < 8; i++) {
			rng_key[i] ^= le32(chunk + 4 * i);
		}
		memset(chunk, 0, sizeof(chunk));
		step(NONCE_MIX, NULL);
		p += n;
		len -= n;
	}
	if (source != NULL) {
		rng_sources++;
	}
	spin_unlock(&rng_lock);
}

bool rng_ready(void)
{
	return __atomic_load_n(&rng_sources, __ATOMIC_ACQUIRE) != 0;
}

void rng_get(void *out, size_t len)
{
	u8 *o = out;
	u8 half[32];

	spin_lock(&rng_lock);
	while (len > 0) {
		size_t n = MIN(len, sizeof(half));

		step(NONCE_GEN, half);
		memcpy(o, half, n);
		o += n;
		len -= n;
	}
	memset(half, 0, sizeof(half));
	spin_unlock(&rng_lock);
}

/* Puts FDT_NOP over the property whose value is at `off` (its token, length
 * and name offset sit in the 12 bytes before), if that is what is there. */
static bool nop_prop(u8 *blob, u32 size, u32 off, u32 len)
{
	u32 end = off + ALIGN_UP(len, 4);

	if (off < 12 || end < off || end > size || fdt_be32(blob + off - 12) != FDT_PROP ||
	    fdt_be32(blob + off - 8) != len) {
		return false;
	}
	for (u32 o = off - 12; o < end; o += 4) {
		blob[o] = 0;
		blob[o + 1] = 0;
		blob[o + 2] = 0;
		blob[o + 3] = FDT_NOP;
	}
	return true;
}

/* Removes /chosen/rng-seed and /chosen/kaslr-seed from the tree at blob (at
 * most max bytes); returns how many it found. */
static u32 wipe_chosen_seeds(u8 *blob, u32 max)
{
	struct fdt f;
	struct fdt_item it;
	u32 off = 0;
	s32 depth = -1;
	bool chosen = false;
	u32 n = 0;

	if (fdt_open(&f, blob, max) != 0) {
		return 0;
	}
	while (fdt_next(&f, &off, &it) == 0 && it.token != FDT_END) {
		if (it.token == FDT_BEGIN_NODE) {
			depth++;
			chosen = depth == 1 && strcmp(it.name, "chosen") == 0;
		} else if (it.token == FDT_END_NODE) {
			depth--;
			chosen = false;
		} else if (chosen && it.len != 0 &&
			   (strcmp(it.name, "rng-seed") == 0 || strcmp(it.name, "kaslr-seed") == 0)) {
			u32 voff = (u32)(it.value - blob);

			memset(blob + voff, 0, it.len);
			(void)nop_prop(blob, f.size, voff, it.len);
			/* To the point of coherency: a VMM mapping the frame
			 * non-cacheable must read the zeros. */
			arch_dcache_clean_inval(blob + voff - 12, it.len + 12 + 3);
			n++;
		}
	}
	return n;
}

u32 rng_scrub_dt_copies(u8 *base, u64 size)
{
	/* The magic's bytes d0 0d fe ed as the low half of a little-endian
	 * 64-bit word: blobs sit at 8-byte aligned addresses (DTSpec 5.1). */
	const u32 magic = 0xedfe0dd0U;
	const u64 *w = (const u64 *)(const void *)base;
	u64 words = size / 8;
	u64 next = 0; /* the first word past the last blob parsed */
	u32 n = 0;

	if (((uintptr_t)base & 7) != 0 || size < FDT_HEADER_LEN) {
		return 0;
	}
	/* Eight words a round, one branch (the scan covers all of RAM). */
	for (u64 i = 0; i < words; i += 8) {
		if (i + 8 <= words &&
		    ((u32)w[i] != magic && (u32)w[i + 1] != magic && (u32)w[i + 2] != magic &&
		     (u32)w[i + 3] != magic && (u32)w[i + 4] != magic && (u32)w[i + 5] != magic &&
		     (u32)w[i + 6] != magic && (u32)w[i + 7] != magic)) {
			continue;
		}
		for (u64 j = i; j < i + 8 && j < words; j++) {
			u8 *h = base + 8 * j;
			u32 total;

			if (j < next || (u32)w[j] != magic || size - 8 * j < FDT_HEADER_LEN) {
				continue;
			}
			n += wipe_chosen_seeds(h, (u32)MIN(size - 8 * j, RNG_DT_MAX));
			/* Nothing inside a blob is parsed again (fdt_totalsize,
			 * big-endian at offset 4): the scan's work stays linear
			 * in RAM whatever the memory holds. */
			total = (u32)h[4] << 24 | (u32)h[5] << 16 | (u32)h[6] << 8 | h[7];
			if (total >= FDT_HEADER_LEN && total <= MIN(size - 8 * j, RNG_DT_MAX)) {
				next = j + total / 8;
			}
		}
	}
	return n;
}

u32 rng_take_dt_seeds(u8 *blob, u32 size, const struct platform *p)
{
	const struct plat_prop *seeds[2] = { &p->rng_seed, &p->kaslr_seed };
	static const char *const names[2] = { "/chosen/rng-seed", "/chosen/kaslr-seed" };
	u32 used = 0;

	for (u32 i = 0; i < 2; i++) {
		const struct plat_prop *s = seeds[i];
		bool zero = true;

		if (s->len == 0 || s->off > size || s->len > size - s->off) {
			continue;
		}
		/* A seed of zeros is no seed (a boot loader that blanked it). */
		for (u32 b = 0; b < s->len; b++) {
			zero = zero && blob[s->off + b] == 0;
		}
		rng_mix(zero ? NULL : names[i], blob + s->off, s->len);
		used += zero ? 0 : 1;
		/* Wipe the value, then the whole property. */
		memset(blob + s->off, 0, s->len);
		(void)nop_prop(blob, size, s->off, s->len);
		arch_dcache_clean_inval(blob + s->off - MIN(s->off, 12), s->len + 12 + 3);
	}
	return used;
}

void rng_reset(void)
{
	memset(rng_key, 0, sizeof(rng_key));
	rng_calls = 0;
	rng_sources = 0;
}
