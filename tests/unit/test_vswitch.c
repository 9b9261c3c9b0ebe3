/*
 * The virtual switch's forwarding decision and queues: a frame goes to the
 * port its destination names, or to every other port for a broadcast or
 * multicast; one whose source address is not the sending port's own is
 * dropped and counted at that port; a full queue drops and counts at the
 * receiving port.
 */
#include <string.h>

#include <vmm/vswitch.h>

#include "harness.h"

static struct vswitch sw;

enum { A = 0, B = 1, C = 2, DOWN = 5 };

static const u8 mac_a[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const u8 mac_b[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const u8 mac_c[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };
static const u8 mac_down[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x06 };
static const u8 mac_none[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x09 };
static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static u8 frame[VNET_FRAME_MAX + 1];

/* Ports A, B and C up; DOWN was up once and is down again. */
static void three_ports(void)
{
	memset(&sw, 0, sizeof(sw));
	vswitch_attach(&sw, A, mac_a);
	vswitch_attach(&sw, B, mac_b);
	vswitch_attach(&sw, C, mac_c);
	vswitch_attach(&sw, DOWN, mac_down);
	vswitch_detach(&sw, DOWN);
}

/* An Ethernet frame to dst from src, its payload one byte of `tag`. */
static u32 eth(const u8 *dst, const u8 *src, u8 tag)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x08; /* IPv4 */
	frame[13] = 0x00;
	memset(frame + 14, tag, 46);
	return 60;
}

/* A gratuitous ARP (RFC 5227, 3): sender `src` claims `ip`, broadcast. */
static u32 garp(const u8 *src, const u8 ip[4])
{
	static const u8 arp_hdr[8] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02 };

	memcpy(frame, bcast, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x08; /* ARP */
	frame[13] = 0x06;
	memcpy(frame + 14, arp_hdr, 8);
	memcpy(frame + 22, src, 6);
	memcpy(frame + 28, ip, 4);
	memcpy(frame + 32, bcast, 6);
	memcpy(frame + 38, ip, 4);
	return 42;
}

static u32 route(u32 from, u32 len, enum vswitch_verdict want)
{
	u32 to = 0xdead;

	CHECK_EQ(vswitch_route(&sw, from, frame, len, NULL, &to), want);
	return to;
}

TEST(vswitch_forwards_by_destination)
{
	three_ports();
	CHECK_EQ(route(A, eth(mac_b, mac_a, 1), VSWITCH_FORWARD), 1U << B);
	CHECK_EQ(route(C, eth(mac_a, mac_c, 1), VSWITCH_FORWARD), 1U << A);
	/* Broadcast and multicast: every other port that is up. */
	CHECK_EQ(route(A, eth(bcast, mac_a, 1), VSWITCH_FORWARD), (1U << B) | (1U << C));
	CHECK_EQ(route(B, eth(mcast, mac_b, 1), VSWITCH_FORWARD), (1U << A) | (1U << C));
	/* No port has the address, the port is down, or it is the sender's. */
	CHECK_EQ(route(A, eth(mac_none, mac_a, 1), VSWITCH_FORWARD), 0);
	CHECK_EQ(route(A, eth(mac_down, mac_a, 1), VSWITCH_FORWARD), 0);
	CHECK_EQ(route(A, eth(mac_a, mac_a, 1), VSWITCH_FORWARD), 0);
	/* 14 to 1514 bytes: an Ethernet header up to a full frame. */
	CHECK_EQ(route(A, 14, VSWITCH_FORWARD), 0);
	memcpy(frame, mac_b, 6);
	CHECK_EQ(route(A, VNET_FRAME_MAX, VSWITCH_FORWARD), 1U << B);
	CHECK_EQ(route(A, 13, VSWITCH_BAD_SIZE), 0);
	CHECK_EQ(route(A, VNET_FRAME_MAX + 1, VSWITCH_BAD_SIZE), 0);
}

TEST(vswitch_drops_spoofed_source)
{
	static const u8 ip_b[4] = { 10, 0, 0, 2 };
	u8 near_a[6];

	three_ports();
	/* Another port's address, unicast or broadcast, or the frame its own. */
	CHECK_EQ(route(A, eth(mac_c, mac_b, 1), VSWITCH_SPOOFED), 0);
	CHECK_EQ(route(A, eth(bcast, mac_b, 1), VSWITCH_SPOOFED), 0);
	CHECK_EQ(route(A, eth(mac_b, mac_b, 1), VSWITCH_SPOOFED), 0);
	/* An address no port has, a group address, one byte off its own. */
	CHECK_EQ(route(A, eth(mac_b, mac_none, 1), VSWITCH_SPOOFED), 0);
	CHECK_EQ(route(A, eth(mac_b, bcast, 1), VSWITCH_SPOOFED), 0);
	memcpy(near_a, mac_a, 6);
	near_a[5] ^= 0x80;
	CHECK_EQ(route(A, eth(mac_b, near_a, 1), VSWITCH_SPOOFED), 0);
	near_a[5] = mac_a[5];
	near_a[0] ^= 0x02;
	CHECK_EQ(route(A, eth(mac_b, near_a, 1), VSWITCH_SPOOFED), 0);
	/* A port that is down, or none at all, sends nothing. */
	CHECK_EQ(route(DOWN, eth(mac_b, mac_down, 1), VSWITCH_SPOOFED), 0);
	CHECK_EQ(route(VSWITCH_PORTS, eth(mac_b, mac_a, 1), VSWITCH_SPOOFED), 0);

	/* Sent: nothing queued anywhere, each counted at the sender. */
	CHECK_EQ(vswitch_send(&sw, A, frame, garp(mac_b, ip_b), NULL), 0);
	CHECK_EQ(vswitch_send(&sw, A, frame, eth(mac_c, mac_b, 2), NULL), 0);
	CHECK_EQ(vswitch_send(&sw, C, frame, eth(mac_b, mac_a, 3), NULL), 0);
	CHECK_EQ(vswitch_send(&sw, VSWITCH_PORTS, frame, eth(mac_b, mac_a, 3), NULL), 0);
	CHECK_EQ(sw.port[A].spoofed, 2);
	CHECK_EQ(sw.port[B].spoofed, 0);
	CHECK_EQ(sw.port[C].spoofed, 1);
	for (u32 p = 0; p < VSWITCH_PORTS; p++) {
		CHECK(vswitch_head(&sw, p) == NULL);
		CHECK_EQ(sw.port[p].undelivered, 0);
	}
	/* The same ARP from B itself goes to A and C. */
	CHECK_EQ(vswitch_send(&sw, B, frame, garp(mac_b, ip_b), NULL), (1U << A) | (1U << C));
	CHECK_EQ(sw.port[B].spoofed, 0);
	CHECK(vswitch_head(&sw, A) != NULL && vswitch_head(&sw, A)->len == 42);
	CHECK(vswitch_head(&sw, A) != NULL && memcmp(vswitch_head(&sw, A)->data, frame, 42) == 0);
	/* A new VM in the slot starts with its counters at 0. */
	vswitch_detach(&sw, A);
	vswitch_attach(&sw, A, mac_a);
	CHECK_EQ(sw.port[A].spoofed, 0);
	CHECK(vswitch_head(&sw, A) == NULL);
}

TEST(vswitch_queues_in_order_and_counts_losses)
{
	const struct vswitch_frame *f;

	three_ports();
	for (u32 i = 0; i < VSWITCH_QUEUE + 3; i++) {
		CHECK_EQ(vswitch_send(&sw, A, frame, eth(mac_b, mac_a, (u8)i), NULL),
			 i < VSWITCH_QUEUE ? 1U << B : 0);
	}
	CHECK_EQ(sw.port[B].undelivered, 3);
	CHECK_EQ(sw.port[A].spoofed, 0);
	/* Delivered oldest first; a broadcast still reaches C meanwhile. */
	CHECK_EQ(vswitch_send(&sw, A, frame, eth(bcast, mac_a, 0xee), NULL), 1U << C);
	CHECK_EQ(sw.port[B].undelivered, 4);
	for (u32 i = 0; i < 10; i++) {
		f = vswitch_head(&sw, B);
		CHECK(f != NULL && f->len == 60 && f->data[14] == i && f->data[59] == i);
		vswitch_pop(&sw, B);
	}
	CHECK_EQ(vswitch_send(&sw, A, frame, eth(mac_b, mac_a, 0x77), NULL), 1U << B);
	/* A device needing a reset: the rest are lost, and counted. */
	vswitch_drop_queue(&sw, B);
	CHECK_EQ(sw.port[B].undelivered, 4 + VSWITCH_QUEUE - 10 + 1);
	CHECK(vswitch_head(&sw, B) == NULL);
	vswitch_pop(&sw, B);
	CHECK(vswitch_head(&sw, B) == NULL);
	f = vswitch_head(&sw, C);
	CHECK(f != NULL && f->data[14] == 0xee);
	/* A port taken down holds nothing for the next VM in its slot. */
	vswitch_detach(&sw, C);
	CHECK(vswitch_head(&sw, C) == NULL);
	vswitch_attach(&sw, C, mac_c);
	CHECK(vswitch_head(&sw, C) == NULL);
}
