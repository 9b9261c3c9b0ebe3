/*
 * The virtio-mmio transport's register file: identity, feature
 * negotiation, queue set-up and its rules, notification, interrupts,
 * config space and reset.
 */
#include <string.h>

#include <vmm/virtio_mmio.h>

#include "harness.h"

static struct virtio_mmio v;
static u8 cfg[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

static u32 rd(u64 off)
{
	return virtio_mmio_access(&v, off, 4, false, 0);
}

static void wr(u64 off, u32 val)
{
	(void)virtio_mmio_access(&v, off, 4, true, val);
}

TEST(virtio_mmio_identity_and_features)
{
	virtio_mmio_init(&v, 2, UINT64_C(1) << 9, 1, 128, cfg, sizeof(cfg));
	CHECK_EQ(rd(0x000), 0x74726976);
	CHECK_EQ(rd(0x004), 2);
	CHECK_EQ(rd(0x008), 2);
	wr(0x014, 0);
	CHECK_EQ(rd(0x010), 1U << 9);
	wr(0x014, 1);
	CHECK_EQ(rd(0x010), 1); /* VIRTIO_F_VERSION_1 is bit 32 */
	wr(0x014, 2);
	CHECK_EQ(rd(0x010), 0);
	CHECK_EQ(virtio_mmio_access(&v, 0x004, 2, false, 0), 0); /* registers are 32-bit */

	/* A feature the device lacks: FEATURES_OK does not stick. */
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(0x024, 0);
	wr(0x020, (1U << 9) | (1U << 5));
	wr(0x024, 1);
	wr(0x020, 1);
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK_EQ(rd(0x070) & VIRTIO_STATUS_FEATURES_OK, 0);
	/* Without VERSION_1 neither. */
	wr(0x024, 0);
	wr(0x020, 1U << 9);
	wr(0x024, 1);
	wr(0x020, 0);
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK_EQ(rd(0x070) & VIRTIO_STATUS_FEATURES_OK, 0);
	/* A subset with VERSION_1: accepted, then fixed. */
	wr(0x020, 1);
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_EQ(v.driver_features, VIRTIO_F_VERSION_1 | (UINT64_C(1) << 9));
	wr(0x024, 0);
	wr(0x020, 0);
	CHECK_EQ(v.driver_features, VIRTIO_F_VERSION_1 | (UINT64_C(1) << 9));
}

TEST(virtio_mmio_queues)
{
	virtio_mmio_init(&v, 1, 0, 2, 64, cfg, sizeof(cfg));
	wr(0x030, 1);
	CHECK_EQ(rd(0x034), 64);
	wr(0x038, 3);   /* not a power of 2 */
	wr(0x038, 128); /* above the maximum */
	CHECK_EQ(v.q[1].num, 0);
	wr(0x044, 1); /* no size yet: not ready */
	CHECK_EQ(rd(0x044), 0);
	wr(0x038, 32);
	wr(0x080, 0x40001000);
	wr(0x084, 0x1);
	wr(0x090, 0x40002000);
	wr(0x0a0, 0x40003000);
	wr(0x044, 1);
	CHECK_EQ(rd(0x044), 1);
	CHECK_EQ(v.q[1].num, 32);
	CHECK_EQ(v.q[1].desc, UINT64_C(0x140001000));
	CHECK_EQ(v.q[1].driver, 0x40002000);
	CHECK_EQ(v.q[1].device, 0x40003000);
	/* A ready queue's set-up is fixed. */
	wr(0x038, 16);
	wr(0x080, 0);
	CHECK_EQ(v.q[1].num, 32);
	CHECK_EQ(v.q[1].desc, UINT64_C(0x140001000));
	/* No such queue. */
	wr(0x030, 7);
	CHECK_EQ(rd(0x034), 0);
	wr(0x038, 8);
	wr(0x044, 1);
	CHECK_EQ(rd(0x044), 0);
	/* Notifications of ready queues only. */
	wr(0x050, 0);
	wr(0x050, 9);
	CHECK_EQ(v.notified, 0);
	wr(0x050, 1);
	CHECK_EQ(v.notified, 2);
	/* Interrupts: raised by the device, acknowledged by the driver. */
	CHECK(!virtio_mmio_irq(&v));
	virtio_mmio_used(&v);
	CHECK(virtio_mmio_irq(&v));
	CHECK_EQ(rd(0x060), VIRTIO_INT_USED);
	wr(0x064, VIRTIO_INT_USED);
	CHECK(!virtio_mmio_irq(&v));
	/* Reset: everything the driver set is gone, the limits stay. */
	wr(0x070, VIRTIO_STATUS_DRIVER_OK);
	wr(0x070, 0);
	CHECK_EQ(rd(0x070), 0);
	wr(0x030, 1);
	CHECK_EQ(rd(0x044), 0);
	CHECK_EQ(v.q[1].desc, 0);
	CHECK_EQ(rd(0x034), 64);
	CHECK_EQ(v.notified, 0);
}

TEST(virtio_mmio_config_space)
{
	virtio_mmio_init(&v, 3, 0, 1, 16, cfg, sizeof(cfg));
	CHECK_EQ(virtio_mmio_access(&v, 0x100, 4, false, 0), 0x44332211);
	CHECK_EQ(virtio_mmio_access(&v, 0x105, 1, false, 0), 0x66);
	CHECK_EQ(virtio_mmio_access(&v, 0x106, 2, false, 0), 0x8877);
	CHECK_EQ(virtio_mmio_access(&v, 0x106, 4, false, 0), 0); /* past its end */
	CHECK_EQ(virtio_mmio_access(&v, 0x1f0, 4, false, 0), 0);
	(void)virtio_mmio_access(&v, 0x104, 1, true, 0xab);
	CHECK_EQ(cfg[4], 0xab);
	cfg[4] = 0x55;
}
