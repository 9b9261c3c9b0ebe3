/*
 * Flattened device tree reader. See lib/fdt.h.
 */
#include <lib/fdt.h>
#include <lib/lib.h>

/* Header field offsets (DTSpec 5.2). */
#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_STRUCT 8
#define HDR_OFF_STRINGS 12
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP 24
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36
#define HDR_LEN 40

/* Structure block items are 4-byte aligned. */
#define TOKEN_ALIGN 4U

static bool range_ok(u32 total, u32 off, u32 len)
{
	return off <= total && len <= total - off;
}

int fdt_open(struct fdt *f, const void *blob, size_t max)
{
	const u8 *b = blob;
	u32 total;

	if (max < HDR_LEN) {
		return FDT_E_TRUNCATED;
	}
	if (fdt_be32(b + HDR_MAGIC) != FDT_MAGIC) {
		return FDT_E_BADMAGIC;
	}
	total = fdt_be32(b + HDR_TOTALSIZE);
	if (total < HDR_LEN || total > max) {
		return FDT_E_TRUNCATED;
	}
	/* Version 16 introduced nothing we rely on past 17's size_dt_struct. */
	if (fdt_be32(b + HDR_VERSION) < 17 || fdt_be32(b + HDR_LAST_COMP) > 17) {
		return FDT_E_BADVERSION;
	}
	f->blob = b;
	f->size = total;
	f->struct_off = fdt_be32(b + HDR_OFF_STRUCT);
	f->struct_size = fdt_be32(b + HDR_SIZE_STRUCT);
	f->strings_off = fdt_be32(b + HDR_OFF_STRINGS);
	f->strings_size = fdt_be32(b + HDR_SIZE_STRINGS);
	f->rsvmap_off = fdt_be32(b + HDR_OFF_RSVMAP);
	if (!range_ok(total, f->struct_off, f->struct_size) ||
	    f->struct_off % TOKEN_ALIGN != 0 || f->struct_size % TOKEN_ALIGN != 0) {
		return FDT_E_BADSTRUCT;
	}
	if (!range_ok(total, f->strings_off, f->strings_size)) {
		return FDT_E_BADSTRING;
	}
	if (f->rsvmap_off % 8 != 0 || !range_ok(total, f->rsvmap_off, 16)) {
		return FDT_E_TRUNCATED;
	}
	return 0;
}

int fdt_rsvmap(const struct fdt *f, u32 i, u64 *base, u64 *size)
{
	u32 off;

	if (i >= (f->size - f->rsvmap_off) / 16) {
		return FDT_E_TRUNCATED;
	}
	off = f->rsvmap_off + i * 16;
	*base = fdt_be64(f->blob + off);
	*size = fdt_be64(f->blob + off + 8);
	return (*base == 0 && *size == 0) ? 0 : 1;
}

/* Length of the NUL-terminated string at off, or -1 if it runs past end. */
static s64 bounded_strlen(const u8 *p, u32 off, u32 end)
{
	for (u32 i = off; i < end; i++) {
		if (p[i] == '\0') {
			return (s64)(i - off);
		}
	}
	return -1;
}

int fdt_next(const struct fdt *f, u32 *off, struct fdt_item *it)
{
	const u32 end = f->struct_size;
	const u8 *s = f->blob + f->struct_off;

	for (;;) {
		u32 o = *off;
		u32 tok;

		if (!range_ok(end, o, 4)) {
			return FDT_E_BADSTRUCT;
		}
		tok = fdt_be32(s + o);
		o += 4;
		it->token = tok;
		it->name = NULL;
		it->value = NULL;
		it->len = 0;
		switch (tok) {
		case FDT_NOP:
			*off = o;
			continue;
		case FDT_END:
			return 0;
		case FDT_END_NODE:
			*off = o;
			return 0;
		case FDT_BEGIN_NODE: {
			s64 n = bounded_strlen(s, o, end);

			if (n < 0) {
				return FDT_E_BADSTRUCT;
			}
			it->name = (const char *)(s + o);
			*off = (u32)ALIGN_UP((u64)o + (u64)n + 1, TOKEN_ALIGN);
			return 0;
		}
		case FDT_PROP: {
			u32 len;
			u32 nameoff;
			s64 n;

			if (!range_ok(end, o, 8)) {
				return FDT_E_BADSTRUCT;
			}
			len = fdt_be32(s + o);
			nameoff = fdt_be32(s + o + 4);
			o += 8;
			if (!range_ok(end, o, len)) {
				return FDT_E_BADSTRUCT;
			}
			if (nameoff >= f->strings_size) {
				return FDT_E_BADSTRING;
			}
			n = bounded_strlen(f->blob + f->strings_off, nameoff,
					   f->strings_size);
			if (n < 0) {
				return FDT_E_BADSTRING;
			}
			it->name = (const char *)(f->blob + f->strings_off + nameoff);
			it->value = s + o;
			it->len = len;
			*off = (u32)ALIGN_UP((u64)o + len, TOKEN_ALIGN);
			return 0;
		}
		default:
			return FDT_E_BADSTRUCT;
		}
	}
}

bool fdt_stringlist_has(const u8 *list, u32 len, const char *s)
{
	size_t slen = strlen(s);
	u32 i = 0;

	while (i < len) {
		u32 n = 0;

		while (i + n < len && list[i + n] != '\0') {
			n++;
		}
		if (n == slen && memcmp(list + i, s, slen) == 0) {
			return true;
		}
		i += n + 1;
	}
	return false;
}

bool fdt_read_cells(const u8 *p, u32 cells, u64 *out)
{
	if (cells == 1) {
		*out = fdt_be32(p);
		return true;
	}
	if (cells == 2) {
		*out = fdt_be64(p);
		return true;
	}
	return false;
}
