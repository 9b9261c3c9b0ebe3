/*
 * The virtio network device as a guest driver would drive it
 * (virtq_driver.h): frames sent (bad sizes dropped), frames received into
 * the driver's buffers, a device-readable receive buffer refused.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

/* -------------------------------------------------------- network ---- */

static const u8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void net_setup(void)
{
	drv_ram_reset();
	drv_nsent = 0;
	vnet_init(&drv_dev, mac);
	drv_start(2, 8);
	drv_snapshot();
}

/* Queues a frame of len bytes (byte i = i + seed) after a header of 0xee
 * on transmit descriptors head and head + 1. */
static void tx_frame(u16 head, u64 buf, u32 len, u8 seed)
{
	memset(drv_ram(buf), 0xee, VNET_HDR_LEN);
	for (u32 i = 0; i < len; i++) {
		drv_ram(buf + VNET_HDR_LEN)[i] = (u8)(i + seed);
	}
	drv_desc(1, head, buf, VNET_HDR_LEN + 3, F_NEXT, (u16)(head + 1));
	drv_desc(1, (u16)(head + 1), buf + VNET_HDR_LEN + 3, len - 3, 0, 0);
	drv_post(1, head);
}

TEST(virtq_net_transmit)
{
	net_setup();
	tx_frame(2, DATA, 60, 1);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_nsent, 1);
	CHECK_EQ(drv_sent_len[0], 60);
	CHECK(memcmp(drv_sent[0], drv_ram(DATA + VNET_HDR_LEN), 60) == 0);
	CHECK_EQ(drv_sent[0][0], 1);
	CHECK_EQ(drv_used_idx(1), 1);
	CHECK_EQ(drv_used_id(1, 0), 2);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);
}

TEST(virtq_net_transmit_drops_bad_sizes)
{
	static const u32 lens[4] = { 13, 14, VNET_FRAME_MAX, VNET_FRAME_MAX + 1 };

	net_setup();
	for (u16 i = 0; i < 4; i++) {
		tx_frame((u16)(2 * i), DATA + 0x1000 * (u64)i, lens[i], (u8)i);
	}
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_nsent, 2);
	CHECK_EQ(drv_sent_len[0], 14);
	CHECK_EQ(drv_sent_len[1], VNET_FRAME_MAX);
	CHECK_EQ(drv_sent[1][VNET_FRAME_MAX - 1], (u8)(VNET_FRAME_MAX - 1 + 2));
	CHECK_EQ(drv_used_idx(1), 4);
	CHECK_EQ(drv_used_id(1, 0), 0);
	CHECK_EQ(drv_used_id(1, 3), 6);
	CHECK_EQ(drv_dev.refusals, 0);
}

TEST(virtq_net_receive)
{
	u8 frame[60];

	for (u32 i = 0; i < sizeof(frame); i++) {
		frame[i] = (u8)(0x80 + i);
	}
	net_setup();
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), 0); /* none posted */
	CHECK_EQ(drv_used_idx(0), 0);

	memset(drv_ram(DATA), 0x5a, 2048);
	drv_desc(0, 3, DATA, VNET_HDR_LEN + sizeof(frame), F_WRITE, 0); /* just fits */
	drv_post(0, 3);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), 1);
	CHECK(memcmp(drv_ram(DATA), "\0\0\0\0\0\0\0\0\0\0\x01\0", VNET_HDR_LEN) == 0);
	CHECK(memcmp(drv_ram(DATA + VNET_HDR_LEN), frame, sizeof(frame)) == 0);
	CHECK_EQ(*drv_ram(DATA + VNET_HDR_LEN + sizeof(frame)), 0x5a);
	CHECK_EQ(drv_used_idx(0), 1);
	CHECK_EQ(drv_used_id(0, 0), 3);
	CHECK_EQ(drv_used_len(0, 0), VNET_HDR_LEN + sizeof(frame));
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);

	/* A byte too small for the frame: dropped, the header alone. */
	memset(drv_ram(DATA), 0x5a, 2048);
	drv_desc(0, 4, DATA, VNET_HDR_LEN + sizeof(frame) - 1, F_WRITE, 0);
	drv_post(0, 4);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), 1);
	CHECK_EQ(drv_ram(DATA)[10], 1);
	CHECK_EQ(drv_ram(DATA)[VNET_HDR_LEN], 0x5a);
	CHECK_EQ(drv_used_id(0, 1), 4);
	CHECK_EQ(drv_used_len(0, 1), VNET_HDR_LEN);

	/* Smaller than the header: the device claims no more than it wrote. */
	drv_desc(0, 5, DATA + 1024, 8, F_WRITE, 0);
	drv_post(0, 5);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), 1);
	CHECK_EQ(drv_used_id(0, 2), 5);
	CHECK_EQ(drv_used_len(0, 2), 8);
	CHECK_EQ(drv_ram(DATA + 1024)[8], 0x5a);
	CHECK_EQ(drv_dev.refusals, 0);
}

TEST(virtq_net_receive_refuses_readable)
{
	u8 frame[60] = { 0 };

	net_setup();
	memset(drv_ram(DATA), 0x5a, 2048);
	drv_desc(0, 0, DATA, 16, F_NEXT, 1);
	drv_desc(0, 1, DATA + 16, 2048 - 16, F_WRITE, 0);
	drv_post(0, 0);
	CHECK_REFUSED(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), VQ_E_ORDER);
	CHECK_EQ(*drv_ram(DATA + 16), 0x5a);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame)), 0); /* stopped */
}

/* -------------------------------------------------------- console ---- */
