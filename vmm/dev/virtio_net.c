/*
 * The virtio network device (Virtual I/O Device 1.2, 5.1): queue 0
 * receives, queue 1 transmits; every buffer starts with the 12-byte
 * virtio_net_hdr {flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers}, little-endian. The device offers checksum and
 * TCP segmentation offloads both ways, so that two Linux VMs pass 64 KiB
 * of a stream per frame; the switch completes what a receiver did not take
 * (netseg.h). Where a frame goes is the switch's business.
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
			 VIRTIO_F_ACCESS_PLATFORM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |
				 VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_HOST_TSO4 |
				 VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_GUEST_TSO4 |
				 VIRTIO_NET_F_GUEST_TSO6,
			 2,
			 VDEV_QUEUE_SIZE, d->config, 8);
	d->present = true;
}

static bool stopped(const struct vdev *d, u32 q)
{
	return (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 || !d->mmio.q[q].ready;
}

u32 vnet_takes(const struct vdev *d)
{
	const u64 f = d->mmio.driver_features;
	u32 t = 0;

	if ((f & VIRTIO_NET_F_GUEST_CSUM) != 0) {
		t |= VNET_TAKES_CSUM;
		t |= (f & VIRTIO_NET_F_GUEST_TSO4) != 0 ? VNET_TAKES_TSO4 : 0;
		t |= (f & VIRTIO_NET_F_GUEST_TSO6) != 0 ? VNET_TAKES_TSO6 : 0;
	}
	return t;
}

static u16 le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

/* What the header h of a frame of len bytes asks, within what the driver
 * negotiated (without VIRTIO_NET_F_CSUM the header means nothing); false
 * if the frame must be dropped. */
static bool tx_meta(const struct vdev *d, const u8 *h, u64 len, struct vnet_meta *meta)
{
	const u64 f = d->mmio.driver_features;
	bool tso;

	memset(meta, 0, sizeof(*meta));
	if (len < 14) {
		return false;
	}
	if ((f & VIRTIO_NET_F_CSUM) == 0) {
		return len <= VNET_FRAME_MAX;
	}
	meta->flags = h[0] & VNET_HDR_F_NEEDS_CSUM;
	meta->csum_start = meta->flags != 0 ? le16(h + 6) : 0;
	meta->csum_offset = meta->flags != 0 ? le16(h + 8) : 0;
	if (meta->flags != 0 && (u64)meta->csum_start + meta->csum_offset + 2 > len) {
		return false;
	}
	switch (h[1]) {
	case VNET_GSO_NONE:
		return len <= VNET_FRAME_MAX;
	case VNET_GSO_TCPV4:
		tso = (f & VIRTIO_NET_F_HOST_TSO4) != 0;
		break;
	case VNET_GSO_TCPV6:
		tso = (f & VIRTIO_NET_F_HOST_TSO6) != 0;
		break;
	default:
		return false; /* ECN, UDP: not offered */
	}
	meta->gso_type = h[1];
	meta->hdr_len = le16(h + 2);
	meta->gso_size = le16(h + 4);
	return tso && meta->flags != 0 && meta->gso_size != 0 && len <= VNET_GSO_FRAME_MAX;
}

int vnet_transmit(struct vdev *d, const struct vmem *m, u8 *buf,
		  void (*send)(void *ctx, const u8 *frame, u32 len, const struct vnet_meta *meta),
		  void *ctx)
{
	const struct virtio_queue *q = &d->mmio.q[TXQ];
	struct virtq_req r;
	int st;

	d->mmio.notified &= ~(1U << TXQ);
	while (!stopped(d, TXQ) &&
	       (st = virtq_pop(&d->vq[TXQ], q, m, VNET_HDR_LEN + VNET_GSO_FRAME_MAX, &r)) !=
		       VQ_EMPTY) {
		u8 hdr[VNET_HDR_LEN];
		struct vnet_meta meta;
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
		if (virtq_read(m, &r, 0, hdr, sizeof(hdr)) != 0) {
			vdev_fail(d, VQ_E_MEM);
			break;
		}
		/* A frame too long or too short for Ethernet, asking for what
		 * was not negotiated, or left to segment but not TCP as its
		 * header says (netseg_check), is dropped, like a NIC would;
		 * the buffer is still returned. */
		if (tx_meta(d, hdr, len, &meta)) {
			if (virtq_read(m, &r, VNET_HDR_LEN, buf, len) != 0) {
				vdev_fail(d, VQ_E_MEM);
				break;
			}
			/* Checked on the VMM's copy: the guest may change its own. */
			if (meta.gso_type == VNET_GSO_NONE || netseg_check(buf, (u32)len, &meta)) {
				send(ctx, buf, (u32)len, &meta);
			}
		}
		if (!vdev_complete(d, TXQ, m, r.head, 0)) {
			break;
		}
	}
	return vdev_result(d);
}

static void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

int vnet_receive(struct vdev *d, const struct vmem *m, const u8 *frame, u32 len,
		 const struct vnet_meta *meta)
{
	const struct virtio_queue *q = &d->mmio.q[RXQ];
	u8 hdr[VNET_HDR_LEN] = { 0 };
	struct virtq_req r;
	int st;

	if (stopped(d, RXQ)) {
		return 0;
	}
	st = virtq_pop(&d->vq[RXQ], q, m, VNET_RX_BUF_MAX, &r);
	if (st == VQ_EMPTY) {
		return 0;
	}
	if (st < 0 || r.nout != 0) {
		vdev_fail(d, st < 0 ? st : VQ_E_ORDER);
		return d->last_error;
	}
	hdr[10] = 1; /* num_buffers */
	if (r.in_len >= VNET_HDR_LEN + len) {
		hdr[0] = meta->flags;
		hdr[1] = meta->gso_type;
		put_le16(hdr + 2, meta->hdr_len);
		put_le16(hdr + 4, meta->gso_size);
		put_le16(hdr + 6, meta->csum_start);
		put_le16(hdr + 8, meta->csum_offset);
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
