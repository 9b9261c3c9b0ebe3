/*
 * The guest bundle: a cpio archive in the "newc" format (ASCII headers of
 * 110 bytes, name and data each padded to 4 bytes), mapped read-only by
 * the hyp. Every field is checked against the bundle's size.
 */
#include <lib/lib.h>
#include <vmm/bundle.h>
#include <vmm/vmm.h>

#define NEWC_MAGIC "070701"
#define HDR_LEN 110
#define FIELD(i) (6 + 8 * (i)) /* offset of the i-th 8-digit field */
#define F_FILESIZE 6
#define F_MODE 1
#define F_NAMESIZE 11
#define S_IFMT 0170000
#define S_IFREG 0100000

static bool parse_hex8(const char *p, u64 *out)
{
	char buf[10] = { '0', 'x' };

	memcpy(buf + 2, p, 8);
	return fmt_parse_u64(buf, 10, out);
}

/* The entry at *off: its name and data; advances *off. False at the end. */
static bool entry(u64 *off, const char **name, const u8 **data, u64 *size)
{
	const u8 *base = (const u8 *)(uintptr_t)vmm_boot->bundle.base;
	u64 len = vmm_boot->bundle.size;

	while (*off + HDR_LEN <= len) {
		const char *h = (const char *)(base + *off);
		u64 fsize;
		u64 nsize;
		u64 mode;
		u64 name_off = *off + HDR_LEN;
		u64 data_off;

		if (memcmp(h, NEWC_MAGIC, 6) != 0 ||
		    !parse_hex8(h + FIELD(F_FILESIZE), &fsize) ||
		    !parse_hex8(h + FIELD(F_MODE), &mode) ||
		    !parse_hex8(h + FIELD(F_NAMESIZE), &nsize) || nsize == 0 ||
		    nsize > len - name_off) {
			return false;
		}
		data_off = ALIGN_UP(name_off + nsize, 4);
		if (data_off > len || fsize > len - data_off) {
			return false;
		}
		*off = ALIGN_UP(data_off + fsize, 4);
		if (strnlen((const char *)base + name_off, nsize) == nsize - 1) {
			const char *n = (const char *)base + name_off;

			if (strcmp(n, "TRAILER!!!") == 0) {
				return false;
			}
			if ((mode & S_IFMT) != S_IFREG) {
				continue;
			}
			*name = n[0] == '.' && n[1] == '/' ? n + 2 : n;
			*data = base + data_off;
			*size = fsize;
			return true;
		}
	}
	return false;
}

bool bundle_find(const char *name, const u8 **data, u64 *size)
{
	u64 off = 0;
	const char *n;

	while (entry(&off, &n, data, size)) {
		if (strcmp(n, name) == 0) {
			return true;
		}
	}
	return false;
}

bool bundle_next(u64 *cursor, const char **name, u64 *size)
{
	const u8 *data;

	return entry(cursor, name, &data, size);
}
