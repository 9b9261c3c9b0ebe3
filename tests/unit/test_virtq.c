/*
 * Split virtqueues and the virtio block, network and console devices, as
 * a guest driver would drive them: a fake guest RAM of 1 MiB at
 * 0x40000000 whose 4 KiB pages are granted or not, rings laid out in it,
 * the device reached through its virtio-mmio registers. Good requests,
 * each kind of refusal (the device then needs a reset and touches
 * nothing), grants, and the driver's reset.
 */
#include <string.h>

#include <vmm/vdev.h>
#include <vmm/virtq.h>

#include "harness.h"

/* ------------------------------------------------- fake guest RAM ---- */

#define RAM_BASE UINT64_C(0x40000000)
#define RAM_SIZE (UINT64_C(1) << 20)
#define PG 4096

static u8 ram[RAM_SIZE];
static bool granted[RAM_SIZE / PG];

static bool in_ram(u64 gpa, u64 len)
{
	return gpa >= RAM_BASE && len <= RAM_SIZE && gpa - RAM_BASE <= RAM_SIZE - len;
}

static bool reachable(u64 gpa, u64 len)
{
	if (!in_ram(gpa, len)) {
		return false;
	}
	for (u64 p = (gpa - RAM_BASE) / PG; len > 0 && p <= (gpa - RAM_BASE + len - 1) / PG; p++) {
		if (!granted[p]) {
			return false;
		}
	}
	return true;
}

static bool m_valid(void *ctx, u64 gpa, u64 len)
{
	(void)ctx;
	return len != 0 && in_ram(gpa, len);
}

/* Nothing is copied unless every byte is reachable. */
static int m_read(void *ctx, u64 gpa, void *buf, u64 len)
{
	(void)ctx;
	return reachable(gpa, len) ? (memcpy(buf, ram + (gpa - RAM_BASE), len), 0) : -1;
}

static int m_write(void *ctx, u64 gpa, const void *buf, u64 len)
{
	(void)ctx;
	return reachable(gpa, len) ? (memcpy(ram + (gpa - RAM_BASE), buf, len), 0) : -1;
}

static const struct vmem mem = { NULL, m_valid, m_read, m_write };

static u8 *gp(u64 gpa)
{
	return ram + (gpa - RAM_BASE);
}

static void grant(u64 gpa, bool on)
{
	granted[(gpa - RAM_BASE) / PG] = on;
}

static void put16(u64 gpa, u16 v)
{
	memcpy(gp(gpa), &v, 2);
}

/* A little-endian value of n bytes (the host is little-endian too). */
static u32 get(u64 gpa, u32 n)
{
	u32 v = 0;

	memcpy(&v, gp(gpa), n);
	return v;
}

/* ----------------------------------------------- the driver's side ---- */

/* Queue q's areas; buffers from 0x10000 on. */
#define DESC(q) (RAM_BASE + (u64)(q) * 0x4000)
#define AVAIL(q) (DESC(q) + 0x1000)
#define USED(q) (DESC(q) + 0x2000)
#define HDR (RAM_BASE + 0x10000)
#define STATUS (RAM_BASE + 0x10100)
#define DATA (RAM_BASE + 0x20000)

#define R_DEV_FEAT 0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT 0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_STATUS 0x070
#define R_DESC 0x080
#define R_DRIVER 0x090
#define R_DEVICE 0x0a0

#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE
#define ST_UP (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)

static struct vdev dev;
static u16 qnum[VIRTIO_MMIO_QUEUES];
static u16 drv_avail[VIRTIO_MMIO_QUEUES];

static void wr(u64 off, u32 val)
{
	(void)virtio_mmio_access(&dev.mmio, off, 4, true, val);
}

static u32 rd(u64 off)
{
	return virtio_mmio_access(&dev.mmio, off, 4, false, 0);
}

static void ram_reset(void)
{
	memset(ram, 0, sizeof(ram));
	memset(granted, 1, sizeof(granted));
}

