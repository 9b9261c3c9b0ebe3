/*
 * vblk: the VMM's virtio block device reaches only what this VM grants.
 * Run with vms/vblk.cfg (a copy of the bundle's ext4 test disk).
 *
 * 1. Rings not granted: the VMM cannot read the request; the device
 *    reports DEVICE_NEEDS_RESET and nothing of ours changes.
 * 2. Rings granted, data buffer not: same, and the buffer keeps its bytes.
 * 3. Everything granted: sector 2 holds the ext4 superblock (magic 0xef53
 *    at byte 56); a sector written reads back.
 * 4. The buffer revoked: refused again, the buffer untouched.
 */
#include "lib/virtio.h"

#define POISON 0x5a
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_S_OK 0

struct blk_req {
	u32 type;
	u32 reserved;
	u64 sector;
} __aligned(16);

/* The header the VMM's virtio_blk.c reads (Virtual I/O Device 1.2, 5.2.6). */
_Static_assert(sizeof(struct blk_req) == 16 && offsetof(struct blk_req, sector) == 8,
	       "virtio-blk request header layout");

static struct vq q __aligned(4096);
static struct blk_req hdr __aligned(4096);
static u8 status __aligned(4096);
static u8 data[4096] __aligned(4096);

/* A three-descriptor request of 512 bytes at `sector`; the used count. */
static u32 request(u32 type, u64 sector)
{
	hdr = (struct blk_req){ type, 0, sector };
	status = 0xff;
	q.desc[0] = (struct vring_desc){ (u64)(uintptr_t)&hdr, sizeof(hdr), VRING_NEXT, 1 };
	q.desc[1] = (struct vring_desc){ (u64)(uintptr_t)data, 512,
					 (u16)(VRING_NEXT | (type == BLK_T_IN ? VRING_WRITE : 0)),
					 2 };
	q.desc[2] = (struct vring_desc){ (u64)(uintptr_t)&status, 1, VRING_WRITE, 0 };
	return vq_kick(VIRTIO_BLK_BASE, &q, 0, 1);
}

static bool needs_reset(void)
{
	return (vio_read(VIRTIO_BLK_BASE, VIO_STATUS) & VIO_NEEDS_RESET) != 0;
}

static bool poisoned(void)
{
	for (u32 i = 0; i < 512; i++) {
		if (data[i] != POISON) {
			return false;
		}
	}
	return true;
}

static void setup(void)
{
	int st = vio_setup(VIRTIO_BLK_BASE, 2, &q);

	result("setup", st == 0, "vio_setup %d", st);
}

void guest_main(void)
{
	u32 used;
	u16 magic;

	/* 1. Nothing granted. */
	setup();
	memset(data, POISON, sizeof(data));
	used = request(BLK_T_IN, 2);
	result("ungranted_ring_refused", used == 0 && needs_reset() && poisoned(),
	       "used %u, needs reset %d, buffer %s", used, needs_reset(),
	       poisoned() ? "untouched" : "written");

	/* 2. Rings and header granted, the data buffer not. */
	setup();
	result("grant_ring", vq_grant(&q, true) == HV_OK && grant_range(&hdr, 16, true) == HV_OK &&
				     grant_range(&status, 1, true) == HV_OK,
	       "grants");
	used = request(BLK_T_IN, 2);
	result("ungranted_buffer_refused", used == 0 && needs_reset() && poisoned(),
	       "used %u, needs reset %d, buffer %s", used, needs_reset(),
	       poisoned() ? "untouched" : "written");

	/* 3. The buffer granted too. */
	setup();
	result("grant_buffer", grant_range(data, sizeof(data), true) == HV_OK, "grant");
	used = request(BLK_T_IN, 2);
	magic = (u16)(data[56] | data[57] << 8);
	result("read_superblock", used == 1 && status == BLK_S_OK && magic == 0xef53,
	       "used %u, status %u, magic 0x%x", used, status, magic);
	for (u32 i = 0; i < 512; i++) {
		data[i] = (u8)(i * 7 + 1);
	}
	used = request(BLK_T_OUT, 16383);
	result("write_last_sector", used == 1 && status == BLK_S_OK, "used %u, status %u", used,
	       status);
	memset(data, 0, 512);
	used = request(BLK_T_IN, 16383);
	{
		bool same = true;

		for (u32 i = 0; i < 512; i++) {
			same = same && data[i] == (u8)(i * 7 + 1);
		}
		result("read_back", used == 1 && status == BLK_S_OK && same,
		       "used %u, status %u, %s", used, status, same ? "same" : "differs");
	}
	used = request(BLK_T_IN, 16384);
	result("past_the_end_ioerr", used == 1 && status == 1, "used %u, status %u", used, status);

	/* 4. Revoked. */
	result("revoke_buffer", grant_range(data, sizeof(data), false) == HV_OK, "revoke");
	memset(data, POISON, sizeof(data));
	used = request(BLK_T_IN, 2);
	result("revoked_buffer_refused", used == 0 && needs_reset() && poisoned(),
	       "used %u, needs reset %d, buffer %s", used, needs_reset(),
	       poisoned() ? "untouched" : "written");
}
