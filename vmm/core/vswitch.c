/*
 * The virtual switch's ports, queues and forwarding decision
 * (vmm/include/vmm/vswitch.h). Bytes 0-5 of a frame are its destination
 * address, bytes 6-11 its source (IEEE 802.3, 3.1.1); the low bit of the
 * first byte of an address marks a group (multicast or broadcast) address.
 */
#include <lib/lib.h>
#include <vmm/vswitch.h>

static bool group_address(const u8 *mac)
{
	return (mac[0] & 1) != 0;
}

void vswitch_attach(struct vswitch *sw, u32 p, const u8 mac[6])
{
	struct vswitch_port *port = &sw->port[p];

	port->up = true;
	memcpy(port->mac, mac, 6);
	port->head = 0;
	port->count = 0;
	port->spoofed = 0;
	port->undelivered = 0;
}

void vswitch_detach(struct vswitch *sw, u32 p)
{
	sw->port[p].up = false;
	sw->port[p].count = 0;
}

enum vswitch_verdict vswitch_route(const struct vswitch *sw, u32 from, const u8 *frame, u32 len,
				   u32 *to)
{
	*to = 0;
	if (len < VSWITCH_ETH_HDR || len > VNET_FRAME_MAX) {
		return VSWITCH_BAD_SIZE;
	}
	if (from >= VSWITCH_PORTS || !sw->port[from].up ||
	    memcmp(frame + 6, sw->port[from].mac, 6) != 0) {
		return VSWITCH_SPOOFED;
	}
	for (u32 p = 0; p < VSWITCH_PORTS; p++) {
		const struct vswitch_port *port = &sw->port[p];

		if (p != from && port->up &&
		    (group_address(frame) || memcmp(frame, port->mac, 6) == 0)) {
			*to |= 1U << p;
		}
	}
	return VSWITCH_FORWARD;
}

u32 vswitch_send(struct vswitch *sw, u32 from, const u8 *frame, u32 len)
{
	u32 to;
	u32 queued = 0;
	enum vswitch_verdict v = vswitch_route(sw, from, frame, len, &to);

	if (v == VSWITCH_SPOOFED && from < VSWITCH_PORTS) {
		sw->port[from].spoofed++;
	}
	for (u32 p = 0; p < VSWITCH_PORTS; p++) {
		struct vswitch_port *port = &sw->port[p];
		struct vswitch_frame *f;

		if ((to & (1U << p)) == 0) {
			continue;
		}
		if (port->count == VSWITCH_QUEUE) {
			port->undelivered++;
			continue;
		}
		f = &port->q[(port->head + port->count++) % VSWITCH_QUEUE];
		f->len = (u16)len;
		memcpy(f->data, frame, len);
		queued |= 1U << p;
	}
	return queued;
}

const struct vswitch_frame *vswitch_head(const struct vswitch *sw, u32 p)
{
	const struct vswitch_port *port = &sw->port[p];

	return port->up && port->count != 0 ? &port->q[port->head] : NULL;
}

void vswitch_pop(struct vswitch *sw, u32 p)
{
	struct vswitch_port *port = &sw->port[p];

	if (port->count != 0) {
		port->head = (port->head + 1) % VSWITCH_QUEUE;
		port->count--;
	}
}

void vswitch_drop_queue(struct vswitch *sw, u32 p)
{
	sw->port[p].undelivered += sw->port[p].count;
	sw->port[p].count = 0;
}
