/*
 * The test guests' virtio-mmio driver (virtio.h).
 */
#include "virtio.h"

#define VIO_MAGIC 0x000
#define VIO_VERSION 0x004
#define VIO_DEVICE_ID 0x008
#define VIO_DEVICE_FEATURES 0x010
#define VIO_DEVICE_FEATURES_SEL 0x014
#define VIO_DRIVER_FEATURES 0x020
#define VIO_DRIVER_FEATURES_SEL 0x024
#define VIO_QUEUE_SEL 0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM 0x038
#define VIO_QUEUE_READY 0x044
#define VIO_QUEUE_DESC 0x080
#define VIO_QUEUE_DRIVER 0x090
#define VIO_QUEUE_DEVICE 0x0a0

#define S_ACK 1U
#define S_DRIVER 2U
#define S_DRIVER_OK 4U
#define S_FEATURES_OK 8U

/* Feature bits 32 (VERSION_1) and 33 (ACCESS_PLATFORM): word 1. */
#define FEATURES_HIGH 3U

u32 vio_read(u64 base, u32 off)
{
	return *(volatile u32 *)(base + off);
}

void vio_write(u64 base, u32 off, u32 value)
{
	*(volatile u32 *)(base + off) = value;
}

static void write64(u64 base, u32 off, u64 v)
{
	vio_write(base, off, (u32)v);
	vio_write(base, off + 4, (u32)(v >> 32));
}

void vio_reset(u64 base)
{
	vio_write(base, VIO_STATUS, 0);
}

int vio_setup(u64 base, u32 device_id, struct vq *q)
{
	if (vio_read(base, VIO_MAGIC) != 0x74726976 || vio_read(base, VIO_VERSION) != 2 ||
	    vio_read(base, VIO_DEVICE_ID) != device_id) {
		return -1;
	}
	vio_reset(base);
	vio_write(base, VIO_STATUS, S_ACK);
	vio_write(base, VIO_STATUS, S_ACK | S_DRIVER);
	vio_write(base, VIO_DEVICE_FEATURES_SEL, 1);
	if ((vio_read(base, VIO_DEVICE_FEATURES) & FEATURES_HIGH) != FEATURES_HIGH) {
		return -1;
	}
	vio_write(base, VIO_DRIVER_FEATURES_SEL, 0);
	vio_write(base, VIO_DRIVER_FEATURES, 0);
	vio_write(base, VIO_DRIVER_FEATURES_SEL, 1);
	vio_write(base, VIO_DRIVER_FEATURES, FEATURES_HIGH);
	vio_write(base, VIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if ((vio_read(base, VIO_STATUS) & S_FEATURES_OK) == 0) {
		return -1;
	}
	memset(q, 0, sizeof(*q));
	vio_write(base, VIO_QUEUE_SEL, 0);
	if (vio_read(base, VIO_QUEUE_NUM_MAX) < VQ_NUM) {
		return -1;
	}
	vio_write(base, VIO_QUEUE_NUM, VQ_NUM);
	write64(base, VIO_QUEUE_DESC, (u64)(uintptr_t)q->desc);
	write64(base, VIO_QUEUE_DRIVER, (u64)(uintptr_t)&q->avail);
	write64(base, VIO_QUEUE_DEVICE, (u64)(uintptr_t)&q->used);
	vio_write(base, VIO_QUEUE_READY, 1);
	vio_write(base, VIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}

u32 vq_kick(u64 base, struct vq *q, u16 head, u16 idx_step)
{
	volatile u16 *used_idx = &q->used.idx;
	u16 before = *used_idx;

	q->avail.ring[q->avail.idx % VQ_NUM] = head;
	__asm__ volatile("dmb ishst" ::: "memory");
	q->avail.idx = (u16)(q->avail.idx + idx_step);
	__asm__ volatile("dsb ish" ::: "memory");
	vio_write(base, VIO_NOTIFY, 0);
	vio_write(base, VIO_INT_ACK, vio_read(base, VIO_INT_STATUS));
	return (u16)(*used_idx - before);
}

s64 grant_range(const void *p, u64 len, bool grant)
{
	u64 start = (u64)(uintptr_t)p & ~4095UL;
	u64 end = ((u64)(uintptr_t)p + len + 4095) & ~4095UL;
	s64 r;

	/* A call does a bounded part: > 0 is how far it got. */
	while ((r = grant ? hv_grant(start, end - start) : hv_revoke(start, end - start)) > 0) {
		start += (u64)r;
	}
	return r;
}

s64 vq_grant(struct vq *q, bool grant)
{
	s64 a = grant_range(q->desc, sizeof(q->desc), grant);
	s64 b = grant_range(&q->avail, sizeof(q->avail), grant);
	s64 c = grant_range(&q->used, sizeof(q->used), grant);

	return a != 0 ? a : b != 0 ? b : c;
}
