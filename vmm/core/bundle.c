/*
 * The guest bundle: a cpio archive in the "newc" format (ASCII headers of
 * 110 bytes, name and data each padded to 4 bytes), mapped read-only by
 * the hyp. Every field is checked against the bundle's size.
 */
#include <hyp/lib.h>
#include <vmm/vmm.h>

#define NEWC_MAGIC "070701"
#define HDR_LEN 110
#define FIELD(i) (6 + 8 * (i)) /* offset of the i-th 8-digit field */
#define F_FILESIZE 6
#define F_NAMESIZE 11

static bool parse_hex8(const char *p, u64 *out)
{
	char buf[10] = { '0', 'x' };

	memcpy(buf + 2, p, 8);
	return fmt_parse_u64(buf, 10, out);
}

bool bundle_find(const char *name, const u8 **data, u64 *size)
{
	const u8 *base = (const u8 *)(uintptr_t)vmm_boot->bundle.base;
	u64 len = vmm_boot->bundle.size;
	u64 off = 0;

	while (off + HDR_LEN <= len) {
		const char *h = (const char *)(base + off);
		u64 fsize;
		u64 nsize;
		u64 name_off = off + HDR_LEN;
		u64 data_off;

		if (memcmp(h, NEWC_MAGIC, 6) != 0 ||
		    !parse_hex8(h + FIELD(F_FILESIZE), &fsize) ||
		    !parse_hex8(h + FIELD(F_NAMESIZE), &nsize) || nsize == 0 ||
		    nsize > len - name_off) {
			return false;
		}
		data_off = ALIGN_UP(name_off + nsize, 4);
		if (data_off > len || fsize > len - data_off) {
			return false;
		}
		if (strnlen((const char *)base + name_off, nsize) == nsize - 1) {
			const char *n = (const char *)base + name_off;

			if (strcmp(n, "TRAILER!!!") == 0) {
				return false;
			}
			if (strcmp(n, name) == 0 ||
			    (n[0] == '.' && n[1] == '/' && strcmp(n + 2, name) == 0)) {
				*data = base + data_off;
				*size = fsize;
				return true;
			}
		}
		off = ALIGN_UP(data_off + fsize, 4);
	}
	return false;
}
