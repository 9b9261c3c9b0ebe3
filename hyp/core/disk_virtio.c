/*
 * The boot disk of QEMU's virt machine: virtio-blk over virtio-mmio
 * (legacy or version 2). The device reaches memory by DMA, at whatever
 * addresses its queue's descriptors hold, so the queue, the request header
 * and the status byte are the hyp's, and the data goes to or from the
 * frames disk.c has checked and holds. One request at a time, polled; no
 * interrupt.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <lib/lib.h>

#include "disk_priv.h"

/* virtio-mmio registers (Virtual I/O Device 1.2, 4.2.2; 4.2.4 legacy). */
enum {
	R_MAGIC = 0x000,
	R_VERSION = 0x004,
	R_DEVICE_ID = 0x008,
	R_DEV_FEATURES = 0x010,
	R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020,
	R_DRV_FEATURES_SEL = 0x024,
	R_GUEST_PAGE_SIZE = 0x028, /* legacy */
	R_QUEUE_SEL = 0x030,
	R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038,
	R_QUEUE_ALIGN = 0x03c, /* legacy */
	R_QUEUE_PFN = 0x040,   /* legacy */
	R_QUEUE_READY = 0x044,
	R_QUEUE_NOTIFY = 0x050,
	R_INT_STATUS = 0x060,
	R_INT_ACK = 0x064,
	R_STATUS = 0x070,
	R_QUEUE_DESC = 0x080,
	R_QUEUE_DRIVER = 0x090,
	R_QUEUE_DEVICE = 0x0a0,
	R_CONFIG = 0x100,
};

#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define ST_ACK 1U
#define ST_DRIVER 2U
#define ST_DRIVER_OK 4U
#define ST_FEATURES_OK 8U
#define F_BLK_RO 5
#define F_BLK_FLUSH 9
#define QNUM 4
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define AVAIL_F_NO_INTERRUPT 1
#define POLL_SECONDS 10

/* The queue in the legacy layout (4.2.4: desc, avail, then used at the
 * next QueueAlign), which a version 2 device takes as well. */
struct vq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct ring {
	struct vq_desc desc[QNUM];
	u16 avail_flags;
	u16 avail_idx;
	u16 avail_ring[QNUM];
	u8 pad[PAGE_SIZE - QNUM * 16 - 4 - QNUM * 2];
	u16 used_flags;
	volatile u16 used_idx;
	struct {
		u32 id;
		u32 len;
	} used_ring[QNUM];
};

static struct ring ring __aligned(PAGE_SIZE);
static struct {
	u32 type;
	u32 reserved;
	u64 sector;
} hdr __aligned(16);
static volatile u8 status;

static struct {
	uintptr_t base;
	bool flush;
	u16 used_seen;
} disk;
static struct disk_dev dev;

#define rd(off) disk_rd(disk.base, off)
#define wr(off, v) disk_wr(disk.base, off, v)

/* Gives the request in hdr (with data at pa, len bytes) to the device and
 * waits for its answer; the device is reset if none comes. */
static s64 transfer(u64 pa, u32 len, bool to_memory)
{
	u16 last = len != 0 ? 2 : 1;
	u64 deadline = arch_counter() + POLL_SECONDS * arch_counter_freq();

	/* header, the data (if any), the status byte */
	ring.desc[0] = (struct vq_desc){ (u64)(uintptr_t)&hdr, sizeof(hdr), DESC_F_NEXT, 1 };
	if (len != 0) {
		ring.desc[1] = (struct vq_desc){ pa, len,
						 DESC_F_NEXT | (to_memory ? DESC_F_WRITE : 0), 2 };
	}
	ring.desc[last] = (struct vq_desc){ (u64)(uintptr_t)&status, 1, DESC_F_WRITE, 0 };
	status = 0xff;
	ring.avail_ring[ring.avail_idx % QNUM] = 0;
	__asm__ volatile("dsb sy" : : : "memory");
	ring.avail_idx++;
	__asm__ volatile("dsb sy" : : : "memory");
	wr(R_QUEUE_NOTIFY, 0);
	while (ring.used_idx == disk.used_seen) {
		if (arch_counter() > deadline) {
			log_warn("boot disk: no answer in %u s: device reset, disk off\n",
				 POLL_SECONDS);
			wr(R_STATUS, 0); /* a reset stops its DMA */
			__atomic_store_n(&dev.failed, true, __ATOMIC_RELEASE);
			return HV_E_IO;
		}
		__asm__ volatile("yield");
	}
	__asm__ volatile("dsb sy" : : : "memory");
	disk.used_seen++;
	wr(R_INT_ACK, rd(R_INT_STATUS));
	return status == 0 ? HV_OK : HV_E_IO;
}

