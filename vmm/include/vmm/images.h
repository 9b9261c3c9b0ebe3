/*
 * Images (images.c): uploaded ones, kept until replaced by an upload of
 * the same name, in front of the bundle's.
 */
#ifndef VMM_IMAGES_H
#define VMM_IMAGES_H

#include <lib/types.h>

#define IMAGES_MAX 8
#define IMAGE_NAME_MAX 63
#define IMAGE_MAX_SIZE (UINT64_C(256) << 20)

struct image {
	char name[IMAGE_NAME_MAX + 1];
	u64 addr;      /* VMM memory: `blocks` consecutive 2 MiB blocks; 0: free slot */
	u32 blocks;
	u64 size;
	u64 received;  /* bytes so far, in order */
	bool complete; /* whole and its CRC checked: usable */
};

extern struct image images[IMAGES_MAX];

/** Reserves room for an upload of `size` bytes called name (dropping an
 * older image of that name); NULL if there is no slot or memory. */
struct image *image_begin(const char *name, u64 size);
/** Frees an image's memory and slot. */
void image_drop(struct image *im);
/** An image by name: uploaded first, then the bundle's. */
bool image_find(const char *name, const u8 **data, u64 *size);

#endif /* VMM_IMAGES_H */