static void queue_setup(u32 q, u16 num)
{
	memset(gp(DESC(q)), 0, 0x3000);
	qnum[q] = num;
	drv_avail[q] = 0;
	wr(R_QUEUE_SEL, q);
	wr(R_QUEUE_NUM, num);
	wr(R_DESC, (u32)DESC(q));
	wr(R_DESC + 4, (u32)(DESC(q) >> 32));
	wr(R_DRIVER, (u32)AVAIL(q));
	wr(R_DRIVER + 4, (u32)(AVAIL(q) >> 32));
	wr(R_DEVICE, (u32)USED(q));
	wr(R_DEVICE + 4, (u32)(USED(q) >> 32));
	wr(R_QUEUE_READY, 1);
}

/* Resets the device and brings it up with nq queues of num entries,
 * taking every feature offered. */
static void drv_start(u32 nq, u16 num)
{
	wr(R_STATUS, 0);
	vdev_sync(&dev);
	wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (u32 sel = 0; sel < 2; sel++) {
		wr(R_DEV_FEAT_SEL, sel);
		u32 f = rd(R_DEV_FEAT);
		wr(R_DRV_FEAT_SEL, sel);
		wr(R_DRV_FEAT, f);
	}
	wr(R_STATUS, ST_UP);
	CHECK(rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	for (u32 q = 0; q < nq; q++) {
		queue_setup(q, num);
	}
	wr(R_STATUS, ST_UP | VIRTIO_STATUS_DRIVER_OK);
}

static void desc(u32 q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *p = gp(DESC(q) + 16 * (u64)i);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void post(u32 q, u16 head)
{
	put16(AVAIL(q) + 4 + 2 * (u64)(drv_avail[q] % qnum[q]), head);
	drv_avail[q]++;
	put16(AVAIL(q) + 2, drv_avail[q]);
}

static u16 used_idx(u32 q)
{
	return (u16)get(USED(q) + 2, 2);
}

static u32 used_id(u32 q, u16 i)
{
	return get(USED(q) + 4 + 8 * (u64)(i % qnum[q]), 4);
}

static u32 used_len(u32 q, u16 i)
{
	return get(USED(q) + 8 + 8 * (u64)(i % qnum[q]), 4);
}

/* ----------------------------------------------------- the devices ---- */

#define SECTORS 64
static u8 disk_data[SECTORS * 512];
static struct vblk_disk disk = { disk_data, sizeof(disk_data), false };

static u8 sent[4][VNET_FRAME_MAX + 8];
static u32 sent_len[4];
static u32 nsent;

static void on_send(void *ctx, const u8 *frame, u32 len)
{
	(void)ctx;
	if (nsent < 4 && len <= sizeof(sent[0])) {
		memcpy(sent[nsent], frame, len);
		sent_len[nsent] = len;
	}
	nsent++;
}

static char con_buf[1024];
static u32 con_len;
static u32 con_calls;

static void on_out(void *ctx, const char *buf, u32 len)
{
	(void)ctx;
	if (con_len + len <= sizeof(con_buf)) {
		memcpy(con_buf + con_len, buf, len);
	}
	con_len += len;
	con_calls++;
}

/* The driver notifies queue q and the VMM serves it as vmio.c does: the
 * device's result, or 1 if the notification was ignored. */
static int kick(u32 q)
{
	wr(R_QUEUE_NOTIFY, q);
	vdev_sync(&dev);
	if ((dev.mmio.notified & (1U << q)) == 0) {
		return 1;
	}
	switch (dev.mmio.device_id) {
	case VIRTIO_ID_BLOCK:
		return vblk_process(&dev, &mem, &disk);
	case VIRTIO_ID_NET:
		return vnet_transmit(&dev, &mem, on_send, NULL);
	default:
		return vcon_transmit(&dev, &mem, on_out, NULL);
	}
}

static u8 disk_before[sizeof(disk_data)];
static u16 used_before;

static void snapshot(void)
{
	memcpy(disk_before, disk_data, sizeof(disk_data));
	used_before = used_idx(0);
}

/* A block device on a fresh disk, brought up by the driver; snapshot() taken. */
static void blk_setup(u16 num, bool read_only)
{
	ram_reset();
	for (u32 i = 0; i < sizeof(disk_data); i++) {
		disk_data[i] = (u8)(i * 7 + i / 512);
	}
	disk.read_only = read_only;
	vblk_init(&dev, &disk);
	drv_start(1, num);
	snapshot();
}

/* Queues a block request on descriptors head, head + 1, ...: the header,
 * len bytes of data at DATA (device-writable if dev_writes; none if len
 * is 0), the status byte (set to 0xff first). */
static void blk_req(u16 head, u32 type, u64 sector, u32 len, bool dev_writes)
{
	u16 i = head;

	memcpy(gp(HDR), &type, 4);
	memset(gp(HDR + 4), 0, 4);
	memcpy(gp(HDR + 8), &sector, 8);
	*gp(STATUS) = 0xff;
	desc(0, i, HDR, 16, F_NEXT, (u16)(i + 1));
	i++;
	if (len != 0) {
		desc(0, i, DATA, len, F_NEXT | (dev_writes ? F_WRITE : 0), (u16)(i + 1));
		i++;
	}
	desc(0, i, STATUS, 1, F_WRITE, 0);
	post(0, head);
}

/* Checks one served block request: status, the used entry, the interrupt. */
static void check_served(u16 n, u16 head, u32 written, u8 status)
{
	CHECK_EQ(*gp(STATUS), status);
	CHECK_EQ(used_idx(0), n);
	CHECK_EQ(used_id(0, (u16)(n - 1)), head);
	CHECK_EQ(used_len(0, (u16)(n - 1)), written);
	CHECK_EQ(dev.requests, n);
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_USED);
	CHECK_EQ(rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* A refusal: its code, the device needing a reset (and saying so), no
 * used entry, the disk untouched since snapshot(). */
#define CHECK_REFUSED(st, want) refused_at(__LINE__, st, want)

static void refused_at(int line, int st, int want)
{
	int before = test_checks_failed;

	CHECK_EQ(st, want);
	CHECK_EQ(dev.last_error, want);
	CHECK_EQ(dev.refusals, 1);
	CHECK(rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_CONFIG);
	CHECK_EQ(used_idx(0), used_before);
	CHECK(memcmp(disk_data, disk_before, sizeof(disk_data)) == 0);
	if (test_checks_failed != before) {
		fprintf(stderr, "    (the refusal checked at line %d)\n", line);
	}
}

/* ------------------------------------------------------ virtqueues ---- */

TEST(virtq_pop_push_direct)
{
	struct virtio_queue q = { 8, 8, true, DESC(0), AVAIL(0), USED(0) };
	struct virtq vq = { 0xffff, 0xffff }; /* both indexes about to wrap */
	struct virtq_req r;
	u8 buf[8];

	ram_reset();
	qnum[0] = 8;
	drv_avail[0] = 0xffff;
	put16(AVAIL(0) + 2, 0xffff);
	put16(USED(0) + 2, 0xffff);
	CHECK_EQ(virtq_pop(&vq, &q, &mem, 100, &r), VQ_EMPTY);
	for (u32 i = 0; i < 256; i++) {
		gp(DATA)[i] = (u8)i;
	}
	desc(0, 5, DATA, 10, F_NEXT, 2);
	desc(0, 2, DATA + 100, 6, F_NEXT, 6);
	desc(0, 6, DATA + 200, 20, F_WRITE, 0);
	post(0, 5); /* ring entry 0xffff % 8 = 7, avail idx 0 */
	CHECK_EQ(virtq_pop(&vq, &q, &mem, 35, &r), VQ_E_LEN);
	vq.last_avail = 0xffff;
	CHECK_EQ(virtq_pop(&vq, &q, &mem, 36, &r), VQ_REQ);
	CHECK_EQ(vq.last_avail, 0);
	CHECK_EQ(r.head, 5);
	CHECK_EQ(r.nout, 2);
	CHECK_EQ(r.nin, 1);
	CHECK_EQ(r.out_len, 16);
	CHECK_EQ(r.in_len, 20);
	CHECK_EQ(r.seg[1].gpa, DATA + 100);
	CHECK_EQ(virtq_pop(&vq, &q, &mem, 36, &r), VQ_EMPTY);

	/* Reads across segments; nothing past the readable part. */
	CHECK_EQ(virtq_read(&mem, &r, 7, buf, 6), 0);
	CHECK(memcmp(buf, "\x07\x08\x09\x64\x65\x66", 6) == 0);
	CHECK_EQ(virtq_read(&mem, &r, 12, buf, 5), -1);
	CHECK_EQ(virtq_write(&mem, &r, 18, "ab", 2), 0);
	CHECK(memcmp(gp(DATA + 218), "ab", 2) == 0);
	CHECK_EQ(virtq_write(&mem, &r, 19, "ab", 2), -1);

	CHECK_EQ(virtq_push(&vq, &q, &mem, 5, 20), 0);
	CHECK_EQ(used_idx(0), 0);
	CHECK_EQ(used_id(0, 7), 5);
	CHECK_EQ(used_len(0, 7), 20);
	grant(USED(0), false);
	CHECK_EQ(virtq_push(&vq, &q, &mem, 5, 20), VQ_E_MEM);
	CHECK_EQ(vq.used_idx, 0);
}

/* ------------------------------------------------- block: requests ---- */

TEST(virtq_blk_read)
{
	blk_setup(8, false);
	memset(gp(DATA), 0x5a, 2048);
	blk_req(3, VIRTIO_BLK_T_IN, 2, 1024, true);
	CHECK_EQ(kick(0), 0);
	CHECK(memcmp(gp(DATA), disk_data + 1024, 1024) == 0);
	CHECK_EQ(*gp(DATA + 1024), 0x5a);
	check_served(1, 3, 1025, VIRTIO_BLK_S_OK);
	CHECK(virtio_mmio_irq(&dev.mmio));
}

TEST(virtq_blk_write)
{
	blk_setup(8, false);
	memset(gp(DATA), 0xc3, 512);
	blk_req(0, VIRTIO_BLK_T_OUT, 5, 512, false);
	CHECK_EQ(kick(0), 0);
	check_served(1, 0, 1, VIRTIO_BLK_S_OK);
	CHECK_EQ(disk_data[5 * 512], 0xc3);
	CHECK_EQ(disk_data[6 * 512 - 1], 0xc3);
	CHECK(memcmp(disk_data, disk_before, 5 * 512) == 0);
	CHECK(memcmp(disk_data + 6 * 512, disk_before + 6 * 512, sizeof(disk_data) - 6 * 512) == 0);
}

TEST(virtq_blk_get_id_and_flush)
{
	blk_setup(8, false);
	memset(gp(DATA), 0x5a, 32);
	blk_req(1, VIRTIO_BLK_T_GET_ID, 0, 20, true);
	CHECK_EQ(kick(0), 0);
	CHECK(memcmp(gp(DATA), "hyp-vblk\0\0\0\0\0\0\0\0\0\0\0\0", 20) == 0);
	CHECK_EQ(*gp(DATA + 20), 0x5a);
	check_served(1, 1, 21, VIRTIO_BLK_S_OK);

	blk_req(4, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	CHECK_EQ(kick(0), 0);
	check_served(2, 4, 1, VIRTIO_BLK_S_OK);
}

TEST(virtq_blk_ioerr)
{
	blk_setup(8, false);
	memset(gp(DATA), 0x5a, 1024);
	blk_req(0, VIRTIO_BLK_T_IN, SECTORS - 1, 1024, true);
	CHECK_EQ(kick(0), 0);
	check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(*gp(DATA), 0x5a);

	blk_req(0, VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false);
	CHECK_EQ(kick(0), 0);
	check_served(2, 0, 1, VIRTIO_BLK_S_IOERR);
	blk_req(0, VIRTIO_BLK_T_OUT, UINT64_MAX, 512, false);
	CHECK_EQ(kick(0), 0);
	check_served(3, 0, 1, VIRTIO_BLK_S_IOERR);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 513, false); /* not whole sectors */
	CHECK_EQ(kick(0), 0);
	check_served(4, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK(memcmp(disk_data, disk_before, sizeof(disk_data)) == 0);
}

TEST(virtq_blk_read_only)
{
	blk_setup(8, true);
	CHECK((dev.mmio.device_features & VIRTIO_BLK_F_RO) != 0);
	memset(gp(DATA), 0xc3, 512);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	CHECK_EQ(kick(0), 0);
	check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK(memcmp(disk_data, disk_before, sizeof(disk_data)) == 0);
}

TEST(virtq_blk_unsupported)
{
	blk_setup(8, false);
	blk_req(2, 99, 0, 512, true);
	CHECK_EQ(kick(0), 0);
	check_served(1, 2, 1, VIRTIO_BLK_S_UNSUPP);
}

/* ------------------------------------------------- block: refusals ---- */

TEST(virtq_refuse_addr_outside_ram)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	desc(0, 1, RAM_BASE + RAM_SIZE - 256, 512, F_NEXT | F_WRITE, 2);
	CHECK_REFUSED(kick(0), VQ_E_ADDR);

	/* An address + len that wraps around 2^64, ending inside RAM. */
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	desc(0, 1, UINT64_MAX - 0xfff, (u32)(RAM_BASE + 0x3000), F_NEXT | F_WRITE, 2);
	CHECK_REFUSED(kick(0), VQ_E_ADDR);
}

TEST(virtq_refuse_loop)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	desc(0, 1, DATA, 512, F_NEXT, 0); /* 0 -> 1 -> 0 */
	CHECK_REFUSED(kick(0), VQ_E_LOOP);
}

TEST(virtq_refuse_chain_longer_than_ring)
{
	blk_setup(8, false);
	for (u16 i = 0; i < 8; i++) {
		desc(0, i, i == 0 ? HDR : DATA, i == 0 ? 16 : 512, F_NEXT, (u16)((i + 1) % 8));
	}
	post(0, 0);
	CHECK_REFUSED(kick(0), VQ_E_LOOP);
}

TEST(virtq_refuse_head_index)
{
	blk_setup(8, false);
	desc(0, 0, HDR, 16, F_NEXT, 1);
	desc(0, 1, STATUS, 1, F_WRITE, 0);
	post(0, 8);
	CHECK_REFUSED(kick(0), VQ_E_INDEX);
}

TEST(virtq_refuse_next_index)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	desc(0, 0, HDR, 16, F_NEXT, 8);
	CHECK_REFUSED(kick(0), VQ_E_INDEX);
}

TEST(virtq_refuse_avail_ahead)
{
	blk_setup(8, false);
	for (u16 i = 0; i < 9; i++) {
		blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, false); /* 9 entries on a ring of 8 */
	}
	CHECK_EQ(get(AVAIL(0) + 2, 2), 9);
	CHECK_REFUSED(kick(0), VQ_E_AVAIL);
}

