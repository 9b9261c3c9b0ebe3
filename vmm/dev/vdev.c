/*
 * What the three virtio devices share (vdev.h): queue state dropped on a
 * driver reset, and a refusal that stops the device until the next one.
 */
#include <hyp/lib.h>
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
