/*
 * The guest bundle: a cpio archive in the "newc" format (ASCII headers of
 * 110 bytes, name and data each padded to 4 bytes). Either the boot loader
 * loaded it and the hyp maps it read-only, or it is a partition of the
 * boot medium (type 0xda): then its index is read at start-up and each
 * file is read into VMM memory the first time it is asked for, so the boot
 * loader no longer reads it all before anything runs. Every field is
 * checked against the bundle's size.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/bundle.h>
#include <vmm/console.h>
#include <vmm/medium.h>
#include <vmm/palloc.h>
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

/* A bundle on the medium: where each file is, and where it was read to. */
#define FILES_MAX 96
#define SMALL_MAX (256U << 10) /* smaller files share the arena */
#define ARENA (1U << 20)

static struct {
	const struct medium_part *part; /* NULL: the bundle is in memory */
	u32 n;
	struct {
		char name[64];
		u64 off; /* of its data, in the partition */
		u64 size;
		const u8 *data; /* NULL until read */
	} f[FILES_MAX];
	u64 arena_used;
} med;
static u8 arena[ARENA] __aligned(512);

/*
 * The header at h, with `avail` bytes readable from h: its data's size,
 * its mode and the size of the name after it (NUL included, within avail).
 * False if it is not a header.
 */
static bool header(const char *h, u64 avail, u64 *fsize, u64 *mode, u64 *nsize)
{
	return avail >= HDR_LEN && memcmp(h, NEWC_MAGIC, 6) == 0 &&
	       parse_hex8(h + FIELD(F_FILESIZE), fsize) && parse_hex8(h + FIELD(F_MODE), mode) &&
	       parse_hex8(h + FIELD(F_NAMESIZE), nsize) && *nsize != 0 &&
	       *nsize <= avail - HDR_LEN;
}

/* The entry at *off of the bundle in memory: its name and data; advances
 * *off. False at the end. */
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

		if (!header(h, len - *off, &fsize, &mode, &nsize)) {
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

/*
 * The index of the bundle on partition p: each header read with the name
 * after it (three sectors hold both), the data skipped.
 */
static void index_medium(const struct medium_part *p)
{
	static u8 buf[3 * 512] __aligned(512);
	u64 off = 0;
	u64 len = p->sectors * 512;

	while (med.n < FILES_MAX && off + HDR_LEN <= len) {
		u64 k = MIN((u64)3, p->sectors - off / 512);
		const char *h = (const char *)buf + off % 512;
		u64 avail = k * 512 - off % 512; /* header and name within buf */
		u64 fsize;
		u64 nsize;
		u64 mode;
		u64 data_off;

		if (medium_io(p, false, off / 512, buf, k) != HV_OK) {
			con_printf("bundle: the boot medium failed a read of its index\n");
			return;
		}
		if (!header(h, avail, &fsize, &mode, &nsize) ||
		    strnlen(h + HDR_LEN, nsize) != nsize - 1) {
			return; /* not an entry: the end */
		}
		data_off = ALIGN_UP(off + HDR_LEN + nsize, 4);
		if (strcmp(h + HDR_LEN, "TRAILER!!!") == 0 || data_off > len ||
		    fsize > len - data_off) {
			return;
		}
		if ((mode & S_IFMT) == S_IFREG) {
			const char *n = h + HDR_LEN;

			n += n[0] == '.' && n[1] == '/' ? 2 : 0;
			if (strlen(n) < sizeof(med.f[0].name)) {
				memcpy(med.f[med.n].name, n, strlen(n) + 1);
				med.f[med.n].off = data_off;
				med.f[med.n].size = fsize;
				med.f[med.n].data = NULL;
				med.n++;
			}
		}
		off = ALIGN_UP(data_off + fsize, 4);
	}
}

void bundle_init(void)
{
	const struct medium_part *p;

	if (vmm_boot->bundle.size != 0) {
		return; /* loaded by the boot loader */
	}
	p = medium_bundle();
	if (p == NULL) {
		con_printf("bundle: none loaded and none on the boot medium\n");
		return;
	}
	med.part = p;
	index_medium(p);
	con_printf("bundle: %u files on partition %u of the boot medium, each read when first "
		   "used\n",
		   med.n, medium_part_number(p));
}

/* File i of the bundle on the medium, read into memory if it was not. */
static const u8 *load(u32 i)
{
	u64 first = med.f[i].off / 512;
	u64 in = med.f[i].off % 512;
	u64 sectors = (in + med.f[i].size + 511) / 512;
	u8 *buf;

	if (med.f[i].data != NULL || med.f[i].size == 0) {
		return med.f[i].data != NULL ? med.f[i].data : arena;
	}
	if (sectors * 512 <= SMALL_MAX && med.arena_used + sectors * 512 <= ARENA) {
		buf = arena + med.arena_used;
		med.arena_used += sectors * 512;
	} else {
		u64 pa = palloc_run((u32)((sectors * 512 + BLOCK_SIZE - 1) / BLOCK_SIZE));

		if (pa == 0) {
			con_printf("bundle: no memory to read %s (%lu KiB)\n", med.f[i].name,
				   (unsigned long)(med.f[i].size >> 10));
			return NULL;
		}
		buf = (u8 *)(uintptr_t)pa;
	}
	if (medium_io(med.part, false, first, buf, sectors) != HV_OK) {
		con_printf("bundle: the boot medium failed a read of %s\n", med.f[i].name);
		return NULL; /* (its memory stays taken: the medium is failing) */
	}
	med.f[i].data = buf + in;
	return med.f[i].data;
}

bool bundle_find(const char *name, const u8 **data, u64 *size)
{
	u64 off = 0;
	const char *n;

	if (med.part != NULL) {
		for (u32 i = 0; i < med.n; i++) {
			if (strcmp(med.f[i].name, name) == 0) {
				*data = load(i);
				*size = med.f[i].size;
				return *data != NULL;
			}
		}
		return false;
	}
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

	if (med.part != NULL) {
		if (*cursor >= med.n) {
			return false;
		}
		*name = med.f[*cursor].name;
		*size = med.f[*cursor].size;
		(*cursor)++;
		return true;
	}
	return entry(cursor, name, &data, size);
}
