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

bool vdev_complete(struct vdev *d, u32 q, const struct vmem *m, u16 head, u32 written)
{
	if (virtq_push(&d->vq[q], &d->mmio.q[q], m, head, written) != 0) {
		vdev_fail(d, VQ_E_MEM);
		return false;
	}
	d->requests++;
	virtio_mmio_used(&d->mmio);
	return true;
}

int vdev_result(const struct vdev *d)
{
	return (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 ? d->last_error : 0;
}