TEST(virtq_refuse_readable_after_writable)
{
	blk_setup(8, false);
	desc(0, 0, HDR, 16, F_NEXT, 1);
	desc(0, 1, STATUS, 1, F_NEXT | F_WRITE, 2);
	desc(0, 2, DATA, 512, 0, 0);
	memcpy(gp(HDR), "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* OUT, sector 0 */
	post(0, 0);
	CHECK_REFUSED(kick(0), VQ_E_ORDER);
}

TEST(virtq_refuse_indirect)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	desc(0, 1, DATA, 512, F_NEXT | VIRTQ_DESC_F_INDIRECT, 2);
	CHECK_REFUSED(kick(0), VQ_E_INDIRECT);
}

TEST(virtq_refuse_zero_length)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	desc(0, 1, DATA, 0, F_NEXT, 2);
	CHECK_REFUSED(kick(0), VQ_E_ADDR);
}

/* A write of 16 descriptors covering all of RAM (1 MiB each) after the
 * header, then `last` bytes and the status byte. */
static void huge_req(u32 last)
{
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	desc(0, 0, HDR, 16, F_NEXT, 1);
	for (u16 i = 1; i <= 16; i++) {
		desc(0, i, RAM_BASE, i < 16 ? (u32)RAM_SIZE : last, F_NEXT, (u16)(i + 1));
	}
	desc(0, 17, STATUS, 1, F_WRITE, 0);
}

