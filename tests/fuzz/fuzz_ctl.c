/*
 * libFuzzer target over the control protocol's decoder: any byte stream.
 * Every frame it accepts must re-encode to the very bytes it came from,
 * and every byte must come out as text, frame or error exactly once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ctl/proto.h>

static struct ctl_decoder dec;
static struct ctl_frame f;
static uint8_t wire[CTL_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0; /* where the bytes of the current frame began */
	size_t accounted = 0;

	ctl_decoder_reset(&dec);
	for (size_t i = 0; i < size; i++) {
		struct ctl_result r;
		uint32_t before = dec.have;

		ctl_feed(&dec, data[i], &f, &r);
		if (dec.have == 1) {
			start = i; /* this byte (an SOF) may begin a frame */
		}
		if (r.event == CTL_EV_FRAME) {
			size_t n = ctl_encode(&f, wire, sizeof(wire));

			if (n != i + 1 - start || memcmp(wire, data + start, n) != 0) {
				abort(); /* accepted a frame it would not have written */
			}
			accounted += n;
		} else if (r.event == CTL_EV_TEXT) {
			accounted += r.ntext;
		} else if (r.event == CTL_EV_ERROR) {
			accounted += before + 1;
		} else if (dec.have == 0) {
			abort(); /* a byte taken with nothing to show for it */
		}
		if (r.event != CTL_EV_NONE && dec.have > 1) {
			abort();
		}
	}
	if (accounted + dec.have != size) {
		abort(); /* a byte was lost or counted twice */
	}
	return 0;
}
