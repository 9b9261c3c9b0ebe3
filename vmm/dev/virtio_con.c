/*
 * The virtio console (Virtual I/O Device 1.2, 5.3) with one port and no
 * features: queue 1 carries what the driver writes to the VM's console
 * history (beside its PL011); queue 0 takes typed input when the console
 * is attached to it (`console NAME hvc`), else input goes to the PL011.
 */
#include <lib/lib.h>
#include <vmm/vdev.h>

enum { RXQ = 0, TXQ = 1 };

void vcon_init(struct vdev *d)
{
	memset(d, 0, sizeof(*d));
	virtio_mmio_init(&d->mmio, VIRTIO_ID_CONSOLE, VIRTIO_F_ACCESS_PLATFORM, 2, VDEV_QUEUE_SIZE,
			 d->config, 12);
	d->present = true;
}

int vcon_transmit(struct vdev *d, const struct vmem *m,
		  void (*out)(void *ctx, const char *buf, u32 len), void *ctx)
{
	const struct virtio_queue *q = &d->mmio.q[TXQ];
	struct virtq_req r;
	int st;

	d->mmio.notified &= ~(1U << TXQ);
	while ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) == 0 && q->ready &&
	       (st = virtq_pop(&d->vq[TXQ], q, m, 65536, &r)) != VQ_EMPTY) {
		char buf[256];

		if (st < 0) {
			vdev_fail(d, st);
			break;
		}
		for (u64 off = 0; off < r.out_len; off += sizeof(buf)) {
			u32 n = (u32)MIN(sizeof(buf), r.out_len - off);

			if (virtq_read(m, &r, off, buf, n) != 0) {
				vdev_fail(d, VQ_E_MEM);
				return VQ_E_MEM;
			}
			out(ctx, buf, n);
		}
		if (!vdev_complete(d, TXQ, m, r.head, 0)) {
			break;
		}
	}
	return vdev_result(d);
}

int vcon_receive(struct vdev *d, const struct vmem *m, const u8 *buf, u32 len)
{
	const struct virtio_queue *q = &d->mmio.q[RXQ];
	struct virtq_req r;
	u32 n;
	int st;

	if ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 || !q->ready || len == 0) {
		return 0;
	}
	st = virtq_pop(&d->vq[RXQ], q, m, 65536, &r);
	if (st == VQ_EMPTY) {
		return 0;
	}
	if (st < 0 || r.nout != 0) {
		vdev_fail(d, st < 0 ? st : VQ_E_ORDER);
		return d->last_error;
	}
	n = (u32)MIN(len, r.in_len);
	if (virtq_write(m, &r, 0, buf, n) != 0) {
		vdev_fail(d, VQ_E_MEM);
		return VQ_E_MEM;
	}
	return vdev_complete(d, RXQ, m, r.head, n) ? (int)n : VQ_E_MEM;
}
