/*
 * The virtio network device (Virtual I/O Device 1.2, 5.1): queue 0
 * receives, queue 1 transmits; every buffer starts with the 12-byte
 * virtio_net_hdr. No offloads are offered, so frames are whole Ethernet
 * frames of at most VNET_FRAME_MAX bytes and the header is all zero but
 * num_buffers (1). Where a frame goes is the switch's business.
 */
#include <lib/lib.h>
#include <vmm/vdev.h>

enum { RXQ = 0, TXQ = 1 };

void vnet_init(struct vdev *d, const u8 mac[6])
{
	u16 link_up = 1;

	memset(d, 0, sizeof(*d));
	/* virtio_net_config: mac at 0, status at 6. */
	memcpy(d->config, mac, 6);
	memcpy(d->config + 6, &link_up, 2);
	virtio_mmio_init(&d->mmio, VIRTIO_ID_NET,
			 VIRTIO_F_ACCESS_PLATFORM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS, 2,
			 VDEV_QUEUE_SIZE, d->config, 8);
	d->present = true;
}

static bool stopped(const struct vdev *d, u32 q)
{
	return (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 || !d->mmio.q[q].ready;
}

int vnet_transmit(struct vdev *d, const struct vmem *m,
		  void (*send)(void *ctx, const u8 *frame, u32 len), void *ctx)
{
	const struct virtio_queue *q = &d->mmio.q[TXQ];
	u8 frame[VNET_FRAME_MAX];
	struct virtq_req r;
	int st;

	d->mmio.notified &= ~(1U << TXQ);
	while (!stopped(d, TXQ) &&
	       (st = virtq_pop(&d->vq[TXQ], q, m, VNET_HDR_LEN + 65536, &r)) != VQ_EMPTY) {
		u64 len;

		if (st < 0) {
			vdev_fail(d, st);
			break;
		}
		if (r.out_len < VNET_HDR_LEN) {
			vdev_fail(d, VQ_E_SHORT);
			break;
		}
		len = r.out_len - VNET_HDR_LEN;
		/* A frame too long or too short for Ethernet is dropped, like a
		 * NIC would; the buffer is still returned. */
		if (len >= 14 && len <= VNET_FRAME_MAX) {
			if (virtq_read(m, &r, VNET_HDR_LEN, frame, len) != 0) {
				vdev_fail(d, VQ_E_MEM);
				break;
			}
			send(ctx, frame, (u32)len);
		}
		if (!vdev_complete(d, TXQ, m, r.head, 0)) {
			break;
		}
	}
	return vdev_result(d);
}

int vnet_receive(struct vdev *d, const struct vmem *m, const u8 *frame, u32 len)
{
	const struct virtio_queue *q = &d->mmio.q[RXQ];
	u8 hdr[VNET_HDR_LEN] = { 0 };
	struct virtq_req r;
	int st;

	if (stopped(d, RXQ)) {
		return 0;
	}
	st = virtq_pop(&d->vq[RXQ], q, m, VNET_HDR_LEN + 65536, &r);
	if (st == VQ_EMPTY) {
		return 0;
	}
	if (st < 0 || r.nout != 0) {
		vdev_fail(d, st < 0 ? st : VQ_E_ORDER);
		return d->last_error;
	}
	hdr[10] = 1; /* num_buffers */
	if (r.in_len >= VNET_HDR_LEN + len) {
		if (virtq_write(m, &r, 0, hdr, sizeof(hdr)) != 0 ||
		    virtq_write(m, &r, VNET_HDR_LEN, frame, len) != 0) {
			vdev_fail(d, VQ_E_MEM);
			return VQ_E_MEM;
		}
	} else {
		len = 0; /* no room: the frame is dropped, the buffer returned empty */
		if (virtq_write(m, &r, 0, hdr, MIN(r.in_len, sizeof(hdr))) != 0) {
			vdev_fail(d, VQ_E_MEM);
			return VQ_E_MEM;
		}
	}
	if (!vdev_complete(d, RXQ, m, r.head, (u32)MIN(r.in_len, VNET_HDR_LEN + len))) {
		return VQ_E_MEM;
	}
	return 1;
}
