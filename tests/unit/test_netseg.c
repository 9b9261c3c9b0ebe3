/*
 * What the switch does for a port whose driver did not take the offloads
 * its sender used (netseg.h, vswitch_next): checksums completed, TCP over
 * IPv4 and IPv6 cut into Ethernet frames whose headers and checksums a
 * receiver accepts, what cannot be cut dropped and counted; and the
 * switch's byte-sized queues, which hold 64 KiB frames and wrap.
 * Checksums are checked by a sum written here, not netseg.c's.
 */
#include <string.h>

#include "harness.h"
#include <vmm/netseg.h>
#include <vmm/vswitch.h>

static const u8 mac_a[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const u8 mac_b[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static u8 f[VNET_GSO_FRAME_MAX];
static u8 seg[VNET_FRAME_MAX];
static struct vswitch sw;

/* RFC 1071 over p[0..n), added to acc, folded but not complemented. */
static u32 ones(const u8 *p, u32 n, u32 acc)
{
	for (u32 i = 0; i < n; i++) {
		acc += (i & 1) != 0 ? p[i] : (u32)p[i] << 8;
	}
	while (acc >> 16 != 0) {
		acc = (acc & 0xffff) + (acc >> 16);
	}
	return acc;
}

static u32 be16(const u8 *p)
{
	return (u32)p[0] << 8 | p[1];
}

static u32 be32(const u8 *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* An Ethernet frame from A to B with TCP (flags ACK PSH FIN CWR, sequence
 * 0xfffffc00 so that it wraps) over IPv4 or IPv6 and `payload` bytes of
 * data (byte i = i * 13); *m asks for segments of mss. Returns its length. */
static u32 tcp_frame(bool v6, u32 payload, u16 mss, struct vnet_meta *m)
{
	const u32 ip = 14;
	const u32 tcp = v6 ? 54 : 34;

	memset(f, 0, tcp + 20);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[ip] = 0x60;
		f[ip + 6] = 6; /* TCP */
		f[ip + 7] = 64;
		for (u32 i = 0; i < 32; i++) {
			f[ip + 8 + i] = (u8)(0xa0 + i);
		}
	} else {
		f[ip] = 0x45;
		f[ip + 4] = 0x12; /* identification 0x1234 */
		f[ip + 5] = 0x34;
		f[ip + 6] = 0x40; /* don't fragment */
		f[ip + 8] = 64;
		f[ip + 9] = 6;
		memcpy(f + ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	f[tcp] = 0x13; /* ports 5000 to 80 */
	f[tcp + 1] = 0x88;
	f[tcp + 3] = 80;
	memcpy(f + tcp + 4, "\xff\xff\xfc\x00\x00\x00\x00\x07", 8); /* seq, ack */
	f[tcp + 12] = 0x50;
	f[tcp + 13] = 0x80 | 0x10 | 0x08 | 0x01;
	f[tcp + 14] = 0x72;
	for (u32 i = 0; i < payload; i++) {
		f[tcp + 20 + i] = (u8)(i * 13);
	}
	*m = (struct vnet_meta){ VNET_HDR_F_NEEDS_CSUM, v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
				 (u16)(tcp + 20), mss, (u16)tcp, 16 };
	return tcp + 20 + payload;
}

/* Segment s (len bytes) is segment k of tcp_frame(v6, payload, mss). */
static void check_segment(bool v6, u32 payload, u32 mss, u32 k, u32 n, const u8 *s, u32 len)
{
	const u32 tcp = v6 ? 54 : 34;
	const u32 chunk = k + 1 < n ? mss : payload - k * mss;
	const u32 tcplen = 20 + chunk;
	u32 pseudo;

	CHECK_EQ(len, tcp + tcplen);
	CHECK(memcmp(s, f, 14) == 0);
	if (v6) {
		CHECK_EQ(be16(s + 14 + 4), tcplen);
		pseudo = ones(s + 14 + 8, 32, 6 + tcplen);
	} else {
		CHECK_EQ(be16(s + 14 + 2), 20 + tcplen);
		CHECK_EQ(be16(s + 14 + 4), 0x1234 + k);
		CHECK_EQ(ones(s + 14, 20, 0), 0xffff); /* header checksum right */
		pseudo = ones(s + 14 + 12, 8, 6 + tcplen);
	}
	CHECK_EQ(be32(s + tcp + 4), (u32)(0xfffffc00U + k * mss));
	CHECK_EQ(s[tcp + 13], (u8)(0x10 | (k == 0 ? 0x80 : 0) | (k + 1 == n ? 0x09 : 0)));
	CHECK_EQ(ones(s + tcp, tcplen, pseudo), 0xffff); /* TCP checksum right */
	CHECK(memcmp(s + tcp + 20, f + tcp + 20 + k * mss, chunk) == 0);
}

TEST(netseg_cuts_tcp_over_ipv4_and_ipv6)
{
	static const u32 payloads[3] = { 3000, 2500, 0 };
	struct vnet_meta m;

	for (u32 v6 = 0; v6 < 2; v6++) {
		for (u32 i = 0; i < 3; i++) {
			u32 len = tcp_frame(v6 != 0, payloads[i], 1000, &m);
			u32 n = netseg_count(f, len, &m);

			CHECK_EQ(n, payloads[i] == 0 ? 1 : 3);
			for (u32 k = 0; k < n; k++) {
				u32 l = netseg_build(f, len, &m, k, seg);

				check_segment(v6 != 0, payloads[i], 1000, k, n, seg, l);
			}
			CHECK_EQ(netseg_build(f, len, &m, n, seg), 0);
		}
	}
	/* The largest segments that fit Ethernet, and one byte more. */
	CHECK_EQ(netseg_count(f, tcp_frame(false, 3000, 1460, &m), &m), 3);
	CHECK_EQ(netseg_count(f, tcp_frame(false, 3000, 1461, &m), &m), 0);
	CHECK_EQ(netseg_count(f, tcp_frame(true, 3000, 1440, &m), &m), 3);
	CHECK_EQ(netseg_count(f, tcp_frame(true, 3000, 1441, &m), &m), 0);
}

TEST(netseg_refuses_what_it_cannot_cut)
{
	struct vnet_meta m;
	u32 len;

	len = tcp_frame(false, 3000, 1000, &m);
	m.gso_type = VNET_GSO_TCPV6; /* not what the frame is */
	CHECK_EQ(netseg_count(f, len, &m), 0);
	len = tcp_frame(false, 3000, 1000, &m);
	f[14 + 9] = 17; /* UDP */
	CHECK_EQ(netseg_count(f, len, &m), 0);
	len = tcp_frame(false, 3000, 1000, &m);
	f[14 + 6] = 0x20; /* more fragments */
	CHECK_EQ(netseg_count(f, len, &m), 0);
	len = tcp_frame(true, 3000, 1000, &m);
	f[14 + 6] = 0; /* an extension header first */
	CHECK_EQ(netseg_count(f, len, &m), 0);
	len = tcp_frame(false, 3000, 0, &m);
	CHECK_EQ(netseg_count(f, len, &m), 0);
	len = tcp_frame(false, 3000, 1000, &m);
	f[34 + 12] = 0xf0; /* a TCP header of 60 bytes in a frame of 54 + data */
	CHECK_EQ(netseg_count(f, 34 + 40, &m), 0);
	f[14] = 0x4f; /* an IPv4 header of 60 bytes */
	CHECK_EQ(netseg_count(f, 34 + 40, &m), 0);
	CHECK_EQ(netseg_count(f, 20, &m), 0);
}

TEST(netseg_completes_a_checksum_left_to_it)
{
	struct vnet_meta m;
	u32 len = tcp_frame(false, 1001, 0, &m);
	u32 pseudo = ones(f + 14 + 12, 8, 6 + 20 + 1001);
	u8 before[64];

	/* What the sender leaves: the pseudo-header sum in the field. */
	f[34 + 16] = (u8)(pseudo >> 8);
	f[34 + 17] = (u8)pseudo;
	CHECK(netseg_csum(f, len, 34, 16));
	CHECK_EQ(ones(f + 34, 20 + 1001, ones(f + 14 + 12, 8, 6 + 20 + 1001)), 0xffff);
	memcpy(before, f + len - 64, 64);
	CHECK(!netseg_csum(f, len, (u16)(len - 17), 16)); /* the field past the end */
	CHECK(memcmp(before, f + len - 64, 64) == 0);
}

TEST(netseg_checks_a_frame_before_it_passes_whole)
{
	struct vnet_meta m;
	u32 len;

	len = tcp_frame(false, 3000, 1448, &m);
	m.hdr_len = 7;
	CHECK(netseg_check(f, len, &m));
	CHECK_EQ(m.hdr_len, 54);
	len = tcp_frame(true, 3000, 1428, &m);
	CHECK(netseg_check(f, len, &m));
	CHECK_EQ(m.hdr_len, 74);
	len = tcp_frame(false, 3000, NETSEG_MIN_MSS, &m);
	CHECK(netseg_check(f, len, &m));
	m.gso_size = NETSEG_MIN_MSS - 1; /* one frame into thousands */
	CHECK(!netseg_check(f, len, &m));
	len = tcp_frame(false, 3000, 1448, &m);
	m.csum_offset = 0;
	CHECK(!netseg_check(f, len, &m));
	len = tcp_frame(false, 3000, 1448, &m);
	m.csum_start = 14;
	CHECK(!netseg_check(f, len, &m));
	len = tcp_frame(false, 3000, 1448, &m);
	m.flags = 0;
	CHECK(!netseg_check(f, len, &m));
	len = tcp_frame(false, 3000, 1448, &m);
	f[12] = 0x08; /* ARP */
	f[13] = 0x06;
	CHECK(!netseg_check(f, len, &m));
}

/* ------------------------------------------ the switch's delivery ---- */

static void two_ports(void)
{
	memset(&sw, 0, sizeof(sw));
	vswitch_attach(&sw, 0, mac_a);
	vswitch_attach(&sw, 1, mac_b);
}

TEST(vswitch_gives_each_port_what_its_driver_takes)
{
	struct vnet_meta m;
	struct vnet_meta got;
	const u8 *data;
	u32 len = tcp_frame(false, 3000, 1000, &m);
	u32 l;

	two_ports();
	CHECK_EQ(vswitch_send(&sw, 0, f, len, &m), 2U);
	/* A port that takes TSO gets it whole, with the header's request. */
	CHECK_EQ(vswitch_next(&sw, 1, VNET_TAKES_CSUM | VNET_TAKES_TSO4, seg, &data, &got), len);
	CHECK(memcmp(data, f, len) == 0);
	CHECK_EQ(got.gso_type, VNET_GSO_TCPV4);
	CHECK_EQ(got.gso_size, 1000);
	/* One that does not (or takes only IPv6's) gets three segments. */
	for (u32 k = 0; k < 3; k++) {
		l = vswitch_next(&sw, 1, VNET_TAKES_CSUM | VNET_TAKES_TSO6, seg, &data, &got);
		CHECK(data == seg);
		CHECK_EQ(got.flags, 0);
		CHECK_EQ(got.gso_type, VNET_GSO_NONE);
		check_segment(false, 3000, 1000, k, 3, data, l);
		/* Asked again before it is delivered: the same segment. */
		CHECK_EQ(vswitch_next(&sw, 1, 0, seg, &data, &got), l);
		vswitch_advance(&sw, 1);
	}
	CHECK_EQ(vswitch_next(&sw, 1, 0, seg, &data, &got), 0);
	/* A checksum left undone: done for a port that does not take it. */
	len = tcp_frame(false, 100, 0, &m);
	m.gso_type = VNET_GSO_NONE;
	l = ones(f + 26, 8, 6 + 120); /* the pseudo-header sum, in the field */
	f[34 + 16] = (u8)(l >> 8);
	f[34 + 17] = (u8)l;
	CHECK_EQ(vswitch_send(&sw, 0, f, len, &m), 2U);
	CHECK_EQ(vswitch_send(&sw, 0, f, len, &m), 2U);
	CHECK_EQ(vswitch_next(&sw, 1, VNET_TAKES_CSUM, seg, &data, &got), len);
	CHECK(data != seg && got.flags == VNET_HDR_F_NEEDS_CSUM && got.csum_start == 34);
	vswitch_advance(&sw, 1);
	CHECK_EQ(vswitch_next(&sw, 1, 0, seg, &data, &got), len);
	CHECK(data == seg && got.flags == 0);
	CHECK_EQ(ones(seg + 34, 120, ones(seg + 26, 8, 6 + 120)), 0xffff);
	vswitch_advance(&sw, 1);
	/* One that cannot be cut is dropped and counted; the next comes. */
	len = tcp_frame(false, 3000, 1000, &m);
	f[14 + 9] = 17;
	CHECK_EQ(vswitch_send(&sw, 0, f, len, &m), 2U);
	len = tcp_frame(false, 10, 0, &m);
	m = (struct vnet_meta){ 0 };
	CHECK_EQ(vswitch_send(&sw, 0, f, len, &m), 2U);
	CHECK_EQ(vswitch_next(&sw, 1, 0, seg, &data, &got), len);
	CHECK_EQ(sw.port[1].undelivered, 1);
	CHECK_EQ(sw.port[0].undelivered, 0);
}

TEST(vswitch_queues_large_frames_by_bytes)
{
	const struct vnet_meta m = { VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 54, 1000, 34, 16 };
	const u32 big = 60000;
	const u32 fit = VSWITCH_BYTES / big;
	struct vnet_meta got;
	const u8 *data;
	static const u8 order[4] = { 2, 3, 5, 6 }; /* 4 and 7 found it full */
	u32 tag = 0;

	two_ports();
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	/* Frames too large for Ethernet pass only as TCP left to segment. */
	CHECK_EQ(vswitch_send(&sw, 0, f, VNET_FRAME_MAX + 1, NULL), 0);
	CHECK_EQ(vswitch_send(&sw, 0, f, VNET_GSO_FRAME_MAX + 1, &m), 0);
	for (u32 i = 0; i < fit + 1; i++, tag++) {
		memset(f + 14, (int)tag, big - 14);
		CHECK_EQ(vswitch_send(&sw, 0, f, big, &m), i < fit ? 2U : 0);
	}
	CHECK_EQ(sw.port[1].undelivered, 1);
	/* Two delivered make room at the start: the next two wrap. */
	for (u32 i = 0; i < 2; i++) {
		CHECK_EQ(vswitch_next(&sw, 1, VNET_TAKES_CSUM | VNET_TAKES_TSO4, seg, &data, &got), big);
		CHECK_EQ(data[14], i);
		vswitch_advance(&sw, 1);
	}
	for (u32 i = 0; i < 3; i++, tag++) {
		memset(f + 14, (int)tag, big - 14);
		CHECK_EQ(vswitch_send(&sw, 0, f, big, &m), i < 2 ? 2U : 0);
	}
	CHECK_EQ(sw.port[1].undelivered, 2);
	/* Every frame whole and in order. */
	CHECK_EQ(fit, 4);
	for (u32 i = 0; i < fit; i++) {
		CHECK_EQ(vswitch_next(&sw, 1, VNET_TAKES_CSUM | VNET_TAKES_TSO4, seg, &data, &got), big);
		CHECK(data[14] == order[i] && data[big - 1] == order[i]);
		CHECK(data >= sw.port[1].buf && data + big <= sw.port[1].buf + VSWITCH_BYTES);
		vswitch_advance(&sw, 1);
	}
	CHECK_EQ(vswitch_next(&sw, 1, 0, seg, &data, &got), 0);
	/* Small frames fill the queue by count instead. */
	for (u32 i = 0; i < VSWITCH_QUEUE + 1; i++) {
		CHECK_EQ(vswitch_send(&sw, 0, f, 60, NULL), i < VSWITCH_QUEUE ? 2U : 0);
	}
	CHECK_EQ(sw.port[1].undelivered, 3);
}