TEST(virtq_refuse_too_long)
{
	/* Exactly VBLK_MAX_REQUEST is taken (and fails as past the disk)... */
	blk_setup(32, false);
	huge_req((u32)(RAM_SIZE - 17));
	CHECK_EQ(kick(0), 0);
	check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	/* ...one byte more is refused. */
	snapshot();
	huge_req((u32)(RAM_SIZE - 16));
	CHECK_REFUSED(kick(0), VQ_E_LEN);
}

/* A write of sectors 0..ndata-1, one descriptor per sector. */
static void segs_req(u16 ndata)
{
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	for (u16 i = 1; i <= ndata; i++) {
		desc(0, i, DATA + 512 * (u64)(i - 1), 512, F_NEXT, (u16)(i + 1));
	}
	desc(0, (u16)(ndata + 1), STATUS, 1, F_WRITE, 0);
}

TEST(virtq_refuse_too_many_segments)
{
	blk_setup(128, false);
	for (u32 i = 0; i < 63 * 512; i++) {
		gp(DATA)[i] = (u8)(i / 512 + 100);
	}
	/* VIRTQ_SEGS in all (seg_max = 62 of data) is taken... */
	segs_req(VIRTQ_SEGS - 2);
	CHECK_EQ(kick(0), 0);
	check_served(1, 0, 1, VIRTIO_BLK_S_OK);
	CHECK(memcmp(disk_data, gp(DATA), 62 * 512) == 0);
	/* ...one more is refused. */
	snapshot();
	segs_req(VIRTQ_SEGS - 1);
	CHECK_REFUSED(kick(0), VQ_E_SEGS);
}

