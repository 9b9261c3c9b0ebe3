/*
 * The virtio input device (Virtual I/O Device 1.2, 5.8) as a button box
 * with two keys, power (KEY_POWER) and restart (KEY_RESTART): what a
 * machine's power button is to an unmodified distribution. systemd-logind
 * and busybox's acpid act on these keys; the VMM presses them for
 * `shutdown` and `reboot`. Queue 0 takes the events the device sends, one
 * 8-byte buffer each; queue 1 the status the driver sends back (LEDs),
 * which the device takes and ignores.
 */
#include <lib/lib.h>
#include <vmm/vdev.h>

enum { EVENTQ = 0, STATUSQ = 1 };

/* The config space (5.8.4): select and subsel written by the driver, size
 * and the union u[128] answered by the device. */
enum { CFG_SELECT = 0, CFG_SUBSEL = 1, CFG_SIZE = 2, CFG_U = 8 };
enum {
	CFG_ID_NAME = 0x01,
	CFG_ID_SERIAL = 0x02,
	CFG_ID_DEVIDS = 0x03,
	CFG_PROP_BITS = 0x10,
	CFG_EV_BITS = 0x11,
	CFG_ABS_INFO = 0x12,
};

#define BUS_VIRTUAL 0x06
static const char name[] = "vmm power button";

void vinput_init(struct vdev *d)
{
	memset(d, 0, sizeof(*d));
	virtio_mmio_init(&d->mmio, VIRTIO_ID_INPUT, VIRTIO_F_ACCESS_PLATFORM, 2, VDEV_QUEUE_SIZE,
			 d->config, VINPUT_CONFIG_LEN);
	d->present = true;
	vinput_config(d);
}

static void set_bit(u8 *map, u32 bit)
{
	map[bit / 8] |= (u8)(1U << (bit % 8));
}

void vinput_config(struct vdev *d)
{
	u8 *u = d->config + CFG_U;
	u32 size = 0;

	memset(d->config + CFG_SIZE, 0, VINPUT_CONFIG_LEN - CFG_SIZE);
	switch (d->config[CFG_SELECT]) {
	case CFG_ID_NAME:
		if (d->config[CFG_SUBSEL] == 0) {
			size = sizeof(name) - 1;
			memcpy(u, name, size);
		}
		break;
	case CFG_ID_DEVIDS:
		if (d->config[CFG_SUBSEL] == 0) {
			/* bustype, vendor, product, version: le16 each */
			u[0] = BUS_VIRTUAL;
			u[6] = 1;
			size = 8;
		}
		break;
	case CFG_EV_BITS:
		if (d->config[CFG_SUBSEL] == VINPUT_EV_KEY) {
			set_bit(u, VINPUT_KEY_POWER);
			set_bit(u, VINPUT_KEY_RESTART);
			size = VINPUT_KEY_RESTART / 8 + 1;
		}
		break;
	default: /* no serial, properties or axes; ID_SERIAL, PROP_BITS, ABS_INFO: size 0 */
		break;
	}
	d->config[CFG_SIZE] = (u8)size;
}

int vinput_send(struct vdev *d, const struct vmem *m, const struct vinput_event *ev, u32 n)
{
	const struct virtio_queue *q = &d->mmio.q[EVENTQ];
	u32 sent = 0;

	while (sent < n && (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) == 0 && q->ready) {
		struct virtq_req r;
		u8 buf[8];
		int st = virtq_pop(&d->vq[EVENTQ], q, m, 4096, &r);

		if (st == VQ_EMPTY) {
			break;
		}
		if (st < 0 || r.nout != 0 || r.in_len < sizeof(buf)) {
			vdev_fail(d, st < 0 ? st : r.nout != 0 ? VQ_E_ORDER : VQ_E_SHORT);
			return d->last_error;
		}
		/* le16 type, le16 code, le32 value (5.8.6.1) */
		buf[0] = (u8)ev[sent].type;
		buf[1] = (u8)(ev[sent].type >> 8);
		buf[2] = (u8)ev[sent].code;
		buf[3] = (u8)(ev[sent].code >> 8);
		for (u32 i = 0; i < 4; i++) {
			buf[4 + i] = (u8)(ev[sent].value >> (8 * i));
		}
		if (virtq_write(m, &r, 0, buf, sizeof(buf)) != 0) {
			vdev_fail(d, VQ_E_MEM);
			return VQ_E_MEM;
		}
		if (!vdev_complete(d, EVENTQ, m, r.head, sizeof(buf))) {
			return VQ_E_MEM;
		}
		sent++;
	}
	return (int)sent;
}

int vinput_status(struct vdev *d, const struct vmem *m)
{
	const struct virtio_queue *q = &d->mmio.q[STATUSQ];
	struct virtq_req r;
	int st;

	d->mmio.notified &= ~(1U << STATUSQ);
	while ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) == 0 && q->ready &&
	       (st = virtq_pop(&d->vq[STATUSQ], q, m, 4096, &r)) != VQ_EMPTY) {
		if (st < 0) {
			vdev_fail(d, st);
			break;
		}
		if (!vdev_complete(d, STATUSQ, m, r.head, 0)) {
			break;
		}
	}
	return vdev_result(d);
}
