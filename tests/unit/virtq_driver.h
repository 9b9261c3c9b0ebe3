/*
 * A guest's virtio driver, faked for the virtqueue and device tests
 * (test_virtq*.c): a fake guest RAM of 1 MiB at 0x40000000 whose 4 KiB
 * pages are granted or not, rings laid out in it, one device (drv_dev)
 * reached through its virtio-mmio registers, and what the devices send
 * out (the disk, the frames, the console's bytes).
 */
#ifndef VIRTQ_DRIVER_H
#define VIRTQ_DRIVER_H

#include <vmm/vdev.h>
#include <vmm/virtq.h>

#define RAM_BASE UINT64_C(0x40000000)
#define RAM_SIZE (UINT64_C(1) << 20)
#define PG 4096

/* Queue q's areas; buffers from 0x10000 on. */
#define DESC(q) (RAM_BASE + (u64)(q) * 0x4000)
#define AVAIL(q) (DESC(q) + 0x1000)
#define USED(q) (DESC(q) + 0x2000)
#define HDR (RAM_BASE + 0x10000)
#define STATUS (RAM_BASE + 0x10100)
#define DATA (RAM_BASE + 0x20000)

/* The virtio-mmio registers the driver uses. */
#define R_DEV_FEAT 0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT 0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_STATUS 0x070
#define R_DESC 0x080
#define R_DRIVER 0x090
#define R_DEVICE 0x0a0

#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE
#define ST_UP (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)

/* The block device's disk: SECTORS sectors of 512 bytes. */
#define SECTORS 64

/** The guest memory the devices reach (through the grants). */
extern const struct vmem drv_mem;
/** The device under test. */
extern struct vdev drv_dev;
/** The driver's size of each queue, and its next avail index there. */
extern u16 drv_qnum[VIRTIO_MMIO_QUEUES];
extern u16 drv_avail[VIRTIO_MMIO_QUEUES];
/** The block device's disk, and its contents at the last drv_snapshot(). */
extern u8 drv_disk_data[SECTORS * 512];
extern struct vblk_disk drv_disk;
extern u8 drv_disk_before[SECTORS * 512];
/** The network device's first 4 frames sent, their lengths, the count. */
extern u8 drv_sent[4][VNET_GSO_FRAME_MAX];
extern u32 drv_sent_len[4];
extern struct vnet_meta drv_sent_meta[4]; /* what each frame's header asked */
/* The device features drv_start takes (all it offers, unless a test narrows them). */
extern u64 drv_feature_mask;
extern u32 drv_nsent;
/** What the console device wrote out, its length, the number of writes. */
extern char drv_con_buf[1024];
extern u32 drv_con_len;
extern u32 drv_con_calls;

/** The host's view of guest address gpa in the fake RAM. */
u8 *drv_ram(u64 gpa);
/** Grants (or revokes) the page at gpa to the device. */
void drv_grant(u64 gpa, bool on);
/** Zeroes the fake RAM and grants all of it. */
void drv_ram_reset(void);
/**
 * Stores a 16-bit value at gpa; reads a little-endian value of n bytes
 * (the host is little-endian too).
 */
void drv_put16(u64 gpa, u16 v);
u32 drv_get(u64 gpa, u32 n);
/** Writes or reads a 32-bit virtio-mmio register of drv_dev. */
void drv_wr(u64 off, u32 val);
u32 drv_rd(u64 off);
/**
 * Resets the device and brings it up with nq queues of num entries,
 * taking every feature offered.
 */
void drv_start(u32 nq, u16 num);
/** Writes descriptor i of queue q. */
void drv_desc(u32 q, u16 i, u64 addr, u32 len, u16 flags, u16 next);
/** Makes the chain at head available on queue q. */
void drv_post(u32 q, u16 head);
/** Queue q's used index, and the id and length of its used entry i. */
u16 drv_used_idx(u32 q);
u32 drv_used_id(u32 q, u16 i);
u32 drv_used_len(u32 q, u16 i);
/**
 * The driver notifies queue q and the VMM serves it as vmio.c does: the
 * device's result, or 1 if the notification was ignored.
 */
int drv_kick(u32 q);
/** Keeps the disk's contents and queue 0's used index, for the checks. */
void drv_snapshot(void);

/** A block device on a fresh disk, brought up by the driver; snapshot taken. */
void drv_blk_setup(u16 num, bool read_only);
/**
 * Queues a block request on descriptors head, head + 1, ...: the header,
 * len bytes of data at DATA (device-writable if dev_writes; none if len
 * is 0), the status byte (set to 0xff first).
 */
void drv_blk_req(u16 head, u32 type, u64 sector, u32 len, bool dev_writes);
/** Checks one served block request: status, the used entry, the interrupt. */
void drv_check_served(u16 n, u16 head, u32 written, u8 status);

/**
 * A refusal: its code, the device needing a reset (and saying so), no
 * used entry, the disk untouched since drv_snapshot().
 */
#define CHECK_REFUSED(st, want) drv_refused_at(__FILE__, __LINE__, st, want)
void drv_refused_at(const char *file, int line, int st, int want);

#endif /* VIRTQ_DRIVER_H */
