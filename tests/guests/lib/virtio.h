/*
 * A small virtio-mmio driver for test guests (Virtual I/O Device 1.2,
 * 4.2.3): device set-up on one queue, split rings the guest lays out in
 * pages of its own (so that it grants exactly what the device needs), and
 * synchronous requests: the VMM serves a queue when it is notified, so the
 * used ring is up to date when the notifying write returns.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "guest.h"

/* The VMM's slots: block, network, console (vdev.h). */
#define VIRTIO_BLK_BASE 0x0a010000UL
#define VIRTIO_NET_BASE 0x0a010200UL
#define VIRTIO_CON_BASE 0x0a010400UL

#define VIO_STATUS 0x070
#define VIO_INT_STATUS 0x060
#define VIO_INT_ACK 0x064
#define VIO_NOTIFY 0x050
#define VIO_NEEDS_RESET 64U

#define VQ_NUM 8
#define VRING_NEXT 1
#define VRING_WRITE 2
#define VRING_INDIRECT 4

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* One queue, each part in a page of its own. */
struct vq {
	struct vring_desc desc[256] __aligned(4096);
	struct {
		u16 flags;
		u16 idx;
		u16 ring[VQ_NUM];
	} avail __aligned(4096);
	struct {
		u16 flags;
		u16 idx;
		struct {
			u32 id;
			u32 len;
		} ring[VQ_NUM];
	} used __aligned(4096);
};

/* The layout the VMM's virtq.c reads (Virtual I/O Device 1.2, 2.7.5-2.7.8). */
_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
_Static_assert(offsetof(struct vring_desc, len) == 8, "descriptor layout");
_Static_assert(offsetof(struct vring_desc, flags) == 12, "descriptor layout");
_Static_assert(offsetof(struct vring_desc, next) == 14, "descriptor layout");
_Static_assert(offsetof(struct vq, avail) == 4096 && offsetof(struct vq, used) == 8192,
	       "one page each: vq_grant grants three");
_Static_assert(offsetof(struct vq, avail.ring) - offsetof(struct vq, avail) == 4,
	       "driver area layout");
_Static_assert(offsetof(struct vq, used.ring) - offsetof(struct vq, used) == 4,
	       "device area layout");
_Static_assert(sizeof(((struct vq *)0)->used.ring[0]) == 8, "used element layout");

u32 vio_read(u64 base, u32 off);
void vio_write(u64 base, u32 off, u32 value);
/**
 * Resets the device at base and sets it up with queue 0 in q (VQ_NUM
 * entries): features VERSION_1 and ACCESS_PLATFORM. Returns 0, or -1 if
 * the device is not `device_id` or refuses the features.
 */
int vio_setup(u64 base, u32 device_id, struct vq *q);
/** Resets the device (status 0). */
void vio_reset(u64 base);
/**
 * Puts descriptor chain `head` in the avail ring with avail index
 * `idx_step` ahead (1 for a normal request), notifies queue 0, and returns
 * the number of used entries the device added.
 */
u32 vq_kick(u64 base, struct vq *q, u16 head, u16 idx_step);
/** Grants (or revokes) the three pages of q; the hyp's status. */
s64 vq_grant(struct vq *q, bool grant);
/** Grants or revokes [p, p + len) rounded out to pages. */
s64 grant_range(const void *p, u64 len, bool grant);

#endif /* GUEST_VIRTIO_H */
