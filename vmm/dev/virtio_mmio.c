/*
 * The virtio-mmio transport's register file (virtio_mmio.h), from Virtual
 * I/O Device 1.2, 4.2.2: offsets, the feature selectors, per-queue
 * registers behind QueueSel, the status and reset rules.
 */
#include <lib/lib.h>
#include <vmm/virtio_mmio.h>

#define MAGIC 0x74726976U /* "virt" */
#define VERSION 2U
#define VENDOR 0x554d4551U /* the id QEMU uses; drivers do not check it */

enum {
	R_MAGIC = 0x000,
	R_VERSION = 0x004,
	R_DEVICE_ID = 0x008,
	R_VENDOR_ID = 0x00c,
	R_DEVICE_FEATURES = 0x010,
	R_DEVICE_FEATURES_SEL = 0x014,
	R_DRIVER_FEATURES = 0x020,
	R_DRIVER_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030,
	R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044,
	R_QUEUE_NOTIFY = 0x050,
	R_INTERRUPT_STATUS = 0x060,
	R_INTERRUPT_ACK = 0x064,
	R_STATUS = 0x070,
	R_QUEUE_DESC_LOW = 0x080,
	R_QUEUE_DESC_HIGH = 0x084,
	R_QUEUE_DRIVER_LOW = 0x090,
	R_QUEUE_DRIVER_HIGH = 0x094,
	R_QUEUE_DEVICE_LOW = 0x0a0,
	R_QUEUE_DEVICE_HIGH = 0x0a4,
	R_CONFIG_GENERATION = 0x0fc,
};

void virtio_mmio_init(struct virtio_mmio *v, u32 device_id, u64 features, u32 nqueues,
		      u32 num_max, u8 *config, u32 config_len)
{
	memset(v, 0, sizeof(*v));
	v->device_id = device_id;
	v->device_features = features | VIRTIO_F_VERSION_1;
	v->nqueues = MIN(nqueues, (u32)VIRTIO_MMIO_QUEUES);
	for (u32 i = 0; i < v->nqueues; i++) {
		v->q[i].num_max = num_max;
	}
	v->config = config;
	v->config_len = config_len;
}

static void reset(struct virtio_mmio *v)
{
	v->driver_features = 0;
	v->device_features_sel = 0;
	v->driver_features_sel = 0;
	v->queue_sel = 0;
	v->status = 0;
	v->interrupt_status = 0;
	v->notified = 0;
	v->resets++;
	for (u32 i = 0; i < v->nqueues; i++) {
		u32 max = v->q[i].num_max;

		memset(&v->q[i], 0, sizeof(v->q[i]));
		v->q[i].num_max = max;
	}
}

/* The selected queue, or NULL if QueueSel names none. */
static struct virtio_queue *sel(struct virtio_mmio *v)
{
	return v->queue_sel < v->nqueues ? &v->q[v->queue_sel] : NULL;
}

static void set_half(u64 *r, bool high, u32 value)
{
	*r = high ? (*r & 0xffffffffU) | (u64)value << 32 : (*r & ~UINT64_C(0xffffffff)) | value;
}

/* The queue address QueueDesc, QueueDriver or QueueDevice (Low at +0, High
 * at +4) at off sets, or NULL if off is none of them. */
static u64 *queue_addr(struct virtio_queue *q, u64 off)
{
	switch (off & ~UINT64_C(4)) {
	case R_QUEUE_DESC_LOW:
		return &q->desc;
	case R_QUEUE_DRIVER_LOW:
		return &q->driver;
	case R_QUEUE_DEVICE_LOW:
		return &q->device;
	default:
		return NULL;
	}
}

static u32 config_access(struct virtio_mmio *v, u64 off, u32 size, bool write, u32 value)
{
	u32 out = 0;

	if (size == 0 || size > 4 || off + size > v->config_len) {
		return 0;
	}
	for (u32 i = 0; i < size; i++) {
		if (write) {
			v->config[off + i] = (u8)(value >> (8 * i));
		} else {
			out |= (u32)v->config[off + i] << (8 * i);
		}
	}
	return out;
}