/* Brings the device up with one queue of QNUM; false if it will not. */
static bool start(u32 version)
{
	u64 r = (u64)(uintptr_t)&ring;
	u32 features;

	wr(R_STATUS, 0);
	wr(R_STATUS, ST_ACK | ST_DRIVER);
	wr(R_DEV_FEATURES_SEL, 0);
	features = rd(R_DEV_FEATURES);
	dev.read_only = (features >> F_BLK_RO) & 1;
	disk.flush = (features >> F_BLK_FLUSH) & 1;
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, features & ((1U << F_BLK_RO) | (1U << F_BLK_FLUSH)));
	if (version == 2) {
		wr(R_DEV_FEATURES_SEL, 1);
		if ((rd(R_DEV_FEATURES) & 1) == 0) {
			return false; /* no VIRTIO_F_VERSION_1 */
		}
		wr(R_DRV_FEATURES_SEL, 1);
		wr(R_DRV_FEATURES, 1);
		wr(R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
		if ((rd(R_STATUS) & ST_FEATURES_OK) == 0) {
			return false;
		}
	}
	wr(R_QUEUE_SEL, 0);
	if (rd(R_QUEUE_NUM_MAX) < QNUM) {
		return false;
	}
	wr(R_QUEUE_NUM, QNUM);
	ring.avail_flags = AVAIL_F_NO_INTERRUPT;
	if (version == 1) {
		wr(R_GUEST_PAGE_SIZE, PAGE_SIZE);
		wr(R_QUEUE_ALIGN, PAGE_SIZE);
		wr(R_QUEUE_PFN, (u32)(r >> PAGE_SHIFT));
	} else {
		wr(R_QUEUE_DESC, (u32)r);
		wr(R_QUEUE_DESC + 4, (u32)(r >> 32));
		wr(R_QUEUE_DRIVER, (u32)(r + offsetof(struct ring, avail_flags)));
		wr(R_QUEUE_DRIVER + 4, (u32)(r >> 32));
		wr(R_QUEUE_DEVICE, (u32)(r + offsetof(struct ring, used_flags)));
		wr(R_QUEUE_DEVICE + 4, (u32)(r >> 32));
		wr(R_QUEUE_READY, 1);
	}
	wr(R_STATUS, rd(R_STATUS) | ST_DRIVER_OK);
	dev.sectors = rd(R_CONFIG) | (u64)rd(R_CONFIG + 4) << 32;
	return true;
}

static s64 virtio_rw(u32 op, u64 sector, u64 pa, u32 n)
{
	if (op == HV_DISK_FLUSH && !disk.flush) {
		return HV_OK; /* a device without a cache to flush */
	}
	hdr.type = op == HV_DISK_READ ? 0 : op == HV_DISK_WRITE ? 1 : 4;
	hdr.reserved = 0;
	hdr.sector = op == HV_DISK_FLUSH ? 0 : sector;
	return transfer(pa, n * 512, op == HV_DISK_READ);
}

struct disk_dev *disk_virtio_probe(void)
{
	const struct platform *p = &hyp_plat;

	uintptr_t found = 0;

	/* Every device is the hyp's: the others are reset, so that none the
	 * boot loader left running reaches memory the VMM now has. */
	for (u32 i = 0; i < p->num_virtio; i++) {
		u32 version;

		disk.base = (uintptr_t)p->virtio[i].base;
		version = rd(R_VERSION);
		if (rd(R_MAGIC) != VIRTIO_MAGIC || rd(R_DEVICE_ID) == 0) {
			continue;
		}
		if (found == 0 && rd(R_DEVICE_ID) == 2 && (version == 1 || version == 2) &&
		    start(version)) {
			found = disk.base;
		} else {
			wr(R_STATUS, 0);
		}
	}
	if (found == 0) {
		return NULL;
	}
	disk.base = found;
	dev.name = "virtio-blk";
	dev.base = found;
	dev.rw = virtio_rw;
	return &dev;
}

