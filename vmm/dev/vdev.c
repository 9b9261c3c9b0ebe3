/*
 * What the three virtio devices share (vdev.h): queue state dropped on a
 * driver reset, and a refusal that stops the device until the next one.
 */
#include <lib/lib.h>
#include <vmm/vdev.h>

void vdev_sync(struct vdev *d)
{
	if (d->mmio.resets != d->resets_seen) {
		d->resets_seen = d->mmio.resets;
		memset(d->vq, 0, sizeof(d->vq));
	}
}

void vdev_fail(struct vdev *d, int status)
{
	d->refusals++;
	d->last_error = status;
	virtio_mmio_fail(&d->mmio);
}

/*
 * A driver that polls a queue sets VIRTQ_AVAIL_F_NO_INTERRUPT in its
 * flags (2.7.7), and the device then raises no interrupt: each one costs
 * the VM a wake-up and two exits (the driver reads InterruptStatus and
 * writes InterruptACK). The flags are read after the used index is
 * written: a driver that clears the flag and then looks at the used index
 * sees the buffer, or the device sees the flag clear.
 */
bool vdev_complete(struct vdev *d, u32 q, const struct vmem *m, u16 head, u32 written)
{
	u16 flags = 0;

	if (virtq_push(&d->vq[q], &d->mmio.q[q], m, head, written) != 0) {
		vdev_fail(d, VQ_E_MEM);
		return false;
	}
	d->requests++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (m->read(m->ctx, d->mmio.q[q].driver, &flags, 2) != 0 ||
	    (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0) {
		virtio_mmio_used(&d->mmio);
	}
	return true;
}

int vdev_result(const struct vdev *d)
{
	return (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 ? d->last_error : 0;
}