static u32 read_reg(struct virtio_mmio *v, u64 off)
{
	struct virtio_queue *q = sel(v);

	switch (off) {
	case R_MAGIC:
		return MAGIC;
	case R_VERSION:
		return VERSION;
	case R_DEVICE_ID:
		return v->device_id;
	case R_VENDOR_ID:
		return VENDOR;
	case R_DEVICE_FEATURES:
		return v->device_features_sel > 1
			       ? 0
			       : (u32)(v->device_features >> (32 * v->device_features_sel));
	case R_QUEUE_NUM_MAX:
		return q != NULL ? q->num_max : 0;
	case R_QUEUE_READY:
		return q != NULL && q->ready;
	case R_INTERRUPT_STATUS:
		return v->interrupt_status;
	case R_STATUS:
		return v->status;
	case R_CONFIG_GENERATION:
		return v->config_generation;
	default:
		return 0;
	}
}

static void write_reg(struct virtio_mmio *v, u64 off, u32 value)
{
	struct virtio_queue *q = sel(v);
	/* Queue registers may change only while the queue is not ready. */
	bool q_open = q != NULL && !q->ready;

	switch (off) {
	case R_DEVICE_FEATURES_SEL:
		v->device_features_sel = value;
		break;
	case R_DRIVER_FEATURES:
		if (v->driver_features_sel <= 1 && (v->status & VIRTIO_STATUS_FEATURES_OK) == 0) {
			set_half(&v->driver_features, v->driver_features_sel == 1, value);
		}
		break;
	case R_DRIVER_FEATURES_SEL:
		v->driver_features_sel = value;
		break;
	case R_QUEUE_SEL:
		v->queue_sel = value;
		break;
	case R_QUEUE_NUM:
		/* A power of 2 no larger than QueueNumMax (2.7.10.1 for split rings). */
		if (q_open && value != 0 && value <= q->num_max && (value & (value - 1)) == 0) {
			q->num = value;
		}
		break;
	case R_QUEUE_READY:
		if (q != NULL) {
			q->ready = (value & 1) != 0 && q->num != 0;
		}
		break;
	case R_QUEUE_NOTIFY:
		if (value < v->nqueues && v->q[value].ready &&
		    (v->status & VIRTIO_STATUS_NEEDS_RESET) == 0) {
			v->notified |= 1U << value;
		}
		break;
	case R_INTERRUPT_ACK:
		v->interrupt_status &= ~value;
		break;
	case R_STATUS:
		if (value == 0) {
			reset(v);
		} else if ((value & VIRTIO_STATUS_FEATURES_OK) != 0 &&
			   (v->status & VIRTIO_STATUS_FEATURES_OK) == 0 &&
			   ((v->driver_features & ~v->device_features) != 0 ||
			    (v->driver_features & VIRTIO_F_VERSION_1) == 0)) {
			/* Features the device lacks, or no VERSION_1: not accepted
			 * (the driver reads FEATURES_OK back and sees it clear). */
			v->status = value & ~VIRTIO_STATUS_FEATURES_OK;
		} else {
			/* Only a reset clears DEVICE_NEEDS_RESET. */
			v->status = value | (v->status & VIRTIO_STATUS_NEEDS_RESET);
		}
		break;
	default:
		/* The queue's addresses; read-only or unknown: ignored. */
		if (q_open && queue_addr(q, off) != NULL) {
			set_half(queue_addr(q, off), (off & 4) != 0, value);
		}
		break;
	}
}

u32 virtio_mmio_access(struct virtio_mmio *v, u64 off, u32 size, bool write, u32 value)
{
	if (off >= VIRTIO_MMIO_CONFIG) {
		return config_access(v, off - VIRTIO_MMIO_CONFIG, size, write, value);
	}
	if (size != 4 || (off & 3) != 0) {
		return 0; /* registers are 32-bit */
	}
	if (write) {
		write_reg(v, off, value);
		return 0;
	}
	return read_reg(v, off);
}

void virtio_mmio_used(struct virtio_mmio *v)
{
	v->interrupt_status |= VIRTIO_INT_USED;
}

bool virtio_mmio_irq(const struct virtio_mmio *v)
{
	return v->interrupt_status != 0;
}

void virtio_mmio_fail(struct virtio_mmio *v)
{
	if ((v->status & VIRTIO_STATUS_NEEDS_RESET) != 0) {
		return;
	}
	v->status |= VIRTIO_STATUS_NEEDS_RESET;
	v->notified = 0;
	if ((v->status & VIRTIO_STATUS_DRIVER_OK) != 0) {
		v->interrupt_status |= VIRTIO_INT_CONFIG;
	}
}
