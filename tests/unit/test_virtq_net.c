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
static const struct vnet_meta plain;

static void net_setup(void)
{
	drv_ram_reset();
	drv_nsent = 0;
	vnet_init(&drv_dev, mac);
	drv_start(2, 8);
	drv_snapshot();
}

/* Queues a frame of len bytes (byte i = i + seed) after the header hdr
 * (NULL: all zero) on transmit descriptors head and head + 1. */
static void tx_frame_hdr(u16 head, u64 buf, u32 len, u8 seed, const u8 *hdr)
{
	if (hdr != NULL) {
		memcpy(drv_ram(buf), hdr, VNET_HDR_LEN);
	} else {
		memset(drv_ram(buf), 0, VNET_HDR_LEN);
	}
	for (u32 i = 0; i < len; i++) {
		drv_ram(buf + VNET_HDR_LEN)[i] = (u8)(i + seed);
	}
	drv_desc(1, head, buf, VNET_HDR_LEN + 3, F_NEXT, (u16)(head + 1));
	drv_desc(1, (u16)(head + 1), buf + VNET_HDR_LEN + 3, len - 3, 0, 0);
	drv_post(1, head);
}

static void tx_frame(u16 head, u64 buf, u32 len, u8 seed)
{
	tx_frame_hdr(head, buf, len, seed, NULL);
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

TEST(virtq_net_no_interrupt_while_the_driver_polls)
{
	const u16 no_interrupt = VIRTQ_AVAIL_F_NO_INTERRUPT;
	const u16 none = 0;

	net_setup();
	memcpy(drv_ram(AVAIL(1)), &no_interrupt, 2);
	tx_frame(0, DATA, 60, 1);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_nsent, 1);
	CHECK_EQ(drv_used_idx(1), 1); /* used, and not signalled */
	CHECK_EQ(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED, 0);
	memcpy(drv_ram(AVAIL(1)), &none, 2);
	tx_frame(2, DATA + 0x1000, 60, 2);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_used_idx(1), 2);
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
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), 0); /* none posted */
	CHECK_EQ(drv_used_idx(0), 0);

	memset(drv_ram(DATA), 0x5a, 2048);
	drv_desc(0, 3, DATA, VNET_HDR_LEN + sizeof(frame), F_WRITE, 0); /* just fits */
	drv_post(0, 3);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), 1);
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
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), 1);
	CHECK_EQ(drv_ram(DATA)[10], 1);
	CHECK_EQ(drv_ram(DATA)[VNET_HDR_LEN], 0x5a);
	CHECK_EQ(drv_used_id(0, 1), 4);
	CHECK_EQ(drv_used_len(0, 1), VNET_HDR_LEN);

	/* Smaller than the header: the device claims no more than it wrote. */
	drv_desc(0, 5, DATA + 1024, 8, F_WRITE, 0);
	drv_post(0, 5);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), 1);
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
	CHECK_REFUSED(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), VQ_E_ORDER);
	CHECK_EQ(*drv_ram(DATA + 16), 0x5a);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, frame, sizeof(frame), &plain), 0); /* stopped */
}

/* A virtio_net_hdr: flags, gso_type, then hdr_len, gso_size, csum_start,
 * csum_offset (little-endian), num_buffers 0. */
static void hdr_of(u8 *h, u8 flags, u8 gso, u16 hdr_len, u16 gso_size, u16 start, u16 off)
{
	const u16 v[4] = { hdr_len, gso_size, start, off };

	memset(h, 0, VNET_HDR_LEN);
	h[0] = flags;
	h[1] = gso;
	for (u32 i = 0; i < 4; i++) {
		h[2 + 2 * i] = (u8)v[i];
		h[3 + 2 * i] = (u8)(v[i] >> 8);
	}
}

/* Makes the frame at buf (after its header) TCP over IPv4: Ethernet,
 * a 20-byte IPv4 header, a 20-byte TCP header, then the pattern. */