TEST(virtq_refuse_short_header)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	desc(0, 0, HDR, 8, F_NEXT, 1);
	CHECK_REFUSED(kick(0), VQ_E_SHORT);

	blk_setup(8, false); /* no status byte */
	desc(0, 0, HDR, 16, 0, 0);
	post(0, 0);
	CHECK_REFUSED(kick(0), VQ_E_SHORT);
}

/* --------------------------------------------------------- grants ---- */

TEST(virtq_ring_not_granted)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	grant(AVAIL(0), false);
	CHECK_REFUSED(kick(0), VQ_E_MEM);
}

TEST(virtq_buffer_not_granted_then_reset)
{
	blk_setup(8, false);
	memset(gp(DATA), 0x5a, 512);
	blk_req(0, VIRTIO_BLK_T_IN, 1, 512, true);
	grant(DATA, false);
	CHECK_REFUSED(kick(0), VQ_E_MEM);
	CHECK_EQ(*gp(DATA), 0x5a);
	CHECK_EQ(*gp(STATUS), 0xff);

	/* The driver resets the device and sets it up again, all granted:
	 * the same request (avail idx 1 again) is served. */
	memset(granted, 1, sizeof(granted));
	drv_start(1, 8);
	CHECK_EQ(dev.vq[0].last_avail, 0);
	CHECK_EQ(rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	blk_req(0, VIRTIO_BLK_T_IN, 1, 512, true);
	CHECK_EQ(kick(0), 0);
	CHECK(memcmp(gp(DATA), disk_data + 512, 512) == 0);
	check_served(1, 0, 513, VIRTIO_BLK_S_OK);
}

TEST(virtq_notify_ignored_while_needs_reset)
{
	blk_setup(8, false);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	put16(AVAIL(0) + 4, 9); /* head past the ring */
	CHECK_REFUSED(kick(0), VQ_E_INDEX);
	/* A good request now: the notification is dropped, and the device
	 * would not take it anyway. */
	memset(gp(DATA), 0xc3, 512);
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	CHECK_EQ(kick(0), 1);
	CHECK_EQ(dev.mmio.notified, 0);
	CHECK_EQ(vblk_process(&dev, &mem, &disk), VQ_E_INDEX);
	CHECK_REFUSED(VQ_E_INDEX, VQ_E_INDEX);
	CHECK_EQ(*gp(STATUS), 0xff);
}

/* -------------------------------------------------------- network ---- */

static const u8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void net_setup(void)
{
	ram_reset();
	nsent = 0;
	vnet_init(&dev, mac);
	drv_start(2, 8);
	snapshot();
}

/* Queues a frame of len bytes (byte i = i + seed) after a header of 0xee
 * on transmit descriptors head and head + 1. */
static void tx_frame(u16 head, u64 buf, u32 len, u8 seed)
{
	memset(gp(buf), 0xee, VNET_HDR_LEN);
	for (u32 i = 0; i < len; i++) {
		gp(buf + VNET_HDR_LEN)[i] = (u8)(i + seed);
	}
	desc(1, head, buf, VNET_HDR_LEN + 3, F_NEXT, (u16)(head + 1));
	desc(1, (u16)(head + 1), buf + VNET_HDR_LEN + 3, len - 3, 0, 0);
	post(1, head);
}

TEST(virtq_net_transmit)
{
	net_setup();
	tx_frame(2, DATA, 60, 1);
	CHECK_EQ(kick(1), 0);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent_len[0], 60);
	CHECK(memcmp(sent[0], gp(DATA + VNET_HDR_LEN), 60) == 0);
	CHECK_EQ(sent[0][0], 1);
	CHECK_EQ(used_idx(1), 1);
	CHECK_EQ(used_id(1, 0), 2);
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_USED);
}

