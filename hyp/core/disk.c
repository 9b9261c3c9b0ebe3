/*
 * The boot disk of QEMU's virt machine (virtio-blk over virtio-mmio,
 * legacy or version 2), driven by the hyp for the VMM: the device reaches
 * memory by DMA, at whatever addresses its queue's descriptors hold, so
 * the VMM must never write those. The queue, the request header and the
 * status byte are the hyp's; the data goes to or from VMM frames that
 * mem_host_dma_begin checks and holds (under mem_lock, so that none is
 * given to a VM) until the device has answered. One request at a time,
 * polled; no interrupt.
 *
 * Writes below the first sector of the first partition that is not
 * bootable are refused: the partition table, and the boot partition with
 * the hyp's own image, stay as the boot loader found them.
 */
#include <hyp/arch.h>
#include <hyp/disk.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/platform.h>
#include <lib/lib.h>
#include <lib/spinlock.h>

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
	uintptr_t base; /* 0: no disk */
	u64 sectors;
	u64 first_writable;
	bool read_only;
	bool flush;
	bool failed;
	u16 used_seen;
} disk;
static spinlock_t disk_lock;

static u32 rd(u32 off)
{
	return *(volatile u32 *)(disk.base + off);
}

static void wr(u32 off, u32 v)
{
	*(volatile u32 *)(disk.base + off) = v;
}

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
			disk.failed = true;
			return HV_E_IO;
		}
		__asm__ volatile("yield");
	}
	__asm__ volatile("dsb sy" : : : "memory");
	disk.used_seen++;
	wr(R_INT_ACK, rd(R_INT_STATUS));
	return status == 0 ? HV_OK : HV_E_IO;
}

s64 disk_io(u64 op, u64 sector, u64 pa, u64 n, u64 out[3])
{
	u32 len = (u32)(n * 512);
	bool to_memory = op == HV_DISK_READ;
	s64 ret;

	if (disk.base == 0 || disk.failed) {
		return HV_E_NOT_SUPPORTED;
	}
	if (op == HV_DISK_INFO) {
		out[0] = disk.sectors;
		out[1] = disk.first_writable;
		out[2] = disk.read_only ? 1 : 0;
		return HV_OK;
	}
	if (op == HV_DISK_FLUSH) {
		n = 0;
		len = 0;
	} else if (op != HV_DISK_READ && op != HV_DISK_WRITE) {
		return HV_E_INVALID;
	} else if (n == 0 || n > HV_DISK_MAX_SECTORS || sector >= disk.sectors ||
		   n > disk.sectors - sector || pa % 512 != 0) {
		return HV_E_INVALID;
	}
	if (op == HV_DISK_WRITE && (disk.read_only || sector < disk.first_writable)) {
		return HV_E_DENIED;
	}
	if (op == HV_DISK_FLUSH && !disk.flush) {
		return HV_OK; /* a device without a cache to flush */
	}
	spin_lock(&disk_lock);
	if (disk.failed) {
		spin_unlock(&disk_lock);
		return HV_E_NOT_SUPPORTED;
	}
	ret = len != 0 ? mem_host_dma_begin(pa_of(pa), len, to_memory) : HV_OK;
	if (ret == HV_OK) {
		hdr.type = op == HV_DISK_READ ? 0 : op == HV_DISK_WRITE ? 1 : 4;
		hdr.reserved = 0;
		hdr.sector = op == HV_DISK_FLUSH ? 0 : sector;
		ret = transfer(pa, len, to_memory);
		if (len != 0) {
			mem_host_dma_end();
		}
	}
	spin_unlock(&disk_lock);
	return ret;
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
	disk.read_only = (features >> F_BLK_RO) & 1;
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
	disk.sectors = rd(R_CONFIG) | (u64)rd(R_CONFIG + 4) << 32;
	return true;
}

/*
 * The first sector the VMM may write: past the partition table and every
 * partition before the first one not marked bootable (MBR, read into the
 * first frame at `scratch`, a page of the hyp's).
 */
static u64 first_writable(u64 scratch)
{
	const u8 *mbr = (const u8 *)(uintptr_t)scratch;
	u64 first = disk.sectors;
	u64 boot_end = 1;

	hdr.type = 0; /* a read of sector 0 */
	hdr.reserved = 0;
	hdr.sector = 0;
	if (transfer(scratch, 512, true) != HV_OK || mbr[510] != 0x55 || mbr[511] != 0xaa) {
		return disk.sectors; /* no partition table: nothing writable */
	}
	for (u32 i = 0; i < 4; i++) {
		const u8 *e = mbr + 446 + 16 * i;
		u64 lba = (u64)e[8] | (u64)e[9] << 8 | (u64)e[10] << 16 | (u64)e[11] << 24;
		u64 len = (u64)e[12] | (u64)e[13] << 8 | (u64)e[14] << 16 | (u64)e[15] << 24;

		if (e[4] == 0 || len == 0) {
			continue;
		}
		if (e[0] == 0x80) {
			boot_end = MAX(boot_end, lba + len);
		} else {
			first = MIN(first, lba);
		}
	}
	return MAX(first, boot_end);
}

void disk_init(void)
{
	static u8 scratch[PAGE_SIZE] __aligned(PAGE_SIZE);
	const struct platform *p = &hyp_plat;

	for (u32 i = 0; i < p->num_virtio && disk.base == 0; i++) {
		u32 version;

		disk.base = (uintptr_t)p->virtio[i].base;
		version = rd(R_VERSION);
		if (rd(R_MAGIC) != VIRTIO_MAGIC || rd(R_DEVICE_ID) != 2 ||
		    (version != 1 && version != 2) || !start(version)) {
			disk.base = 0;
		}
	}
	if (disk.base == 0) {
		return;
	}
	disk.first_writable = first_writable((u64)(uintptr_t)scratch);
	log_info("boot disk: virtio-blk at 0x%lx, %lu MiB%s; the VMM may write from sector %lu\n",
		 (unsigned long)disk.base, (unsigned long)(disk.sectors >> 11),
		 disk.read_only ? ", read-only" : "", (unsigned long)disk.first_writable);
}
