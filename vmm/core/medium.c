/*
 * The boot medium through the hyp (medium.h), which copies each request's
 * data to or from the VMM's buffer once it has checked it is the VMM's;
 * a buffer that is not 512-byte aligned goes through a bounce buffer. The
 * partition table is read once, at start-up.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <lib/spinlock.h>
#include <vmm/console.h>
#include <vmm/medium.h>

#define BOUNCE_SECTORS HV_DISK_MAX_SECTORS

static u8 bounce[BOUNCE_SECTORS * 512] __aligned(4096);
static spinlock_t medium_lock;
static struct {
	bool present;
	u64 sectors;
	u64 first_writable;
	bool read_only;
	struct medium_part part[MEDIUM_PARTS]; /* by number - 1; sectors 0: none */
} med;

static u64 le32(const u8 *p)
{
	return (u64)p[0] | (u64)p[1] << 8 | (u64)p[2] << 16 | (u64)p[3] << 24;
}

void medium_init(void)
{
	u64 info[3];

	if (hv_disk_io(HV_DISK_INFO, 0, 0, 0, info) != HV_OK) {
		con_printf("boot medium: none the hyp drives: VM disks live in RAM only\n");
		return;
	}
	med.sectors = info[0];
	med.first_writable = info[1];
	med.read_only = info[2] & 1;
	if (hv_disk_io(HV_DISK_READ, 0, (u64)(uintptr_t)bounce, 1, NULL) != HV_OK ||
	    bounce[510] != 0x55 || bounce[511] != 0xaa) {
		con_printf("boot medium: %lu MiB, no partition table\n",
			   (unsigned long)(med.sectors >> 11));
		return;
	}
	med.present = true;
	for (u32 i = 0; i < MEDIUM_PARTS; i++) {
		const u8 *e = bounce + 446 + 16 * i;
		struct medium_part *p = &med.part[i];

		p->type = e[4];
		p->start = le32(e + 8);
		p->sectors = le32(e + 12);
		if (p->type == 0 || p->sectors == 0 || p->start >= med.sectors ||
		    p->sectors > med.sectors - p->start) {
			p->sectors = 0;
			continue;
		}
		/* As the hyp decides (HV_FN_DISK_IO): not the boot partition, not a
		 * container, from sector 2048, and only if the table is one it
		 * trusts. */
		p->writable = !med.read_only && med.first_writable < med.sectors && e[0] == 0x00 &&
			      p->start >= 2048 && p->type != 0x05 && p->type != 0x0f && p->type != 0x85 &&
			      p->type != 0xee;
		con_printf("boot medium: partition %u: %lu MiB at sector %lu, type 0x%02x%s\n", i + 1,
			   (unsigned long)(p->sectors >> 11), (unsigned long)p->start, p->type,
			   p->type == MEDIUM_BUNDLE_TYPE ? ", the bundle"
			   : p->writable		 ? ""
						 : ", read-only (the boot partition)");
	}
}

u32 medium_name(const char *name)
{
	size_t n = strlen(MEDIUM_PREFIX);

	if (strncmp(name, MEDIUM_PREFIX, n) != 0 || name[n] < '1' || name[n] > '0' + MEDIUM_PARTS ||
	    name[n + 1] != '\0') {
		return 0;
	}
	return (u32)(name[n] - '0');
}

struct medium_part *medium_take(u32 n, const void *user, char *why, size_t whylen)
{
	struct medium_part *p = n >= 1 && n <= MEDIUM_PARTS ? &med.part[n - 1] : NULL;

	spin_lock(&medium_lock);
	if (!med.present) {
		fmt_format(why, whylen, "no boot medium with a partition table");
		p = NULL;
	} else if (p == NULL || p->sectors == 0) {
		fmt_format(why, whylen, "the boot medium has no partition %u", n);
		p = NULL;
	} else if (p->type == MEDIUM_BUNDLE_TYPE) {
		fmt_format(why, whylen, "partition %u of the boot medium holds the bundle", n);
		p = NULL;
	} else if (!p->writable) {
		fmt_format(why, whylen, "partition %u of the boot medium is the boot partition", n);
		p = NULL;
	} else if (p->user != NULL) {
		fmt_format(why, whylen, "partition %u of the boot medium is another VM's disk", n);
		p = NULL;
	} else {
		p->user = user;
	}
	spin_unlock(&medium_lock);
	return p;
}

const struct medium_part *medium_bundle(void)
{
	for (u32 i = 0; i < MEDIUM_PARTS && med.present; i++) {
		if (med.part[i].sectors != 0 && med.part[i].type == MEDIUM_BUNDLE_TYPE) {
			return &med.part[i];
		}
	}
	return NULL;
}

u32 medium_part_number(const struct medium_part *p)
{
	return (u32)(p - med.part) + 1;
}

void medium_release(struct medium_part *p)
{
	spin_lock(&medium_lock);
	p->user = NULL;
	spin_unlock(&medium_lock);
}

s64 medium_io(const struct medium_part *p, bool write, u64 sector, void *buf, u64 n)
{
	u8 *b = buf;
	s64 st = HV_OK;

	if (sector > p->sectors || n > p->sectors - sector) {
		return HV_E_INVALID;
	}
	spin_lock(&medium_lock);
	while (n != 0 && st == HV_OK) {
		u64 k = MIN(n, (u64)BOUNCE_SECTORS);
		/* The hyp copies the data to or from an aligned buffer itself
		 * (once it has checked the frames are the VMM's); any other goes
		 * through the bounce buffer. */
		bool direct = ((uintptr_t)b & 511) == 0;
		u8 *via = direct ? b : bounce;

		if (write && !direct) {
			memcpy(bounce, b, k * 512);
		}
		st = hv_disk_io(write ? HV_DISK_WRITE : HV_DISK_READ, p->start + sector,
				(u64)(uintptr_t)via, k, NULL);
		if (st == HV_OK && !write && !direct) {
			memcpy(b, bounce, k * 512);
		}
		b += k * 512;
		sector += k;
		n -= k;
	}
	spin_unlock(&medium_lock);
	return st;
}

s64 medium_flush(void)
{
	s64 st;

	spin_lock(&medium_lock);
	st = hv_disk_io(HV_DISK_FLUSH, 0, 0, 0, NULL);
	spin_unlock(&medium_lock);
	return st;
}
