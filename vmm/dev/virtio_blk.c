/*
 * The virtio block device (Virtual I/O Device 1.2, 5.2) on a disk in VMM
 * memory, or on one reached through the disk's io() a chunk at a time. A request is a 16-byte header {type, reserved, sector} the
 * device reads, data, and a status byte it writes last. A request past the
 * end of the disk, or a write to a read-only one, is answered with IOERR;
 * a chain the device cannot take (virtq.h) fails the device.
 */
#include <lib/lib.h>
#include <vmm/vdev.h>

struct blk_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

/* The driver's layout (5.2.6), not the compiler's choice. */
_Static_assert(sizeof(struct blk_hdr) == 16 && offsetof(struct blk_hdr, sector) == 8,
	       "virtio-blk request header layout");

#define ID "hyp-vblk"

void vblk_init(struct vdev *d, const struct vblk_disk *disk)
{
	u64 features = VIRTIO_F_ACCESS_PLATFORM | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_FLUSH;
	u64 sectors = disk->size / 512;
	u32 seg_max = VIRTQ_SEGS - 2; /* the header and status take two */

	memset(d, 0, sizeof(*d));
	if (disk->read_only) {
		features |= VIRTIO_BLK_F_RO;
	}
	/* virtio_blk_config: capacity (sectors) at 0, seg_max at 12. */
	memcpy(d->config, &sectors, 8);
	memcpy(d->config + 12, &seg_max, 4);
	virtio_mmio_init(&d->mmio, VIRTIO_ID_BLOCK, features, 1, VDEV_QUEUE_SIZE, d->config,
			 sizeof(d->config));
	d->present = true;
}

/* Moves len bytes between sector `sector` of an io() disk and the request's
 * data (out: the driver's to the disk): 0, 1 if the disk failed (IOERR),
 * or -1 if the driver's buffers could not be reached. */
static int chunked(const struct vblk_disk *disk, const struct vmem *m, const struct virtq_req *r,
		   bool out, u64 sector, u64 len)
{
	for (u64 off = 0; off < len; off += disk->chunk_len) {
		u32 k = (u32)MIN(len - off, (u64)disk->chunk_len);

		if (out && virtq_read(m, r, sizeof(struct blk_hdr) + off, disk->chunk, k) != 0) {
			return -1;
		}
		if (disk->io(disk->ctx, out, sector + off / 512, disk->chunk, k / 512) != 0) {
			return 1;
		}
		if (!out && virtq_write(m, r, off, disk->chunk, k) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Serves one request; returns the bytes written to the driver or -1 if its
 * buffers could not be reached. */
static s64 request(const struct vmem *m, const struct virtq_req *r, const struct vblk_disk *disk)
{
	struct blk_hdr h;
	u8 status = VIRTIO_BLK_S_OK;
	u64 data_in = r->in_len - 1; /* the status byte ends the writable part */
	u64 data_out = r->out_len - sizeof(h);
	u64 written = 0;

	if (virtq_read(m, r, 0, &h, sizeof(h)) != 0) {
		return -1;
	}
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		u64 len = h.type == VIRTIO_BLK_T_IN ? data_in : data_out;
		u64 max = disk->size / 512;

		if (h.sector > max || len > (max - h.sector) * 512 || len % 512 != 0) {
			status = VIRTIO_BLK_S_IOERR;
		} else if (disk->data == NULL) {
			int e = h.type == VIRTIO_BLK_T_OUT && disk->read_only
					? 1
					: chunked(disk, m, r, h.type == VIRTIO_BLK_T_OUT, h.sector, len);

			if (e < 0) {
				return -1;
			}
			status = e == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
			written = e == 0 && h.type == VIRTIO_BLK_T_IN ? len : 0;
		} else if (h.type == VIRTIO_BLK_T_IN) {
			if (virtq_write(m, r, 0, disk->data + h.sector * 512, len) != 0) {
				return -1;
			}
			written = len;
		} else if (disk->read_only) {
			status = VIRTIO_BLK_S_IOERR;
		} else if (virtq_read(m, r, sizeof(h), disk->data + h.sector * 512, len) != 0) {
			return -1;
		}
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		/* A disk in memory has every write already. */
		if (disk->data == NULL && disk->flush != NULL && disk->flush(disk->ctx) != 0) {
			status = VIRTIO_BLK_S_IOERR;
		}
		break;
	case VIRTIO_BLK_T_GET_ID: {
		u8 id[20] = ID;

		if (virtq_write(m, r, 0, id, MIN(data_in, sizeof(id))) != 0) {
			return -1;
		}
		written = MIN(data_in, sizeof(id));
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (virtq_write(m, r, data_in, &status, 1) != 0) {
		return -1;
	}
	return (s64)written + 1;
}

int vblk_process(struct vdev *d, const struct vmem *m, const struct vblk_disk *disk)
{
	const struct virtio_queue *q = &d->mmio.q[0];
	struct virtq_req r;
	int st;

	d->mmio.notified = 0;
	while ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) == 0 && q->ready &&
	       (st = virtq_pop(&d->vq[0], q, m, VBLK_MAX_REQUEST, &r)) != VQ_EMPTY) {
		s64 n;

		if (st < 0) {
			vdev_fail(d, st);
			break;
		}
		if (r.out_len < sizeof(struct blk_hdr) || r.in_len < 1) {
			vdev_fail(d, VQ_E_SHORT);
			break;
		}
		n = request(m, &r, disk);
		if (n < 0) {
			vdev_fail(d, VQ_E_MEM);
			break;
		}
		if (!vdev_complete(d, 0, m, r.head, (u32)n)) {
			break;
		}
	}
	return vdev_result(d);
}