TEST(virtq_net_transmit_drops_bad_sizes)
{
	static const u32 lens[4] = { 13, 14, VNET_FRAME_MAX, VNET_FRAME_MAX + 1 };

	net_setup();
	for (u16 i = 0; i < 4; i++) {
		tx_frame((u16)(2 * i), DATA + 0x1000 * (u64)i, lens[i], (u8)i);
	}
	CHECK_EQ(kick(1), 0);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(sent_len[0], 14);
	CHECK_EQ(sent_len[1], VNET_FRAME_MAX);
	CHECK_EQ(sent[1][VNET_FRAME_MAX - 1], (u8)(VNET_FRAME_MAX - 1 + 2));
	CHECK_EQ(used_idx(1), 4);
	CHECK_EQ(used_id(1, 0), 0);
	CHECK_EQ(used_id(1, 3), 6);
	CHECK_EQ(dev.refusals, 0);
}

TEST(virtq_net_receive)
{
	u8 frame[60];

	for (u32 i = 0; i < sizeof(frame); i++) {
		frame[i] = (u8)(0x80 + i);
	}
	net_setup();
	CHECK_EQ(vnet_receive(&dev, &mem, frame, sizeof(frame)), 0); /* none posted */
	CHECK_EQ(used_idx(0), 0);

	memset(gp(DATA), 0x5a, 2048);
	desc(0, 3, DATA, VNET_HDR_LEN + sizeof(frame), F_WRITE, 0); /* just fits */
	post(0, 3);
	CHECK_EQ(vnet_receive(&dev, &mem, frame, sizeof(frame)), 1);
	CHECK(memcmp(gp(DATA), "\0\0\0\0\0\0\0\0\0\0\x01\0", VNET_HDR_LEN) == 0);
	CHECK(memcmp(gp(DATA + VNET_HDR_LEN), frame, sizeof(frame)) == 0);
	CHECK_EQ(*gp(DATA + VNET_HDR_LEN + sizeof(frame)), 0x5a);
	CHECK_EQ(used_idx(0), 1);
	CHECK_EQ(used_id(0, 0), 3);
	CHECK_EQ(used_len(0, 0), VNET_HDR_LEN + sizeof(frame));
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_USED);

	/* A byte too small for the frame: dropped, the header alone. */
	memset(gp(DATA), 0x5a, 2048);
	desc(0, 4, DATA, VNET_HDR_LEN + sizeof(frame) - 1, F_WRITE, 0);
	post(0, 4);
	CHECK_EQ(vnet_receive(&dev, &mem, frame, sizeof(frame)), 1);
	CHECK_EQ(gp(DATA)[10], 1);
	CHECK_EQ(gp(DATA)[VNET_HDR_LEN], 0x5a);
	CHECK_EQ(used_id(0, 1), 4);
	CHECK_EQ(used_len(0, 1), VNET_HDR_LEN);

	/* Smaller than the header: the device claims no more than it wrote. */
	desc(0, 5, DATA + 1024, 8, F_WRITE, 0);
	post(0, 5);
	CHECK_EQ(vnet_receive(&dev, &mem, frame, sizeof(frame)), 1);
	CHECK_EQ(used_id(0, 2), 5);
	CHECK_EQ(used_len(0, 2), 8);
	CHECK_EQ(gp(DATA + 1024)[8], 0x5a);
	CHECK_EQ(dev.refusals, 0);
}

