/*
 * The fake guest driver of the virtqueue and device tests: see
 * virtq_driver.h.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

/* ------------------------------------------------- fake guest RAM ---- */

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

const struct vmem drv_mem = { NULL, m_valid, m_read, m_write };

u8 *drv_ram(u64 gpa)
{
	return ram + (gpa - RAM_BASE);
}

void drv_grant(u64 gpa, bool on)
{
	granted[(gpa - RAM_BASE) / PG] = on;
}

void drv_put16(u64 gpa, u16 v)
{
	memcpy(drv_ram(gpa), &v, 2);
}

u32 drv_get(u64 gpa, u32 n)
{
	u32 v = 0;

	memcpy(&v, drv_ram(gpa), n);
	return v;
}

/* ----------------------------------------------- the driver's side ---- */

struct vdev drv_dev;
u16 drv_qnum[VIRTIO_MMIO_QUEUES];
u16 drv_avail[VIRTIO_MMIO_QUEUES];

void drv_wr(u64 off, u32 val)
{
	(void)virtio_mmio_access(&drv_dev.mmio, off, 4, true, val);
}

u32 drv_rd(u64 off)
{
	return virtio_mmio_access(&drv_dev.mmio, off, 4, false, 0);
}

void drv_ram_reset(void)
{
	memset(ram, 0, sizeof(ram));
	memset(granted, 1, sizeof(granted));
}

static void queue_setup(u32 q, u16 num)
{
	memset(drv_ram(DESC(q)), 0, 0x3000);
	drv_qnum[q] = num;
	drv_avail[q] = 0;
	drv_wr(R_QUEUE_SEL, q);
	drv_wr(R_QUEUE_NUM, num);
	drv_wr(R_DESC, (u32)DESC(q));
	drv_wr(R_DESC + 4, (u32)(DESC(q) >> 32));
	drv_wr(R_DRIVER, (u32)AVAIL(q));
	drv_wr(R_DRIVER + 4, (u32)(AVAIL(q) >> 32));
	drv_wr(R_DEVICE, (u32)USED(q));
	drv_wr(R_DEVICE + 4, (u32)(USED(q) >> 32));
	drv_wr(R_QUEUE_READY, 1);
}

