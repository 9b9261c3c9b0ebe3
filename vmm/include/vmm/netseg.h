/*
 * The work a network card does for its driver when the driver leaves it
 * the checksum or the segmentation of a TCP stream (virtio 1.2, 5.1.6.2):
 * the virtual switch (vswitch.h) does it for a port whose driver did not
 * take those offloads, so that a sender that uses them reaches every port.
 *
 * A frame is Ethernet (IEEE 802.3) without VLAN tags, then IPv4 (RFC 791)
 * or IPv6 (RFC 8200, with no extension headers), then TCP (RFC 9293); the
 * checksums are RFC 1071's. Plain C, host-tested.
 */
#ifndef VMM_NETSEG_H
#define VMM_NETSEG_H

#include <lib/types.h>

/* virtio_net_hdr's flags and gso_type (5.1.6). */
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4

/** What the sender's virtio_net_hdr asks of the device, once checked. */
struct vnet_meta {
	u8 flags;    /* VNET_HDR_F_NEEDS_CSUM or 0 */
	u8 gso_type; /* VNET_GSO_* */
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
};

/* The smallest segment size a sender may ask for: TCP's default send MSS
 * (RFC 9293, 3.7.1). Smaller ones would let one frame become thousands. */
#define NETSEG_MIN_MSS 536

/**
 * Whether the frame frame[0..len) that m asks to segment is one the
 * switch passes on whole to a port that takes it: TCP over the IP version
 * m->gso_type names, the checksum asked for exactly TCP's (csum_start at
 * the TCP header, csum_offset 16), segments of NETSEG_MIN_MSS bytes or
 * more. Sets m->hdr_len to the headers' length, so that no header the
 * sender made up reaches the receiver.
 */
bool netseg_check(const u8 *frame, u32 len, struct vnet_meta *m);

/**
 * Completes a checksum the sender left to the device: the ones' complement
 * sum of frame[start..len) (which covers the pseudo-header sum the sender
 * put in the field) goes, complemented, to frame[start + off]. False, with
 * nothing changed, if the field is not inside the frame.
 */
bool netseg_csum(u8 *frame, u32 len, u16 start, u16 off);

/**
 * How many frames of at most VNET_FRAME_MAX bytes the TCP frame
 * frame[0..len) that m asks to segment becomes: 0 if it is not one the
 * switch can segment (not TCP over IPv4 or IPv6 as m->gso_type says, a
 * fragment, headers past its end, or segments too large for Ethernet).
 */
u32 netseg_count(const u8 *frame, u32 len, const struct vnet_meta *m);

/**
 * Builds segment k (< netseg_count) of that frame in out[VNET_FRAME_MAX]
 * with its IPv4 header and TCP checksums complete; returns its length.
 */
u32 netseg_build(const u8 *frame, u32 len, const struct vnet_meta *m, u32 k, u8 *out);

#endif /* VMM_NETSEG_H */
