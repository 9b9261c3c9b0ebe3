/*
 * Images VMs boot from: those uploaded over the control protocol, kept in
 * runs of the VMM's 2 MiB blocks, and the bundle's files. A configuration
 * names either; an uploaded image of the same name comes first.
 */
#include <lib/lib.h>
#include <vmm/bundle.h>
#include <vmm/images.h>
#include <vmm/palloc.h>

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
	struct image *slot = NULL;
	struct image *old = NULL;
	u32 blocks = (u32)(ALIGN_UP(size, BLOCK_SIZE) / BLOCK_SIZE);
	u64 addr;

	if (size == 0 || size > IMAGE_MAX_SIZE) {
		return NULL;
	}
	for (u32 i = 0; i < IMAGES_MAX; i++) {
		if (images[i].addr == 0 && slot == NULL) {
			slot = &images[i];
		} else if (images[i].addr != 0 && strcmp(images[i].name, name) == 0) {
			old = &images[i];
		}
	}
	if (slot == NULL && old == NULL) {
		return NULL;
	}
	addr = palloc_run(blocks);
	if (addr == 0) {
		return NULL; /* an older image of that name stays */
	}
	if (old != NULL) {
		image_drop(old); /* replaced */
		slot = slot != NULL ? slot : old;
	}
	fmt_format(slot->name, sizeof(slot->name), "%s", name);
	slot->addr = addr;
	slot->size = size;
	slot->blocks = blocks;
	slot->received = 0;
	slot->complete = false;
	return slot;
}

void image_drop(struct image *im)
{
	for (u32 b = 0; b < im->blocks; b++) {
		palloc_free(im->addr + (u64)b * BLOCK_SIZE);
	}
	memset(im, 0, sizeof(*im));
}
