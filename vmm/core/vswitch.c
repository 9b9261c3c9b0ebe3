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
	port->wr = 0;
	port->wrapped = false;
	port->seg = 0;
	port->nseg = 0;
	port->spoofed = 0;
	port->undelivered = 0;
}

void vswitch_detach(struct vswitch *sw, u32 p)
{
	sw->port[p].up = false;
	sw->port[p].count = 0;
}

static bool unsegmented(const struct vnet_meta *meta)
{
	return meta != NULL && meta->gso_type != VNET_GSO_NONE;
}

enum vswitch_verdict vswitch_route(const struct vswitch *sw, u32 from, const u8 *frame, u32 len,
				   const struct vnet_meta *meta, u32 *to)
{
	*to = 0;
	if (len < VSWITCH_ETH_HDR ||
	    len > (unsegmented(meta) ? VNET_GSO_FRAME_MAX : VNET_FRAME_MAX)) {
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

/* Room for a frame of len bytes at the tail of port's queue, or NULL. */
static struct vswitch_frame *reserve(struct vswitch_port *port, u32 len)
{
	const u32 need = ALIGN_UP(len, 8);
	u32 oldest = port->count != 0 ? (u32)(port->q[port->head].data - port->buf) : 0;
	u32 off;
	struct vswitch_frame *f;

	if (port->count == VSWITCH_QUEUE) {
		return NULL;
	}
	if (port->count == 0) {
		port->wr = 0;
		port->wrapped = false;
	}
	if (!port->wrapped && VSWITCH_BYTES - port->wr >= need) {
		off = port->wr;
	} else if (!port->wrapped && port->count != 0 && oldest >= need) {
		off = 0;
		port->wrapped = true;
	} else if (port->wrapped && oldest - port->wr >= need) {
		off = port->wr;
	} else {
		return NULL;
	}
	port->wr = off + need;
	f = &port->q[(port->head + port->count++) % VSWITCH_QUEUE];
	f->data = port->buf + off;
	f->len = len;
	return f;
}

u32 vswitch_send(struct vswitch *sw, u32 from, const u8 *frame, u32 len,
		 const struct vnet_meta *meta)
{
	static const struct vnet_meta plain;
	u32 to;
	u32 queued = 0;
	enum vswitch_verdict v = vswitch_route(sw, from, frame, len, meta, &to);

	if (v == VSWITCH_SPOOFED && from < VSWITCH_PORTS) {
		sw->port[from].spoofed++;
	}
	for (u32 p = 0; p < VSWITCH_PORTS; p++) {
		struct vswitch_port *port = &sw->port[p];
		struct vswitch_frame *f;

		if ((to & (1U << p)) == 0) {
			continue;
		}
		f = reserve(port, len);
		if (f == NULL) {
			port->undelivered++;
			continue;
		}
		f->meta = meta != NULL ? *meta : plain;
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

static u32 takes_bit(u8 gso_type)
{
	return gso_type == VNET_GSO_TCPV4 ? VNET_TAKES_TSO4 : VNET_TAKES_TSO6;
}

u32 vswitch_next(struct vswitch *sw, u32 p, u32 takes, u8 *scratch, const u8 **data,
		 struct vnet_meta *meta)
{
	struct vswitch_port *port = &sw->port[p];
	const struct vswitch_frame *f;

	memset(meta, 0, sizeof(*meta));
	while ((f = vswitch_head(sw, p)) != NULL) {
		bool gso = f->meta.gso_type != VNET_GSO_NONE;

		if (port->nseg == 0 && gso && (takes & takes_bit(f->meta.gso_type)) == 0) {
			port->nseg = netseg_count(f->data, f->len, &f->meta);
			port->seg = 0;
			if (port->nseg == 0) {
				port->undelivered++; /* not TCP: the switch cannot segment it */
				vswitch_pop(sw, p);
				continue;
			}
		}
		if (port->nseg != 0) {
			*data = scratch;
			return netseg_build(f->data, f->len, &f->meta, port->seg, scratch);
		}
		if (gso || (f->meta.flags & VNET_HDR_F_NEEDS_CSUM) == 0 ||
		    (takes & VNET_TAKES_CSUM) != 0) {
			*data = f->data;
			*meta = f->meta;
			return f->len;
		}
		if (f->len <= VNET_FRAME_MAX) {
			memcpy(scratch, f->data, f->len);
			if (netseg_csum(scratch, f->len, f->meta.csum_start, f->meta.csum_offset)) {
				*data = scratch;
				return f->len;
			}
		}
		port->undelivered++; /* its checksum cannot be completed */
		vswitch_pop(sw, p);
	}
	return 0;
}

void vswitch_advance(struct vswitch *sw, u32 p)
{
	struct vswitch_port *port = &sw->port[p];

	if (port->nseg != 0 && ++port->seg < port->nseg) {
		return;
	}
	vswitch_pop(sw, p);
}

void vswitch_pop(struct vswitch *sw, u32 p)
{
	struct vswitch_port *port = &sw->port[p];
	const u8 *old;

	port->seg = 0;
	port->nseg = 0;
	if (port->count == 0) {
		return;
	}
	old = port->q[port->head].data;
	port->head = (port->head + 1) % VSWITCH_QUEUE;
	port->count--;
	if (port->count == 0 || port->q[port->head].data < old) {
		port->wrapped = false;
	}
}

void vswitch_drop_queue(struct vswitch *sw, u32 p)
{
	sw->port[p].undelivered += sw->port[p].count;
	sw->port[p].count = 0;
	sw->port[p].seg = 0;
	sw->port[p].nseg = 0;
}
