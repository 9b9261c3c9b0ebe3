/*
 * A flattened device tree writer (Devicetree Specification v0.4, chapter
 * 5), for the device trees the VMM gives its guests. Writes into a caller's
 * buffer and never past it: an overflow makes fdtw_finish fail.
 */
#ifndef VMM_FDTW_H
#define VMM_FDTW_H

#include <lib/types.h>

#define FDTW_STRINGS 1024

struct fdtw {
	u8 *buf;
	u32 size;
	u32 pos;        /* end of the structure block so far */
	u32 depth;
	bool overflow;
	u32 strings_len;
	char strings[FDTW_STRINGS];
};

void fdtw_init(struct fdtw *w, void *buf, u32 size);
void fdtw_begin_node(struct fdtw *w, const char *name);
void fdtw_end_node(struct fdtw *w);
void fdtw_prop(struct fdtw *w, const char *name, const void *value, u32 len);
/** An empty (boolean) property. */
void fdtw_prop_empty(struct fdtw *w, const char *name);
void fdtw_prop_u32(struct fdtw *w, const char *name, u32 v);
void fdtw_prop_u64(struct fdtw *w, const char *name, u64 v);
/** A list of 32-bit cells, written big-endian. */
void fdtw_prop_cells(struct fdtw *w, const char *name, const u32 *cells, u32 n);
void fdtw_prop_str(struct fdtw *w, const char *name, const char *s);
/**
 * Ends the tree, writes the header and strings block. Returns the blob's
 * total size, or -1 if the buffer or the strings table was too small or
 * nodes are unbalanced.
 */
s32 fdtw_finish(struct fdtw *w) __must_check;

/** What a guest's device tree describes (QEMU virt's layout). */
struct guest_dt {
	u64 ram_base;
	u64 ram_size;
	u32 ncpus;
	u32 gic_version;      /* 2 or 3 */
	const char *bootargs; /* may be NULL */
	u64 initrd_start;     /* 0: none */
	u64 initrd_end;
	/* virtio-mmio devices: slot s (bit s of virtio_slots) at virtio_base +
	 * s * virtio_stride with SPI virtio_spi + s, on a bus whose DMA
	 * reaches only [dma_base, dma_base + dma_size) if dma_size != 0. */
	u32 virtio_slots;
	u64 virtio_base;
	u64 virtio_stride;
	u32 virtio_spi;
	u64 dma_base;
	u64 dma_size;
	bool pmu; /* a PMU node (the hyp gives each vCPU its own PMU) */
	/* /chosen/rng-seed (rng_seed_len bytes, none if 0) and, if
	 * kaslr_seeded, /chosen/kaslr-seed: from the hyp's TRNG. */
	const u8 *rng_seed;
	u32 rng_seed_len;
	bool kaslr_seeded;
	u64 kaslr_seed;
};

/** Builds a guest's device tree into buf; returns its size or -1. */
s32 guest_dt_build(void *buf, u32 size, const struct guest_dt *c) __must_check;

#endif /* VMM_FDTW_H */