void drv_start(u32 nq, u16 num)
{
	drv_wr(R_STATUS, 0);
	vdev_sync(&drv_dev);
	drv_wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (u32 sel = 0; sel < 2; sel++) {
		drv_wr(R_DEV_FEAT_SEL, sel);
		u32 f = drv_rd(R_DEV_FEAT);
		drv_wr(R_DRV_FEAT_SEL, sel);
		drv_wr(R_DRV_FEAT, f & (u32)(drv_feature_mask >> (32 * sel)));
	}
	drv_wr(R_STATUS, ST_UP);
	CHECK(drv_rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	for (u32 q = 0; q < nq; q++) {
		queue_setup(q, num);
	}
	drv_wr(R_STATUS, ST_UP | VIRTIO_STATUS_DRIVER_OK);
}

void drv_desc(u32 q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *p = drv_ram(DESC(q) + 16 * (u64)i);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void drv_post(u32 q, u16 head)
{
	drv_put16(AVAIL(q) + 4 + 2 * (u64)(drv_avail[q] % drv_qnum[q]), head);
	drv_avail[q]++;
	drv_put16(AVAIL(q) + 2, drv_avail[q]);
}

u16 drv_used_idx(u32 q)
{
	return (u16)drv_get(USED(q) + 2, 2);
}

u32 drv_used_id(u32 q, u16 i)
{
	return drv_get(USED(q) + 4 + 8 * (u64)(i % drv_qnum[q]), 4);
}

u32 drv_used_len(u32 q, u16 i)
{
	return drv_get(USED(q) + 8 + 8 * (u64)(i % drv_qnum[q]), 4);
}

/* ----------------------------------------------------- the devices ---- */

u8 drv_disk_data[SECTORS * 512];
struct vblk_disk drv_disk = { .data = drv_disk_data, .size = sizeof(drv_disk_data) };

u8 drv_sent[4][VNET_GSO_FRAME_MAX];
u32 drv_sent_len[4];
struct vnet_meta drv_sent_meta[4];
u32 drv_nsent;
u64 drv_feature_mask = ~UINT64_C(0);
static u8 tx_buf[VNET_GSO_FRAME_MAX];

static void on_send(void *ctx, const u8 *frame, u32 len, const struct vnet_meta *meta)
{
	(void)ctx;
	if (drv_nsent < 4 && len <= sizeof(drv_sent[0])) {
		memcpy(drv_sent[drv_nsent], frame, len);
		drv_sent_len[drv_nsent] = len;
		drv_sent_meta[drv_nsent] = *meta;
	}
	drv_nsent++;
}

char drv_con_buf[1024];
u32 drv_con_len;
u32 drv_con_calls;

static void on_out(void *ctx, const char *buf, u32 len)
{
	(void)ctx;
	if (drv_con_len + len <= sizeof(drv_con_buf)) {
		memcpy(drv_con_buf + drv_con_len, buf, len);
	}
	drv_con_len += len;
	drv_con_calls++;
}

int drv_kick(u32 q)
{
	drv_wr(R_QUEUE_NOTIFY, q);
	vdev_sync(&drv_dev);
	if ((drv_dev.mmio.notified & (1U << q)) == 0) {
		return 1;
	}
	switch (drv_dev.mmio.device_id) {
	case VIRTIO_ID_BLOCK:
		return vblk_process(&drv_dev, &drv_mem, &drv_disk);
	case VIRTIO_ID_NET:
		return vnet_transmit(&drv_dev, &drv_mem, tx_buf, on_send, NULL);
	case VIRTIO_ID_INPUT:
		return vinput_status(&drv_dev, &drv_mem);
	default:
		return vcon_transmit(&drv_dev, &drv_mem, on_out, NULL);
	}
}

u8 drv_disk_before[SECTORS * 512];
u16 drv_used_before;

void drv_snapshot(void)
{
	memcpy(drv_disk_before, drv_disk_data, sizeof(drv_disk_data));
	drv_used_before = drv_used_idx(0);
}

void drv_blk_setup(u16 num, bool read_only)
{
	drv_ram_reset();
	for (u32 i = 0; i < sizeof(drv_disk_data); i++) {
		drv_disk_data[i] = (u8)(i * 7 + i / 512);
	}
	drv_disk.read_only = read_only;
	vblk_init(&drv_dev, &drv_disk);
	drv_start(1, num);
	drv_snapshot();
}

void drv_blk_req(u16 head, u32 type, u64 sector, u32 len, bool dev_writes)
{
	u16 i = head;

	memcpy(drv_ram(HDR), &type, 4);
	memset(drv_ram(HDR + 4), 0, 4);
	memcpy(drv_ram(HDR + 8), &sector, 8);
	*drv_ram(STATUS) = 0xff;
	drv_desc(0, i, HDR, 16, F_NEXT, (u16)(i + 1));
	i++;
	if (len != 0) {
		drv_desc(0, i, DATA, len, F_NEXT | (dev_writes ? F_WRITE : 0), (u16)(i + 1));
		i++;
	}
	drv_desc(0, i, STATUS, 1, F_WRITE, 0);
	drv_post(0, head);
}

void drv_check_served(u16 n, u16 head, u32 written, u8 status)
{
	CHECK_EQ(*drv_ram(STATUS), status);
	CHECK_EQ(drv_used_idx(0), n);
	CHECK_EQ(drv_used_id(0, (u16)(n - 1)), head);
	CHECK_EQ(drv_used_len(0, (u16)(n - 1)), written);
	CHECK_EQ(drv_dev.requests, n);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);
	CHECK_EQ(drv_rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

void drv_refused_at(const char *file, int line, int st, int want)
{
	int before = test_checks_failed;

	CHECK_EQ(st, want);
	CHECK_EQ(drv_dev.last_error, want);
	CHECK_EQ(drv_dev.refusals, 1);
	CHECK(drv_rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_CONFIG);
	CHECK_EQ(drv_used_idx(0), drv_used_before);
	CHECK(memcmp(drv_disk_data, drv_disk_before, sizeof(drv_disk_data)) == 0);
	if (test_checks_failed != before) {
		fprintf(stderr, "    (the refusal checked at %s:%d)\n", file, line);
	}
}
