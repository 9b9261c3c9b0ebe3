/*
 * Checksum completion and TCP segmentation for the virtual switch
 * (netseg.h). Offsets: the Ethernet header is 14 bytes with the EtherType
 * at 12; IPv4 has its header length in the low nibble of byte 0, total
 * length at 2, identification at 4, flags and fragment offset at 6,
 * protocol at 9, header checksum at 10 and addresses at 12; IPv6 has its
 * payload length at 4, next header at 6 and addresses at 8; TCP has its
 * sequence number at 4, header length in the high nibble of byte 12, flags
 * at 13 and checksum at 16.
 */
#include <lib/lib.h>
#include <vmm/netseg.h>
#include <vmm/vdev.h>

#define ETH_HLEN 14
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define IPPROTO_TCP 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static u32 get16(const u8 *p)
{
	return ((u32)p[0] << 8) | p[1];
}

static void put16(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

/* The 16-bit big-endian words of p[0..n) added to acc (an odd last byte
 * is the high half of a word). */
static u64 sum(const u8 *p, u32 n, u64 acc)
{
	u32 i;

	for (i = 0; i + 1 < n; i += 2) {
		acc += get16(p + i);
	}
	if (i < n) {
		acc += (u32)p[i] << 8;
	}
	return acc;
}

/* The complemented ones' complement sum, as it goes in a header. */
static u32 fold(u64 s)
{
	while ((s >> 16) != 0) {
		s = (s & 0xffff) + (s >> 16);
	}
	return ~(u32)s & 0xffff;
}

bool netseg_csum(u8 *frame, u32 len, u16 start, u16 off)
{
	u32 c;

	if ((u32)start + off + 2 > len) {
		return false;
	}
	c = fold(sum(frame + start, len - start, 0));
	put16(frame + start + off, c != 0 ? c : 0xffff);
	return true;
}

/* Where the TCP header and the payload start, if the frame is one. */
struct layout {
	u32 tcp;
	u32 data;
	bool v6;
};

static bool parse(const u8 *f, u32 len, const struct vnet_meta *m, struct layout *l)
{
	u32 ihl;
	u32 thl;

	if (len < ETH_HLEN + 40) {
		return false;
	}
	if (get16(f + 12) == ETH_P_IPV4 && m->gso_type == VNET_GSO_TCPV4) {
		ihl = (f[ETH_HLEN] & 0xfU) * 4;
		if ((f[ETH_HLEN] >> 4) != 4 || ihl < 20 || f[ETH_HLEN + 9] != IPPROTO_TCP ||
		    (get16(f + ETH_HLEN + 6) & 0x3fff) != 0) {
			return false; /* not TCP, or a fragment (more fragments, or an offset) */
		}
		l->v6 = false;
	} else if (get16(f + 12) == ETH_P_IPV6 && m->gso_type == VNET_GSO_TCPV6) {
		ihl = 40;
		if ((f[ETH_HLEN] >> 4) != 6 || f[ETH_HLEN + 6] != IPPROTO_TCP) {
			return false; /* not TCP, or behind extension headers */
		}
		l->v6 = true;
	} else {
		return false;
	}
	l->tcp = ETH_HLEN + ihl;
	if (len < l->tcp + 20) {
		return false;
	}
	thl = (f[l->tcp + 12] >> 4) * 4U;
	if (thl < 20 || len < l->tcp + thl) {
		return false;
	}
	l->data = l->tcp + thl;
	return true;
}

bool netseg_check(const u8 *frame, u32 len, struct vnet_meta *m)
{
	struct layout l;

	if (!parse(frame, len, m, &l) || m->flags != VNET_HDR_F_NEEDS_CSUM ||
	    m->csum_start != l.tcp || m->csum_offset != 16 || m->gso_size < NETSEG_MIN_MSS) {
		return false;
	}
	m->hdr_len = (u16)l.data;
	return true;
}

/* The segments of a frame of len bytes with layout l, 0 if they would not
 * fit Ethernet. */
static u32 segments(const struct layout *l, u32 len, const struct vnet_meta *m)
{
	u32 payload = len - l->data;

	if (m->gso_size == 0 || l->data + m->gso_size > VNET_FRAME_MAX) {
		return 0;
	}
	return payload == 0 ? 1 : (payload + m->gso_size - 1) / m->gso_size;
}

u32 netseg_count(const u8 *frame, u32 len, const struct vnet_meta *m)
{
	struct layout l;

	return parse(frame, len, m, &l) ? segments(&l, len, m) : 0;
}

u32 netseg_build(const u8 *frame, u32 len, const struct vnet_meta *m, u32 k, u8 *out)
{
	struct layout l;
	u32 n;
	u32 off = k * m->gso_size;
	u32 chunk;
	u32 tcplen;
	u64 pseudo;
	u32 seq;

	if (!parse(frame, len, m, &l)) {
		return 0;
	}
	n = segments(&l, len, m);
	if (k >= n) {
		return 0;
	}
	chunk = MIN((u32)m->gso_size, len - l.data - MIN(off, len - l.data));
	memcpy(out, frame, l.data);
	memcpy(out + l.data, frame + l.data + off, chunk);
	tcplen = l.data - l.tcp + chunk;
	if (l.v6) {
		put16(out + ETH_HLEN + 4, tcplen);
		pseudo = sum(out + ETH_HLEN + 8, 32, 0);
	} else {
		u8 *ip = out + ETH_HLEN;

		put16(ip + 2, l.tcp - ETH_HLEN + tcplen);
		put16(ip + 4, get16(frame + ETH_HLEN + 4) + k);
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum(ip, l.tcp - ETH_HLEN, 0)));
		pseudo = sum(ip + 12, 8, 0);
	}
	pseudo += IPPROTO_TCP + tcplen;
	seq = ((u32)get16(frame + l.tcp + 4) << 16 | get16(frame + l.tcp + 6)) + off;
	put16(out + l.tcp + 4, seq >> 16);
	put16(out + l.tcp + 6, seq);
	if (k + 1 != n) {
		out[l.tcp + 13] &= (u8)~(TCP_FIN | TCP_PSH);
	}
	if (k != 0) {
		out[l.tcp + 13] &= (u8)~TCP_CWR;
	}
	put16(out + l.tcp + 16, 0);
	put16(out + l.tcp + 16, fold(sum(out + l.tcp, tcplen, pseudo)));
	return l.data + chunk;
}
