/*
 * The virtio devices the VMM serves to a VM over virtio-mmio: a block
 * device on a disk image, a network port on the VMM's virtual switch, a
 * console, and an input device with a power and a restart key. Each sits in a fixed slot of the guest's layout (absent
 * devices read as device id 0, as virtio-mmio allows). A device reaches the
 * VM's rings and buffers only through a struct vmem; in the VMM that is
 * the VMM's own stage 2, where the hyp maps a VM page only while the VM
 * grants it (docs/io.md). The device models are plain C, host-tested.
 */
#ifndef VMM_VDEV_H
#define VMM_VDEV_H

#include <lib/types.h>
#include <vmm/netseg.h>
#include <vmm/virtio_mmio.h>
#include <vmm/virtq.h>

enum vdev_slot {
	VDEV_BLK = 0,
	VDEV_NET = 1,
	VDEV_CON = 2,
	VDEV_INPUT = 3,
	VDEV_SLOTS = 4,
};

/* The guest layout: slot s at VM_VIRTIO_IPA + s * VM_VIRTIO_STRIDE, SPI
 * interrupt VM_VIRTIO_INTID + s, level-sensitive. */
#define VM_VIRTIO_IPA UINT64_C(0x0a010000)
#define VM_VIRTIO_STRIDE UINT64_C(0x200)
#define VM_VIRTIO_INTID 40

/* Device ids (5) and feature bits. */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_INPUT 18
#define VIRTIO_F_ACCESS_PLATFORM (UINT64_C(1) << 33)
#define VIRTIO_BLK_F_RO (UINT64_C(1) << 5)
#define VIRTIO_BLK_F_SEG_MAX (UINT64_C(1) << 2)
#define VIRTIO_BLK_F_FLUSH (UINT64_C(1) << 9)
#define VIRTIO_NET_F_CSUM (UINT64_C(1) << 0)       /* the driver may leave checksums to us */
#define VIRTIO_NET_F_GUEST_CSUM (UINT64_C(1) << 1) /* ... and take frames that leave them */
#define VIRTIO_NET_F_MAC (UINT64_C(1) << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (UINT64_C(1) << 7) /* it takes unsegmented TCP over IPv4 */
#define VIRTIO_NET_F_GUEST_TSO6 (UINT64_C(1) << 8) /* ... and over IPv6 */
#define VIRTIO_NET_F_HOST_TSO4 (UINT64_C(1) << 11) /* it may send unsegmented TCP over IPv4 */
#define VIRTIO_NET_F_HOST_TSO6 (UINT64_C(1) << 12) /* ... and over IPv6 */
#define VIRTIO_NET_F_STATUS (UINT64_C(1) << 16)

/* Block requests (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VBLK_MAX_REQUEST (UINT64_C(16) << 20) /* bytes of one chain */

/* Network: the header before every frame with VIRTIO_F_VERSION_1 (5.1.6). */
#define VNET_HDR_LEN 12
#define VNET_FRAME_MAX 1514 /* Ethernet without FCS, MTU 1500 */
/* An unsegmented TCP frame: 64 KiB of IP packet (Linux's largest) and
 * the Ethernet header. */
#define VNET_GSO_FRAME_MAX (65536 + 14)
/* The most bytes of one receive buffer the device takes: Linux's for
 * unsegmented frames are 19 descriptors of up to a page. */
#define VNET_RX_BUF_MAX (UINT64_C(128) << 10)

#define VDEV_QUEUE_SIZE 256

/* Input: the config space's size (select, subsel, size, 5 reserved, u[128])
 * and the events the device sends (Linux's input-event-codes.h). */
#define VINPUT_CONFIG_LEN 136
#define VINPUT_EV_SYN 0
#define VINPUT_EV_KEY 1
#define VINPUT_KEY_POWER 116
#define VINPUT_KEY_RESTART 408

struct vdev {
	bool present;
	struct virtio_mmio mmio;
	struct virtq vq[VIRTIO_MMIO_QUEUES];
	u32 resets_seen;
	bool irq_raised;
	u8 config[VINPUT_CONFIG_LEN]; /* the largest: the input device's */
	u64 requests; /* served */
	u64 refusals; /* requests or rings refused (the device then needs a reset) */
	int last_error; /* enum virtq_status of the last refusal */
};

/**
 * The block device's disk: VMM memory (changes kept while the VM lives),
 * or, with data NULL, sectors io() moves through the buffer chunk (a
 * partition of the boot medium: medium.h).
 */
