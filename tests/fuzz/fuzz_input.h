/*
 * The fuzz targets' reading of their input: numbers taken from the front,
 * zeros once it runs out.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>

#include <lib/types.h>

struct input {
	const u8 *p;
	size_t n;
};

/* The next `bytes` bytes as a big-endian number. */
static inline u64 take(struct input *in, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = (v << 8) | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

#endif /* FUZZ_INPUT_H */
