/*
 * The control protocol's codec: frames round-trip through the decoder with
 * typed text around them; every kind of bad frame is dropped with its
 * reason; no single flipped bit goes unnoticed.
 */
#include <string.h>

#include <ctl/proto.h>
#include <lib/types.h>

#include "harness.h"

static struct ctl_decoder dec;
static struct ctl_frame out;
static u8 wire[CTL_MAX_FRAME];
static u8 text[256];
static u32 ntext;
static u32 frames;
static u32 errors;
static const char *last_why;

static void feed(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ctl_result r;

		ctl_feed(&dec, p[i], &out, &r);
		if (r.event == CTL_EV_TEXT) {
			for (u32 k = 0; k < r.ntext && ntext < sizeof(text); k++) {
				text[ntext++] = r.text[k];
			}
		} else if (r.event == CTL_EV_FRAME) {
			frames++;
		} else if (r.event == CTL_EV_ERROR) {
			errors++;
			last_why = r.why;
		}
	}
}

static void reset(void)
{
	ctl_decoder_reset(&dec);
	ntext = frames = errors = 0;
	last_why = NULL;
}

static size_t make(u8 type, u32 id, const char *payload)
{
	static struct ctl_frame f;

	f.type = type;
	f.id = id;
	f.status = 0;
	f.len = (u16)strlen(payload);
	memcpy(f.payload, payload, f.len);
	return ctl_encode(&f, wire, sizeof(wire));
}

TEST(ctl_crc32_known_value)
{
	/* The check value of CRC-32/ISO-HDLC. */
	CHECK_EQ(ctl_crc32(0, "123456789", 9), 0xcbf43926);
	CHECK_EQ(ctl_crc32(ctl_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
}

TEST(ctl_round_trip_between_text)
{
	size_t n = make(CTL_START, 0x01020304, "linux");

	reset();
	CHECK_EQ(n, CTL_HDR_LEN + 5 + CTL_CRC_LEN);
	CHECK_EQ(wire[0], CTL_SOF);
	CHECK_EQ(wire[1], CTL_MAGIC);
	feed((const u8 *)"ls\r", 3);
	feed(wire, n);
	feed((const u8 *)"\x01x\x01", 3); /* SOF not followed by the magic: text */
	feed((const u8 *)"\x01", 1);      /* SOF after SOF: the first was text */
	feed(wire + 1, n - 1);             /* the pending SOF began this frame */
	CHECK_EQ(frames, 2);
	CHECK_EQ(errors, 0);
	CHECK_EQ(ntext, 6);
	CHECK(memcmp(text, "ls\r\x01x\x01", 6) == 0);
	CHECK_EQ(out.type, CTL_START);
	CHECK_EQ(out.id, 0x01020304);
	CHECK_EQ(out.len, 5);
	CHECK(memcmp(out.payload, "linux", 5) == 0);
	CHECK(!ctl_in_frame(&dec));
}

TEST(ctl_bad_frames)
{
	size_t n = make(CTL_LIST, 7, "");

	reset();
	wire[n - 1] ^= 0x40; /* the CRC */
	feed(wire, n);
	CHECK_EQ(errors, 1);
	CHECK(last_why != NULL && strcmp(last_why, "bad CRC") == 0);
	CHECK_EQ(out.id, 7);

	reset();
	n = make(CTL_LIST, 8, "");
	wire[2] = 9; /* version */
	feed(wire, n);
	CHECK_EQ(errors, 1);
	CHECK(strcmp(last_why, "unsupported protocol version") == 0);

	reset();
	n = make(CTL_LIST, 9, "");
	wire[8] = 0x01;
	wire[9] = 0x10; /* 4097 bytes */
	feed(wire, CTL_HDR_LEN);
	CHECK_EQ(errors, 1);
	CHECK(strcmp(last_why, "payload longer than 4096 bytes") == 0);
	CHECK_EQ(out.id, 9);

	reset();
	n = make(CTL_INFO, 10, "abc");
	feed(wire, n - 2); /* truncated: the decoder waits, the caller times out */
	CHECK_EQ(frames + errors, 0);
	CHECK(ctl_in_frame(&dec));
	ctl_decoder_reset(&dec);
	CHECK(!ctl_in_frame(&dec));
}

TEST(ctl_every_bit_flip_is_caught)
{
	size_t n = make(CTL_CREATE, 0xabcdef, "name = \"x\"\nkernel = \"k\"\nmemory = 2\n");
	u32 missed = 0;

	for (size_t byte = 1; byte < n; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			u8 copy[CTL_MAX_FRAME];

			memcpy(copy, wire, n);
			copy[byte] ^= (u8)(1U << bit);
			reset();
			feed(copy, n);
			/* A flipped length may leave the decoder waiting for more. */
			missed += frames != 0;
		}
	}
	CHECK_EQ(missed, 0);
}

TEST(ctl_encode_limits)
{
	static struct ctl_frame f;

	f.len = CTL_MAX_PAYLOAD;
	CHECK_EQ(ctl_encode(&f, wire, sizeof(wire)), CTL_MAX_FRAME);
	CHECK_EQ(ctl_encode(&f, wire, sizeof(wire) - 1), 0);
	f.len = CTL_MAX_PAYLOAD + 1;
	CHECK_EQ(ctl_encode(&f, wire, sizeof(wire)), 0);
	CHECK(strcmp(ctl_strerror(-CTL_E_NOT_FOUND), "no such VM") == 0);
	CHECK(strcmp(ctl_strerror(-99), "unknown error") == 0);
}
