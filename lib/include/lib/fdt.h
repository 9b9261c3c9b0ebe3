/*
 * A bounds-checked reader of flattened device trees (Devicetree
 * Specification v0.4, chapter 5). The blob comes from the boot loader and is
 * treated as untrusted: every offset and length is checked against the
 * header before it is used.
 */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <lib/types.h>

#define FDT_MAGIC 0xd00dfeedU

/* Structure block tokens (DTSpec 5.4.1). */
#define FDT_BEGIN_NODE 1U
#define FDT_END_NODE 2U
#define FDT_PROP 3U
#define FDT_NOP 4U
#define FDT_END 9U

/* Errors, all negative. */
#define FDT_E_BADMAGIC (-1)
#define FDT_E_TRUNCATED (-2)
#define FDT_E_BADVERSION (-3)
#define FDT_E_BADSTRUCT (-4)
#define FDT_E_BADSTRING (-5)
#define FDT_E_DEPTH (-6)

/** A validated device tree blob. */
struct fdt {
	const u8 *blob;
	u32 size;
	u32 struct_off;
	u32 struct_size;
	u32 strings_off;
	u32 strings_size;
	u32 rsvmap_off;
};

/** One item of the structure block, as fdt_next returns it. */
struct fdt_item {
	u32 token;         /* FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP or FDT_END */
	const char *name;  /* node or property name (NUL-terminated, in bounds) */
	const u8 *value;   /* property value */
	u32 len;           /* property length in bytes */
};

/** Big-endian loads from a byte pointer (no alignment assumed). */
static inline u32 fdt_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) |
	       (u32)p[3];
}

static inline u64 fdt_be64(const u8 *p)
{
	return ((u64)fdt_be32(p) << 32) | fdt_be32(p + 4);
}

/**
 * Checks the header of the blob at `blob`, of which at most `max` bytes may
 * be read, and fills `f`. Returns 0 or an FDT_E_* code.
 */
int fdt_open(struct fdt *f, const void *blob, size_t max) __must_check;

/**
 * Reads the structure block item at *off and advances *off past it. NOP
 * tokens are skipped. Returns 0 or an FDT_E_* code; after FDT_END it keeps
 * returning FDT_END.
 */
int fdt_next(const struct fdt *f, u32 *off, struct fdt_item *it) __must_check;

/**
 * Reads memory reservation map entry `i` (DTSpec 5.3). Returns 1 with
 * *base and *size set, 0 at the end of the map, or an FDT_E_* code.
 */
int fdt_rsvmap(const struct fdt *f, u32 i, u64 *base, u64 *size) __must_check;

/** True if the string list `list` of `len` bytes contains `s`. */
bool fdt_stringlist_has(const u8 *list, u32 len, const char *s);

/**
 * Reads `cells` 32-bit cells (1 or 2) at p as one number. Returns false for
 * other cell counts.
 */
bool fdt_read_cells(const u8 *p, u32 cells, u64 *out);

#endif /* LIB_FDT_H */
