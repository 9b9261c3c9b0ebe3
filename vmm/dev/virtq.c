/*
 * Split virtqueues from the device's side (virtq.h). Layout (2.7.5-2.7.8):
 * descriptor table of num 16-byte entries {addr, len, flags, next}; the
 * driver area {flags, idx, ring[num]} of u16; the device area {flags, idx,
 * ring[num] of {id, len}} of u32 pairs. All little-endian, which is what
 * the VMM and its host tests run as.
 */
#include <lib/lib.h>
#include <vmm/virtq.h>

struct vdesc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* The driver's layout (2.7.5), not the compiler's choice. */
_Static_assert(sizeof(struct vdesc) == 16, "descriptor layout");
_Static_assert(offsetof(struct vdesc, len) == 8 && offsetof(struct vdesc, flags) == 12 &&
		       offsetof(struct vdesc, next) == 14,
	       "descriptor layout");

const char *virtq_strerror(int status)
{
	switch (status) {
	case VQ_E_MEM:
		return "guest memory the VM has not granted (or not RAM)";
	case VQ_E_AVAIL:
		return "the avail index ran more than a ring ahead";
	case VQ_E_INDEX:
		return "a descriptor index past the ring";
	case VQ_E_LOOP:
		return "a descriptor chain longer than the ring (a loop)";
	case VQ_E_ADDR:
		return "a buffer outside the VM's RAM, or empty";
	case VQ_E_LEN:
		return "a request longer than the device allows";
	case VQ_E_ORDER:
		return "a device-readable buffer after a writable one";
	case VQ_E_SEGS:
		return "a chain of too many buffers";
	case VQ_E_INDIRECT:
		return "an indirect descriptor (not offered)";
	case VQ_E_SHORT:
		return "a request without room for its header or status";
	default:
		return "no error";
	}
}

static void fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_pop(struct virtq *vq, const struct virtio_queue *q, const struct vmem *m,
	      u64 max_bytes, struct virtq_req *r)
{
	u16 avail_idx;
	u16 head;
	u32 i;
	u32 n = 0;

	if (m->read(m->ctx, q->driver + 2, &avail_idx, 2) != 0) {
		return VQ_E_MEM;
	}
	if (avail_idx == vq->last_avail) {
		return VQ_EMPTY;
	}
	if ((u16)(avail_idx - vq->last_avail) > q->num) {
		return VQ_E_AVAIL;
	}
	fence(); /* the ring entry and descriptors after the index (2.7.13.3) */
	if (m->read(m->ctx, q->driver + 4 + 2 * (u64)(vq->last_avail % q->num), &head, 2) != 0) {
		return VQ_E_MEM;
	}
	if (head >= q->num) {
		return VQ_E_INDEX;
	}
	r->head = head;
	r->nout = 0;
	r->nin = 0;
	r->out_len = 0;
	r->in_len = 0;
	i = head;
	for (;;) {
		struct vdesc d;

		if (n == q->num) {
			return VQ_E_LOOP;
		}
		if (m->read(m->ctx, q->desc + 16 * (u64)i, &d, sizeof(d)) != 0) {
			return VQ_E_MEM;
		}
		if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
			return VQ_E_INDIRECT;
		}
		if (d.len == 0 || !m->valid(m->ctx, d.addr, d.len)) {
			return VQ_E_ADDR;
		}
		if ((d.flags & VIRTQ_DESC_F_WRITE) != 0) {
			r->in_len += d.len;
			r->nin++;
		} else {
			if (r->nin != 0) {
				return VQ_E_ORDER;
			}
			r->out_len += d.len;
			r->nout++;
		}
		if (r->out_len + r->in_len > max_bytes) {
			return VQ_E_LEN;
		}
		if (n == VIRTQ_SEGS) {
			return VQ_E_SEGS;
		}
		r->seg[n++] = (struct virtq_seg){ d.addr, d.len };
		if ((d.flags & VIRTQ_DESC_F_NEXT) == 0) {
			break;
		}
		if (d.next >= q->num) {
			return VQ_E_INDEX;
		}
		i = d.next;
	}
	vq->last_avail++;
	return VQ_REQ;
}

int virtq_push(struct virtq *vq, const struct virtio_queue *q, const struct vmem *m, u16 head,
	       u32 written)
{
	u32 elem[2] = { head, written };
	u16 idx = (u16)(vq->used_idx + 1);

	if (m->write(m->ctx, q->device + 4 + 8 * (u64)(vq->used_idx % q->num), elem,
		     sizeof(elem)) != 0) {
		return VQ_E_MEM;
	}
	fence(); /* the entry before the index the driver polls */
	if (m->write(m->ctx, q->device + 2, &idx, 2) != 0) {
		return VQ_E_MEM;
	}
	vq->used_idx = idx;
	return 0;
}

/* Copies between buf and the request's segments [first, first + count). */
static int copy(const struct vmem *m, const struct virtq_req *r, u32 first, u32 count, u64 off,
		u8 *buf, u64 len, bool to_guest)
{
	for (u32 s = first; s < first + count && len > 0; s++) {
		const struct virtq_seg *g = &r->seg[s];
		u64 n;

		if (off >= g->len) {
			off -= g->len;
			continue;
		}
		n = MIN(len, g->len - off);
		if ((to_guest ? m->write(m->ctx, g->gpa + off, buf, n)
			      : m->read(m->ctx, g->gpa + off, buf, n)) != 0) {
			return -1;
		}
		buf += n;
		len -= n;
		off = 0;
	}
	return len == 0 ? 0 : -1;
}

int virtq_read(const struct vmem *m, const struct virtq_req *r, u64 off, void *buf, u64 len)
{
	return copy(m, r, 0, r->nout, off, buf, len, false);
}

int virtq_write(const struct vmem *m, const struct virtq_req *r, u64 off, const void *buf,
		u64 len)
{
	return copy(m, r, r->nout, r->nin, off, (u8 *)(uintptr_t)buf, len, true);
}