static void make_tcp4(u64 buf)
{
	u8 *p = drv_ram(buf + VNET_HDR_LEN);

	memset(p, 0, 54);
	memcpy(p, "\x52\x54\x00\x00\x00\x02\x52\x54\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[14 + 9] = 6;
	p[34 + 12] = 0x50;
}

TEST(virtq_net_offloads_negotiated_and_checked)
{
	u8 h[8][VNET_HDR_LEN];

	net_setup();
	CHECK_EQ(vnet_takes(&drv_dev), VNET_TAKES_CSUM | VNET_TAKES_TSO4 | VNET_TAKES_TSO6);
	hdr_of(h[0], VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 66, 1448, 34, 16); /* 3000 bytes of TSO */
	hdr_of(h[1], 0, VNET_GSO_TCPV4, 66, 1448, 0, 0);	    /* TSO without the checksum */
	hdr_of(h[2], VNET_HDR_F_NEEDS_CSUM, 3, 42, 1472, 34, 6);    /* UDP: not offered */
	hdr_of(h[3], VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 40, 19);       /* field past the end */
	hdr_of(h[4], VNET_HDR_F_NEEDS_CSUM | 2, 0, 7, 9, 34, 16);   /* checksum left, no TSO */
	hdr_of(h[5], VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV6, 86, 1428, 54, 16); /* IPv4 inside */
	hdr_of(h[6], VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 54, NETSEG_MIN_MSS - 1, 34, 16);
	hdr_of(h[7], VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 54, 1448, 34, 6); /* not TCP's field */
	tx_frame_hdr(0, DATA, 3000, 0, h[0]);
	make_tcp4(DATA);
	tx_frame_hdr(2, DATA + 0x1000, 3000, 0, h[1]);
	make_tcp4(DATA + 0x1000);
	tx_frame_hdr(4, DATA + 0x2000, 3000, 0, h[2]);
	tx_frame_hdr(6, DATA + 0x3000, 60, 0, h[3]);
	CHECK_EQ(drv_kick(1), 0);
	tx_frame_hdr(0, DATA + 0x4000, 60, 0, h[4]); /* descriptors the device gave back */
	for (u16 i = 5; i < 8; i++) {
		tx_frame_hdr((u16)(2 * (i - 4)), DATA + 0x1000 * (u64)i, 3000, 0, h[i]);
		make_tcp4(DATA + 0x1000 * (u64)i);
	}
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_nsent, 2);
	CHECK_EQ(drv_sent_len[0], 3000);
	CHECK_EQ(drv_sent_meta[0].flags, VNET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(drv_sent_meta[0].gso_type, VNET_GSO_TCPV4);
	CHECK_EQ(drv_sent_meta[0].gso_size, 1448);
	CHECK_EQ(drv_sent_meta[0].hdr_len, 54); /* the headers' length, not the sender's 66 */
	CHECK_EQ(drv_sent_meta[0].csum_start, 34);
	CHECK_EQ(drv_sent_meta[0].csum_offset, 16);
	CHECK_EQ(drv_sent[0][2999], (u8)2999);
	/* The flag it may not set is dropped; without TSO the rest is 0. */
	CHECK_EQ(drv_sent_len[1], 60);
	CHECK_EQ(drv_sent_meta[1].flags, VNET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(drv_sent_meta[1].gso_type, VNET_GSO_NONE);
	CHECK_EQ(drv_sent_meta[1].gso_size, 0);
	CHECK_EQ(drv_sent_meta[1].hdr_len, 0);
	CHECK_EQ(drv_used_idx(1), 8); /* every buffer back, sent or dropped */
	CHECK_EQ(drv_dev.refusals, 0);
}

TEST(virtq_net_header_means_nothing_without_offloads)
{
	u8 h[VNET_HDR_LEN];

	drv_feature_mask = ~(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM);
	net_setup();
	drv_feature_mask = ~UINT64_C(0);
	/* GUEST_TSO without GUEST_CSUM takes nothing. */
	CHECK_EQ(vnet_takes(&drv_dev), 0);
	memset(h, 0xee, sizeof(h));
	tx_frame_hdr(0, DATA, 60, 0, h);
	hdr_of(h, VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 66, 1448, 34, 16);
	tx_frame_hdr(2, DATA + 0x1000, 3000, 0, h); /* too big for a plain frame */
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_nsent, 1);
	CHECK_EQ(drv_sent_len[0], 60);
	CHECK_EQ(drv_sent_meta[0].flags, 0);
	CHECK_EQ(drv_sent_meta[0].gso_type, VNET_GSO_NONE);
	CHECK_EQ(drv_sent_meta[0].csum_start, 0);
}

TEST(virtq_net_receive_passes_the_offload_header)
{
	static u8 big[20000];
	const struct vnet_meta m = { VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV6, 86, 1428, 54, 16 };
	u8 h[VNET_HDR_LEN];

	for (u32 i = 0; i < sizeof(big); i++) {
		big[i] = (u8)(i * 7);
	}
	net_setup();
	/* A chain of five 4 KiB buffers, as Linux posts for unsegmented frames. */
	for (u16 i = 0; i < 5; i++) {
		drv_desc(0, i, DATA + 0x1000 * (u64)i, 0x1000, F_WRITE | (i < 4 ? F_NEXT : 0),
			 (u16)(i + 1));
	}
	drv_post(0, 0);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, big, sizeof(big), &m), 1);
	hdr_of(h, VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV6, 86, 1428, 54, 16);
	h[10] = 1;
	CHECK(memcmp(drv_ram(DATA), h, VNET_HDR_LEN) == 0);
	CHECK(memcmp(drv_ram(DATA + VNET_HDR_LEN), big, sizeof(big)) == 0);
	CHECK_EQ(drv_used_len(0, 0), VNET_HDR_LEN + sizeof(big));
	/* No room: dropped, and the header it gets claims nothing. */
	drv_desc(0, 5, DATA + 0x8000, 0x1000, F_WRITE, 0);
	drv_post(0, 5);
	memset(drv_ram(DATA + 0x8000), 0x5a, VNET_HDR_LEN);
	CHECK_EQ(vnet_receive(&drv_dev, &drv_mem, big, sizeof(big), &m), 1);
	CHECK_EQ(drv_ram(DATA + 0x8000)[0], 0);
	CHECK_EQ(drv_ram(DATA + 0x8000)[1], 0);
	CHECK_EQ(drv_ram(DATA + 0x8000)[4], 0);
	CHECK_EQ(drv_used_len(0, 1), VNET_HDR_LEN);
	CHECK_EQ(drv_dev.refusals, 0);
}

/* -------------------------------------------------------- console ---- */
