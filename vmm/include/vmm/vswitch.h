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
#define VSWITCH_QUEUE 64
#define VSWITCH_ETH_HDR 14 /* destination, source, EtherType */

_Static_assert(VSWITCH_PORTS <= 32, "a port mask is a u32");

/** A frame waiting in a port's queue. */
struct vswitch_frame {
	u16 len;
	u8 data[VNET_FRAME_MAX];
};

/** One port: its VM's address, its queue, and what it lost. */
struct vswitch_port {
	bool up;
	u8 mac[6];
	u32 head;
	u32 count;
	u64 spoofed;     /* frames it sent with a source address not its own */
	u64 undelivered; /* frames for it dropped: its queue full, or its device needing a reset */
	struct vswitch_frame q[VSWITCH_QUEUE];
};

/** The switch: a port per VM slot, used or not. */
struct vswitch {
	struct vswitch_port port[VSWITCH_PORTS];
};

/** What the switch does with a frame. */
enum vswitch_verdict {
	VSWITCH_FORWARD,  /* to the ports named, perhaps none */
	VSWITCH_SPOOFED,  /* dropped: its source address is not the sending port's */
	VSWITCH_BAD_SIZE, /* dropped: not 14 to VNET_FRAME_MAX bytes */
};

/** Brings port p up with address mac, its queue empty and its counters 0. */
void vswitch_attach(struct vswitch *sw, u32 p, const u8 mac[6]);

/** Takes port p down; frames still queued for it are forgotten. */
void vswitch_detach(struct vswitch *sw, u32 p);

/**
 * The forwarding decision for frame[0..len) sent by port `from`: the
 * verdict, and in *to the ports (bit p for port p) it goes to, 0 unless
 * the verdict is VSWITCH_FORWARD. Changes nothing.
 */
enum vswitch_verdict vswitch_route(const struct vswitch *sw, u32 from, const u8 *frame, u32 len,
				   u32 *to);

/**
 * Sends frame[0..len) from port `from`:
 * queues a copy for every port vswitch_route names, counts a spoofed frame
 * at `from` and a full queue's drop at its port. Returns the ports it was
 * queued for.
 */
u32 vswitch_send(struct vswitch *sw, u32 from, const u8 *frame, u32 len);

/** The oldest frame queued for port p, or NULL if there is none. */
const struct vswitch_frame *vswitch_head(const struct vswitch *sw, u32 p);

/** Takes the oldest frame off port p's queue, once it is delivered. */
void vswitch_pop(struct vswitch *sw, u32 p);

/** Drops every frame queued for port p, counting them as undelivered. */
void vswitch_drop_queue(struct vswitch *sw, u32 p);

#endif /* VMM_VSWITCH_H */
