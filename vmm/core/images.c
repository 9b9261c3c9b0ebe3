/*
 * Images VMs boot from: those uploaded over the control protocol, kept in
 * runs of the VMM's 2 MiB blocks, and the bundle's files. A configuration
 * names either; an uploaded image of the same name comes first.
 */
#include <hyp/lib.h>
#include <vmm/images.h>
#include <vmm/vmm.h>

struct image images[IMAGES_MAX];

bool image_find(const char *name, const u8 **data, u64 *size)
{
	for (u32 i = 0; i < IMAGES_MAX; i++) {
		if (images[i].complete && strcmp(images[i].name, name) == 0) {
			*data = (const u8 *)(uintptr_t)images[i].addr;
			*size = images[i].size;
			return true;
		}
	}
	return bundle_find(name, data, size);
}

struct image *image_begin(const char *name, u64 size)
{
	struct image *free = NULL;
	u32 blocks = (u32)(ALIGN_UP(size, BLOCK_SIZE) / BLOCK_SIZE);

	for (u32 i = 0; i < IMAGES_MAX; i++) {
		if (images[i].addr == 0 && free == NULL) {
			free = &images[i];
		} else if (images[i].addr != 0 && strcmp(images[i].name, name) == 0) {
			image_drop(&images[i]); /* replaced */
			free = free != NULL ? free : &images[i];
		}
	}
	if (free == NULL || size == 0 || size > IMAGE_MAX_SIZE) {
		return NULL;
	}
	free->addr = palloc_run(blocks);
	if (free->addr == 0) {
		return NULL;
	}
	fmt_format(free->name, sizeof(free->name), "%s", name);
	free->size = size;
	free->blocks = blocks;
	free->received = 0;
	free->complete = false;
	return free;
}

void image_drop(struct image *im)
{
	for (u32 b = 0; b < im->blocks; b++) {
		palloc_free(im->addr + (u64)b * BLOCK_SIZE);
	}
	memset(im, 0, sizeof(*im));
}
