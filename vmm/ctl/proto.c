/*
 * The control protocol's codec (ctl/proto.h): frames out, and a byte-at-a-
 * time decoder that tells frames from typed text and checks every field.
 * Plain C with no library calls: the VMM and vmctl link it, host tests and
 * a fuzzer run it.
 */
#include <ctl/proto.h>

uint32_t ctl_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++) {
			crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
		}
	}
	return ~crc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

size_t ctl_encode(const struct ctl_frame *f, uint8_t *out, size_t cap)
{
	size_t n = CTL_HDR_LEN + (size_t)f->len + CTL_CRC_LEN;

	if (f->len > CTL_MAX_PAYLOAD || cap < n) {
		return 0;
	}
	out[0] = CTL_SOF;
	out[1] = CTL_MAGIC;
	out[2] = CTL_VERSION;
	out[3] = f->type;
	put32(out + 4, f->id);
	put16(out + 8, f->len);
	put16(out + 10, (uint16_t)f->status);
	for (size_t i = 0; i < f->len; i++) {
		out[CTL_HDR_LEN + i] = f->payload[i];
	}
	put32(out + CTL_HDR_LEN + f->len, ctl_crc32(0, out + 1, CTL_HDR_LEN - 1 + f->len));
	return n;
}

void ctl_decoder_reset(struct ctl_decoder *d)
{
	d->have = 0;
	d->need = 0;
}

static void error(struct ctl_decoder *d, struct ctl_frame *f, struct ctl_result *r,
		  const char *why)
{
	f->type = d->buf[3];
	f->id = d->have >= 8 ? get32(d->buf + 4) : 0;
	r->event = CTL_EV_ERROR;
	r->why = why;
	ctl_decoder_reset(d);
}

void ctl_feed(struct ctl_decoder *d, uint8_t byte, struct ctl_frame *f, struct ctl_result *r)
{
	r->event = CTL_EV_NONE;
	r->ntext = 0;
	r->why = 0;
	if (d->have == 0) {
		if (byte == CTL_SOF) {
			d->buf[d->have++] = byte;
		} else {
			r->event = CTL_EV_TEXT;
			r->text[r->ntext++] = byte;
		}
		return;
	}
	if (d->have == 1 && byte != CTL_MAGIC) {
		/* SOF alone was text; the byte after it starts afresh. */
		d->have = 0;
		r->event = CTL_EV_TEXT;
		r->text[r->ntext++] = CTL_SOF;
		if (byte == CTL_SOF) {
			d->buf[d->have++] = byte;
		} else {
			r->text[r->ntext++] = byte;
		}
		return;
	}
	d->buf[d->have++] = byte;
	if (d->have == CTL_HDR_LEN) {
		uint16_t len = get16(d->buf + 8);

		if (d->buf[2] != CTL_VERSION) {
			error(d, f, r, "unsupported protocol version");
			return;
		}
		if (len > CTL_MAX_PAYLOAD) {
			error(d, f, r, "payload longer than 4096 bytes");
			return;
		}
		d->need = CTL_HDR_LEN + len + CTL_CRC_LEN;
		return;
	}
	if (d->have < CTL_HDR_LEN || d->have < d->need) {
		return;
	}
	f->type = d->buf[3];
	f->id = get32(d->buf + 4);
	f->len = get16(d->buf + 8);
	f->status = (int16_t)get16(d->buf + 10);
	if (get32(d->buf + CTL_HDR_LEN + f->len) !=
	    ctl_crc32(0, d->buf + 1, CTL_HDR_LEN - 1 + f->len)) {
		error(d, f, r, "bad CRC");
		return;
	}
	for (uint32_t i = 0; i < f->len; i++) {
		f->payload[i] = d->buf[CTL_HDR_LEN + i];
	}
	r->event = CTL_EV_FRAME;
	ctl_decoder_reset(d);
}

const char *ctl_strerror(int status)
{
	static const char *const msg[CTL_E_MAX] = {
		[0] = "ok",
		[CTL_E_BAD_FRAME] = "bad frame",
		[CTL_E_UNKNOWN_TYPE] = "unknown request",
		[CTL_E_BAD_REQUEST] = "malformed request",
		[CTL_E_NOT_FOUND] = "no such VM",
		[CTL_E_EXISTS] = "name in use",
		[CTL_E_NO_MEMORY] = "not enough memory",
		[CTL_E_NO_SLOT] = "too many VMs",
		[CTL_E_NO_IMAGE] = "no such image",
		[CTL_E_BAD_IMAGE] = "bad image",
		[CTL_E_BAD_CONFIG] = "bad configuration",
		[CTL_E_STATE] = "wrong state",
		[CTL_E_HYP] = "refused by the hyp",
		[CTL_E_BUSY] = "busy",
		[CTL_E_TIMEOUT] = "timed out",
		[CTL_E_ENDED] = "ended otherwise",
	};
	int e = -status;

	return e >= 0 && e < CTL_E_MAX ? msg[e] : "unknown error";
}
