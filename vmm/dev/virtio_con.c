/*
 * The virtio console (Virtual I/O Device 1.2, 5.3) with one port and no
 * features: queue 1 carries what the driver writes to the VM's console
 * history (beside its PL011). Queue 0, input, is left with the buffers the
 * driver posts: typed input goes to the PL011.
 */
#include <hyp/lib.h>
#include <vmm/vdev.h>

enum { TXQ = 1 };

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
	bool used = false;
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
		if (virtq_push(&d->vq[TXQ], q, m, r.head, 0) != 0) {
			vdev_fail(d, VQ_E_MEM);
			break;
		}
		d->requests++;
		used = true;
	}
	if (used) {
		virtio_mmio_used(&d->mmio);
	}
	return (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 ? d->last_error : 0;
}