TEST(virtq_net_receive_refuses_readable)
{
	u8 frame[60] = { 0 };

	net_setup();
	memset(gp(DATA), 0x5a, 2048);
	desc(0, 0, DATA, 16, F_NEXT, 1);
	desc(0, 1, DATA + 16, 2048 - 16, F_WRITE, 0);
	post(0, 0);
	CHECK_REFUSED(vnet_receive(&dev, &mem, frame, sizeof(frame)), VQ_E_ORDER);
	CHECK_EQ(*gp(DATA + 16), 0x5a);
	CHECK_EQ(vnet_receive(&dev, &mem, frame, sizeof(frame)), 0); /* stopped */
}

/* -------------------------------------------------------- console ---- */

TEST(virtq_con_transmit)
{
	ram_reset();
	con_len = 0;
	con_calls = 0;
	vcon_init(&dev);
	drv_start(2, 8);
	memcpy(gp(DATA), "hello, ", 7);
	memcpy(gp(DATA + 0x100), "world\n", 6);
	desc(1, 6, DATA, 7, F_NEXT, 7);
	desc(1, 7, DATA + 0x100, 6, 0, 0);
	post(1, 6);
	CHECK_EQ(kick(1), 0);
	CHECK_EQ(con_len, 13);
	CHECK_EQ(con_calls, 1);
	CHECK(memcmp(con_buf, "hello, world\n", 13) == 0);
	CHECK_EQ(used_idx(1), 1);
	CHECK_EQ(used_id(1, 0), 6);
	CHECK_EQ(used_len(1, 0), 0);

	/* More than the device's 256-byte chunk, in order. */
	for (u32 i = 0; i < 300; i++) {
		gp(DATA + 0x1000)[i] = (u8)('a' + i % 26);
	}
	desc(1, 0, DATA + 0x1000, 300, 0, 0);
	post(1, 0);
	CHECK_EQ(kick(1), 0);
	CHECK_EQ(con_len, 313);
	CHECK_EQ(con_calls, 3); /* 256 + 44 */
	CHECK(memcmp(con_buf + 13, gp(DATA + 0x1000), 300) == 0);
	CHECK_EQ(used_idx(1), 2);
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_USED);
}

TEST(virtq_con_receive)
{
	ram_reset();
	vcon_init(&dev);
	drv_start(2, 8);
	CHECK_EQ(vcon_receive(&dev, &mem, (const u8 *)"ls\n", 3), 0); /* none posted */
	memset(gp(DATA), 0x5a, 16);
	desc(0, 2, DATA, 2, F_WRITE, 0); /* room for two bytes */
	post(0, 2);
	CHECK_EQ(vcon_receive(&dev, &mem, (const u8 *)"ls\n", 3), 2);
	CHECK(memcmp(gp(DATA), "ls\x5a", 3) == 0);
	CHECK_EQ(used_idx(0), 1);
	CHECK_EQ(used_id(0, 0), 2);
	CHECK_EQ(used_len(0, 0), 2);
	CHECK(dev.mmio.interrupt_status & VIRTIO_INT_USED);
	/* A device-readable receive buffer is refused. */
	desc(0, 4, DATA, 8, 0, 0);
	post(0, 4);
	CHECK_EQ(vcon_receive(&dev, &mem, (const u8 *)"\n", 1), VQ_E_ORDER);
	CHECK(dev.mmio.status & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(used_idx(0), 1);
}
