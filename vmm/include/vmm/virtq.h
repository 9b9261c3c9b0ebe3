/*
 * Split virtqueues (Virtual I/O Device 1.2, 2.7) as a device walks them:
 * descriptor chains are read from guest memory through a struct vmem,
 * checked before the device acts on them, and completed in the used ring.
 * Plain C, host-tested; the VMM's vmem reaches only what the VM granted.
 *
 * Everything the driver wrote is untrusted: a head or next index past the
 * ring, a chain longer than the ring (a loop), a segment outside the VM's
 * RAM or wrapping around, a chain longer than the device allows in bytes,
 * a readable segment after a writable one, an indirect descriptor (not
 * offered), or an avail index more than a ring ahead are each refused with
 * their own code; the device then stops the queue (virtio_mmio_fail).
 */
#ifndef VMM_VIRTQ_H
#define VMM_VIRTQ_H

#include <lib/types.h>
#include <vmm/virtio_mmio.h>

/** Guest memory as a device reaches it. */
struct vmem {
	void *ctx;
	/** Whether [gpa, gpa + len) lies in the VM's RAM (len > 0, no wrap). */
	bool (*valid)(void *ctx, u64 gpa, u64 len);
	/** 0, or -1 if any byte could not be reached (not RAM, not granted). */
	int (*read)(void *ctx, u64 gpa, void *buf, u64 len);
	int (*write)(void *ctx, u64 gpa, const void *buf, u64 len);
};

#define VIRTQ_SEGS 64 /* segments of one chain the device takes */

#define VIRTQ_DESC_F_NEXT 1U
#define VIRTQ_DESC_F_WRITE 2U
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1U /* the driver's flags: it polls, no interrupt wanted */
#define VIRTQ_DESC_F_INDIRECT 4U

enum virtq_status {
	VQ_EMPTY = 0,     /* nothing new in the avail ring */
	VQ_REQ = 1,       /* a request was taken */
	VQ_E_MEM = -1,    /* guest memory not reachable (not granted, or not RAM) */
	VQ_E_AVAIL = -2,  /* the avail index ran more than a ring ahead */
	VQ_E_INDEX = -3,  /* a head or next index past the ring */
	VQ_E_LOOP = -4,   /* a chain longer than the ring: a loop */
	VQ_E_ADDR = -5,   /* a segment outside the VM's RAM, or empty */
	VQ_E_LEN = -6,    /* the chain's bytes exceed what the device allows */
	VQ_E_ORDER = -7,  /* a device-readable segment after a writable one */
	VQ_E_SEGS = -8,   /* more segments than VIRTQ_SEGS */
	VQ_E_INDIRECT = -9, /* an indirect descriptor (the feature is not offered) */
	VQ_E_SHORT = -10, /* a request without room for the device's header or status */
};

struct virtq_seg {
	u64 gpa;
	u32 len;
};

/** One request: the device-readable segments, then the writable ones. */
struct virtq_req {
	u16 head;
	u32 nout;
	u32 nin;
	u64 out_len; /* bytes the device may read */
	u64 in_len;  /* bytes it may write */
	struct virtq_seg seg[VIRTQ_SEGS];
};

/** The device's side of one queue. */
struct virtq {
	u16 last_avail; /* next avail ring entry to take */
	u16 used_idx;   /* next used ring entry to fill */
};

/** Why a virtq call failed, for the VMM's log. */
const char *virtq_strerror(int status);

/**
 * Takes the next request of queue q (set up by the driver: num, desc,
 * driver and device areas) into *r, allowing at most max_bytes in the
 * chain. Returns VQ_REQ, VQ_EMPTY, or a negative enum virtq_status.
 */
int virtq_pop(struct virtq *vq, const struct virtio_queue *q, const struct vmem *m,
	      u64 max_bytes, struct virtq_req *r) __must_check;
/** Puts head into the used ring with `written` bytes; 0 or VQ_E_MEM. */
int virtq_push(struct virtq *vq, const struct virtio_queue *q, const struct vmem *m, u16 head,
	       u32 written) __must_check;
/** Copies len bytes at offset off of the request's readable part; 0 or -1. */
int virtq_read(const struct vmem *m, const struct virtq_req *r, u64 off, void *buf,
	       u64 len) __must_check;
/** Copies len bytes to offset off of its writable part; 0 or -1. */
int virtq_write(const struct vmem *m, const struct virtq_req *r, u64 off, const void *buf,
		u64 len) __must_check;

#endif /* VMM_VIRTQ_H */
