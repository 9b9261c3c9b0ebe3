/*
 * The VMM's allocator of 2 MiB blocks of its RAM, for guest memory. A
 * bitmap over the 2 MiB-aligned blocks of each RAM range of the boot
 * information, minus the VMM's own image.
 */
#include <lib/lib.h>
#include <lib/spinlock.h>
#include <vmm/palloc.h>
#include <vmm/vmm.h>

#define MAX_BLOCKS 4096 /* 8 GiB */

static u64 block_addr[MAX_BLOCKS];
static u8 block_used[MAX_BLOCKS];
static u32 nblocks;
/* Workers give blocks on first touch while CPU 0 creates and destroys. */
static spinlock_t lock;

void palloc_init(void)
{
	const struct hv_boot_info *bi = vmm_boot;

	for (u32 i = 0; i < bi->num_ram; i++) {
		u64 end = bi->ram[i].base + bi->ram[i].size;

		for (u64 a = ALIGN_UP(bi->ram[i].base, BLOCK_SIZE);
		     a + BLOCK_SIZE <= end && nblocks < MAX_BLOCKS; a += BLOCK_SIZE) {
			if (a + BLOCK_SIZE <= bi->image.base ||
			    a >= bi->image.base + bi->image.size) {
				block_addr[nblocks++] = a;
			}
		}
	}
}

u64 palloc_block(void)
{
	u64 a = 0;

	spin_lock(&lock);
	for (u32 i = 0; i < nblocks && a == 0; i++) {
		if (!block_used[i]) {
			block_used[i] = 1;
			a = block_addr[i];
		}
	}
	spin_unlock(&lock);
	return a;
}

void palloc_free(u64 addr)
{
	spin_lock(&lock);
	for (u32 i = 0; i < nblocks; i++) {
		if (block_addr[i] == addr) {
			block_used[i] = 0;
		}
	}
	spin_unlock(&lock);
}

u64 palloc_run(u32 n)
{
	u64 a = 0;

	spin_lock(&lock);
	for (u32 i = 0; n != 0 && i + n <= nblocks && a == 0; i++) {
		u32 k = 0;

		while (k < n && !block_used[i + k] &&
		       block_addr[i + k] == block_addr[i] + (u64)k * BLOCK_SIZE) {
			k++;
		}
		if (k == n) {
			for (k = 0; k < n; k++) {
				block_used[i + k] = 1;
			}
			a = block_addr[i];
		}
	}
	spin_unlock(&lock);
	return a;
}

u32 palloc_free_blocks(void)
{
	u32 n = 0;

	spin_lock(&lock);
	for (u32 i = 0; i < nblocks; i++) {
		n += !block_used[i];
	}
	spin_unlock(&lock);
	return n;
}