struct vblk_disk {
	u8 *data;
	u64 size; /* bytes, a multiple of 512 */
	bool read_only;
	/* n sectors at `sector` into buf (write false) or out of it; 0 or < 0. */
	int (*io)(void *ctx, bool write, u64 sector, void *buf, u32 n);
	int (*flush)(void *ctx); /* the disk's writes made durable; 0 or < 0 */
	void *ctx;
	u8 *chunk;      /* io's buffer, chunk_len bytes (a multiple of 512) */
	u32 chunk_len;
};

/** Sets up slot d as a block device on disk. */
void vblk_init(struct vdev *d, const struct vblk_disk *disk);
/**
 * Serves the requests queued on the block device: returns 0, or a
 * negative enum virtq_status after which the device needs a reset.
 */
int vblk_process(struct vdev *d, const struct vmem *m, const struct vblk_disk *disk);

/** Sets up slot d as a network device with address mac. */
void vnet_init(struct vdev *d, const u8 mac[6]);
/** The offloads a network device's driver takes on receive: VNET_TAKES_* bits. */
u32 vnet_takes(const struct vdev *d);
#define VNET_TAKES_CSUM 1U /* frames whose checksum is left to it */
#define VNET_TAKES_TSO4 2U /* unsegmented TCP over IPv4 */
#define VNET_TAKES_TSO6 4U /* unsegmented TCP over IPv6 */
/**
 * Takes the frames the driver queued for sending and hands each to
 * send(ctx, frame, len, meta), copied through buf[VNET_GSO_FRAME_MAX]:
 * frames of 14 to VNET_FRAME_MAX bytes, or up to VNET_GSO_FRAME_MAX for
 * TCP the driver left to segment, with what its header asks (only what the
 * driver negotiated; a frame whose header asks for more is dropped).
 * Returns 0 or a negative enum virtq_status.
 */
int vnet_transmit(struct vdev *d, const struct vmem *m, u8 *buf,
		  void (*send)(void *ctx, const u8 *frame, u32 len, const struct vnet_meta *meta),
		  void *ctx);
/**
 * Puts one received frame, with the header fields meta gives, in the next
 * receive buffer: 1 if delivered, 0 if the driver has no buffer posted (the
 * frame waits), a negative enum virtq_status on a refusal. A frame larger
 * than the buffer is dropped (returns 1: it is gone).
 */
int vnet_receive(struct vdev *d, const struct vmem *m, const u8 *frame, u32 len,
		 const struct vnet_meta *meta);

/** Sets up slot d as a console (one port, no multiport). */
void vcon_init(struct vdev *d);
/**
 * Puts up to len typed bytes into the next receive buffer: the bytes
 * taken (0 if the driver has no buffer posted), or a negative enum
 * virtq_status on a refusal.
 */
int vcon_receive(struct vdev *d, const struct vmem *m, const u8 *buf, u32 len);
/** Passes what the driver wrote to out(ctx, buf, len). 0 or a negative enum virtq_status. */
int vcon_transmit(struct vdev *d, const struct vmem *m,
		  void (*out)(void *ctx, const char *buf, u32 len), void *ctx);

/** One input event: type, code, value (struct virtio_input_event). */
struct vinput_event {
	u16 type;
	u16 code;
	u32 value;
};
/** Sets up slot d as an input device with the keys KEY_POWER and KEY_RESTART. */
void vinput_init(struct vdev *d);
/** Answers the driver's select and subsel in the config space (after it wrote them). */
void vinput_config(struct vdev *d);
/**
 * Puts ev[0..n) in the driver's event buffers, one each: returns how many
 * (fewer if it posted fewer), or a negative enum virtq_status on a refusal.
 */
int vinput_send(struct vdev *d, const struct vmem *m, const struct vinput_event *ev, u32 n);
/** Takes what the driver sent on the status queue (and ignores it). 0 or a negative enum virtq_status. */
int vinput_status(struct vdev *d, const struct vmem *m);

/**
 * Drops a device's queue state if the driver reset it since the last
 * call (every access goes through here first).
 */
void vdev_sync(struct vdev *d);
/**
 * Puts request `head` of queue q in the used ring with `written` bytes and
 * raises the used-buffer interrupt; false, with the device failed, if the
 * ring cannot be reached.
 */
bool vdev_complete(struct vdev *d, u32 q, const struct vmem *m, u16 head, u32 written);
/** 0, or the refusal that left the device needing a reset. */
int vdev_result(const struct vdev *d);
/** Marks the device failed after a refusal (DEVICE_NEEDS_RESET). */
void vdev_fail(struct vdev *d, int status);

#endif /* VMM_VDEV_H */
