/*
 * The VMM's virtual switch between the VMs' network ports (docs/io.md):
 * one port per VM slot, with the MAC address of the VM's `vif` and a queue
 * of frames that wait for the VM's receive buffers.
 *
 * A port may send only with its own source address: anything else is
 * dropped and counted at the sending port, so that no VM can pass its
 * frames off as another's. Past that check a frame goes to the port its
 * destination names, or to every other port if it is a broadcast or
 * multicast. The switch neither learns addresses nor looks above
 * Ethernet: ARP and IP are the VMs' business.
 *
 * Plain C without locks: the VMM (vmm/core/vmnet.c) holds its switch lock
 * around every call, and the host tests drive it directly.
 */
#ifndef VMM_VSWITCH_H
#define VMM_VSWITCH_H

#include <generated/autoconf.h>
#include <lib/types.h>
#include <vmm/vdev.h>

#define VSWITCH_PORTS CONFIG_MAX_VMS
#define VSWITCH_QUEUE 64            /* frames a port holds */
#define VSWITCH_BYTES (256U << 10) /* ... and their bytes, at most */
#define VSWITCH_ETH_HDR 14 /* destination, source, EtherType */

_Static_assert(VSWITCH_PORTS <= 32, "a port mask is a u32");

/** A frame waiting in a port's queue: its bytes are in the port's buf. */
struct vswitch_frame {
	u8 *data;
	u32 len;
	struct vnet_meta meta; /* what its sender left to the device */
};

/**
 * One port: its VM's address, its queue, and what it lost. Frames sit in
 * buf in the order they came, 8-byte aligned, from wherever the last one
 * ended or, when the end of buf has no room, from its start (wrapped).
 */
struct vswitch_port {
	bool up;
	bool wrapped; /* the newest frame is before the oldest in buf */
	u8 mac[6];
	u32 head;
	u32 count;
	u32 wr;   /* where the newest frame ends in buf */
	u32 seg;  /* segments of the oldest frame delivered, while nseg != 0 */
	u32 nseg; /* the segments it is being delivered as, or 0 */
	u64 spoofed;     /* frames it sent with a source address not its own */
	u64 undelivered; /* frames for it dropped: its queue full, its device needing a reset,
			    or a frame left to segment that is not TCP */
	struct vswitch_frame q[VSWITCH_QUEUE];
	_Alignas(8) u8 buf[VSWITCH_BYTES];
};

/** The switch: a port per VM slot, used or not. */
struct vswitch {
	struct vswitch_port port[VSWITCH_PORTS];
};

/** What the switch does with a frame. */
enum vswitch_verdict {
	VSWITCH_FORWARD,  /* to the ports named, perhaps none */
	VSWITCH_SPOOFED,  /* dropped: its source address is not the sending port's */
	VSWITCH_BAD_SIZE, /* dropped: not 14 to VNET_FRAME_MAX bytes (VNET_GSO_FRAME_MAX
			     for one left to segment) */
};

/** Brings port p up with address mac, its queue empty and its counters 0. */
void vswitch_attach(struct vswitch *sw, u32 p, const u8 mac[6]);

/** Takes port p down; frames still queued for it are forgotten. */
void vswitch_detach(struct vswitch *sw, u32 p);

/**
 * The forwarding decision for frame[0..len) sent by port `from` with what
 * meta (NULL: nothing) leaves to the device: the verdict, and in *to the
 * ports (bit p for port p) it goes to, 0 unless the verdict is
 * VSWITCH_FORWARD. Changes nothing.
 */
enum vswitch_verdict vswitch_route(const struct vswitch *sw, u32 from, const u8 *frame, u32 len,
				   const struct vnet_meta *meta, u32 *to);

/**
 * Sends frame[0..len) from port `from` (meta as above): queues a copy for
 * every port vswitch_route names, counts a spoofed frame at `from` and a
 * full queue's drop at its port. Returns the ports it was queued for.
 */
u32 vswitch_send(struct vswitch *sw, u32 from, const u8 *frame, u32 len,
		 const struct vnet_meta *meta);

/** The oldest frame queued for port p, as it was sent, or NULL if there is none. */
const struct vswitch_frame *vswitch_head(const struct vswitch *sw, u32 p);

/**
 * The next frame for port p as its driver takes it (`takes`, VNET_TAKES_*
 * bits): the oldest frame whole, with what its sender left undone; or,
 * built in scratch[VNET_FRAME_MAX], that frame with its checksum complete,
 * or its next TCP segment. Returns its length and sets *data and *meta, or
 * 0 if nothing is queued. A frame left to segment that is not TCP is
 * dropped and counted on the way.
 */
u32 vswitch_next(struct vswitch *sw, u32 p, u32 takes, u8 *scratch, const u8 **data,
		 struct vnet_meta *meta);

/** What vswitch_next gave is delivered: on to the next segment or frame. */
void vswitch_advance(struct vswitch *sw, u32 p);

/** Takes the oldest frame off port p's queue, whole. */
void vswitch_pop(struct vswitch *sw, u32 p);

/** Drops every frame queued for port p, counting them as undelivered. */
void vswitch_drop_queue(struct vswitch *sw, u32 p);

#endif /* VMM_VSWITCH_H */
