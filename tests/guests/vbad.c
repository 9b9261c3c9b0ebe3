/*
 * vbad: a malicious driver. With its rings and buffers granted, it hands
 * the VMM's block device descriptor chains that break the rules: each must
 * be refused (DEVICE_NEEDS_RESET, nothing used, the disk unchanged), and
 * after a reset the device works again. Run beside another VM, which must
 * not notice. Run with vms/vbad.cfg.
 */
#include "lib/virtio.h"

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define RAM_END (GUEST_RAM + GUEST_RAM_SIZE)

struct blk_req {
	u32 type;
	u32 reserved;
	u64 sector;
};

static struct vq q __aligned(4096);
static struct blk_req hdr __aligned(4096);
static u8 status __aligned(4096);
static u8 data[4096] __aligned(4096);

static u64 addr(const void *p)
{
	return (u64)(uintptr_t)p;
}

static bool needs_reset(void)
{
	return (vio_read(VIRTIO_BLK_BASE, VIO_STATUS) & VIO_NEEDS_RESET) != 0;
}

/* A well-formed request: header, 512 bytes of data, status. */
static void good_chain(u32 type)
{
	hdr = (struct blk_req){ type, 0, 0 };
	status = 0xff;
	q.desc[0] = (struct vring_desc){ addr(&hdr), sizeof(hdr), VRING_NEXT, 1 };
	q.desc[1] = (struct vring_desc){ addr(data), 512,
					 (u16)(VRING_NEXT | (type == BLK_T_IN ? VRING_WRITE : 0)), 2 };
	q.desc[2] = (struct vring_desc){ addr(&status), 1, VRING_WRITE, 0 };
}

/* The VMM logs at most 8 lines a second per VM: space the attacks out. */
static void pause_ms(u64 ms)
{
	u64 f, t0, t;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t0));
	do {
		__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	} while (t - t0 < f / 1000 * ms);
}

static void attack(const char *name, u16 head, u16 step)
{
	u32 used = vq_kick(VIRTIO_BLK_BASE, &q, head, step);

	result(name, used == 0 && needs_reset() && status == 0xff,
	       "used %u, needs reset %d, status 0x%x", used, needs_reset(), status);
	/* A reset and a fresh queue for the next one. */
	if (vio_setup(VIRTIO_BLK_BASE, 2, &q) != 0) {
		result("setup", false, "vio_setup failed");
	}
	pause_ms(150);
}

void guest_main(void)
{
	result("setup", vio_setup(VIRTIO_BLK_BASE, 2, &q) == 0, "vio_setup");
	result("grants",
	       vq_grant(&q, true) == HV_OK && grant_range(&hdr, sizeof(hdr), true) == HV_OK &&
		       grant_range(&status, 1, true) == HV_OK &&
		       grant_range(data, sizeof(data), true) == HV_OK,
	       "rings and buffers granted");

	good_chain(BLK_T_IN);
	q.desc[1].addr = 0x1000; /* below RAM: not the VM's */
	attack("out_of_range_address", 0, 1);

	good_chain(BLK_T_IN);
	q.desc[1].addr = RAM_END - 8; /* runs past the end of RAM */
	attack("past_end_of_ram", 0, 1);

	good_chain(BLK_T_IN);
	q.desc[1].addr = 0xfffffffffffff000UL; /* wraps around */
	q.desc[1].len = 0x2000;
	attack("wrapping_address", 0, 1);

	good_chain(BLK_T_IN);
	q.desc[1].len = 0xffffffffU;
	attack("huge_length", 0, 1);

	/* Each part in RAM, but 2 x 15 MiB is more than a request may be. */
	good_chain(BLK_T_OUT);
	q.desc[1] = (struct vring_desc){ GUEST_RAM, 15U << 20, VRING_NEXT, 3 };
	q.desc[3] = (struct vring_desc){ GUEST_RAM, 15U << 20, VRING_NEXT, 2 };
	attack("huge_chain", 0, 1);

	good_chain(BLK_T_IN);
	q.desc[2].flags = VRING_WRITE | VRING_NEXT;
	q.desc[2].next = 1; /* 0 -> 1 -> 2 -> 1 -> 2 ... */
	attack("descriptor_loop", 0, 1);

	good_chain(BLK_T_IN);
	attack("head_past_ring", 200, 1);

	good_chain(BLK_T_IN);
	q.desc[1].next = 100;
	attack("next_past_ring", 0, 1);

	good_chain(BLK_T_IN);
	attack("avail_index_jump", 0, 100);

	good_chain(BLK_T_IN);
	q.desc[0].flags = VRING_INDIRECT;
	attack("indirect_descriptor", 0, 1);

	good_chain(BLK_T_OUT);
	q.desc[0].flags = VRING_WRITE | VRING_NEXT; /* the header device-writable */
	attack("readable_after_writable", 0, 1);

	/* After all that, a good request is served. */
	good_chain(BLK_T_IN);
	{
		u32 used = vq_kick(VIRTIO_BLK_BASE, &q, 0, 1);

		result("device_recovers", used == 1 && status == 0 && !needs_reset(),
		       "used %u, status %u", used, status);
	}
}
