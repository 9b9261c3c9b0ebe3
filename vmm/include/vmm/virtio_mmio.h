/*
 * The virtio-mmio transport, version 2 (Virtual I/O Device 1.2, 4.2.2): the
 * register file a guest driver sees, for one device with up to
 * VIRTIO_MMIO_QUEUES queues. Plain C, host-tested. A device model supplies
 * its id, features and config space and is told when a queue is notified;
 * the rings themselves live in guest memory the VM grants (docs to come
 * with the devices).
 */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <lib/types.h>

#define VIRTIO_MMIO_QUEUES 4
#define VIRTIO_MMIO_SIZE 0x200
#define VIRTIO_MMIO_CONFIG 0x100 /* device-specific config space */

/* Status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1U
#define VIRTIO_STATUS_DRIVER 2U
#define VIRTIO_STATUS_DRIVER_OK 4U
#define VIRTIO_STATUS_FEATURES_OK 8U
#define VIRTIO_STATUS_NEEDS_RESET 64U
#define VIRTIO_STATUS_FAILED 128U

/* Feature bit 32: VIRTIO_F_VERSION_1, required by version 2 devices. */
#define VIRTIO_F_VERSION_1 (UINT64_C(1) << 32)

/* InterruptStatus bits. */
#define VIRTIO_INT_USED 1U
#define VIRTIO_INT_CONFIG 2U

struct virtio_queue {
	u32 num_max;
	u32 num;
	bool ready;
	u64 desc;   /* guest-physical addresses of the three areas */
	u64 driver;
	u64 device;
};

struct virtio_mmio {
	u32 device_id;
	u64 device_features;
	u64 driver_features;
	u32 device_features_sel;
	u32 driver_features_sel;
	u32 queue_sel;
	u32 status;
	u32 interrupt_status;
	u32 config_generation;
	struct virtio_queue q[VIRTIO_MMIO_QUEUES];
	u32 nqueues;
	u8 *config;     /* the device's config space */
	u32 config_len;
	u32 notified;   /* bit per queue the driver notified, for the device to take */
	u32 resets;     /* counts resets by the driver: the device drops its queue state */
};

/** Sets up a device: id, features (VIRTIO_F_VERSION_1 is added), queues of up to num_max. */
void virtio_mmio_init(struct virtio_mmio *v, u32 device_id, u64 features, u32 nqueues,
		      u32 num_max, u8 *config, u32 config_len);
/**
 * A guest access at offset off (size 4, or 1-4 in config space). Returns
 * the value read (0 for writes and for what the spec leaves undefined).
 */
u32 virtio_mmio_access(struct virtio_mmio *v, u64 off, u32 size, bool write, u32 value);
/** The device used buffers of a queue: raises the used-buffer interrupt. */
void virtio_mmio_used(struct virtio_mmio *v);
/**
 * The device cannot go on (the driver broke the rules: a bad descriptor, a
 * ring the VMM may not reach): sets DEVICE_NEEDS_RESET and, once the
 * driver is up, raises the configuration-change interrupt (2.1.2). The
 * device ignores its queues until the driver resets it.
 */
void virtio_mmio_fail(struct virtio_mmio *v);
/** Whether the interrupt line is high. */
bool virtio_mmio_irq(const struct virtio_mmio *v);

#endif /* VMM_VIRTIO_MMIO_H */
