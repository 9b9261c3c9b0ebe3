/*
 * A VM's virtio devices in the VMM (vmio.c): their MMIO slots, the requests
 * the driver notifies, typed input, the block device's disk.
 */
#ifndef VMM_VMIO_H
#define VMM_VMIO_H

#include <lib/types.h>
#include <vmm/vm.h>

/** A VM's disk, its contents with its writes, taken from it for the next VM. */
struct vm_disk_copy {
	u64 pa;     /* the first of its 2 MiB blocks of VMM RAM; 0 for none */
	u32 blocks;
	u64 size;
};

/**
 * Sets up the devices vm's configuration asks for; 0 or a negative
 * vm_error. The disk is a copy of its image, or `kept` (taken: *kept is
 * then empty) if that is given and holds one.
 */
int vm_io_create(struct vm *vm, struct vm_disk_copy *kept, char *why, size_t whylen);
/** Takes vm off the switch and frees its disk (before its memory is cleared). */
void vm_io_destroy(struct vm *vm);
/** Takes an ended VM's disk from it (vm_io_destroy then leaves it) into *out. */
void vm_io_take_disk(struct vm *vm, struct vm_disk_copy *out);
/** Frees a disk taken that no VM took over. */
void vm_io_free_disk(struct vm_disk_copy *d);
/** An MMIO access to the devices' slots (lock held); false if not theirs. */
bool vm_io_mmio(struct vm *vm, u64 ipa, u64 size, bool write, u64 val, u64 *out);
/**
 * Types byte c into vm: into its virtio console if typed input goes there,
 * else into its UART. False if the bytes waiting for the driver's buffers
 * fill the queue or the UART's receive FIFO is full.
 */
bool vm_io_type(struct vm *vm, u8 c);
/**
 * Keeps the current contents of vm's disk as image `image` (replacing an
 * uploaded or saved image of that name; shadowing one in the bundle).
 * 0 or a negative vm_error with why[] saying what went wrong.
 */
int vm_disk_save(struct vm *vm, const char *image, char *why, size_t whylen);
/**
 * Presses and releases key `code` (VINPUT_KEY_POWER or VINPUT_KEY_RESTART)
 * on vm's power button, a virtio input device (VMs with an io_window have
 * one). False if it has none, or its driver has not brought it up.
 */
bool vm_io_press(struct vm *vm, u16 code);
/** Prints the devices of vm and their counters. */
void vm_io_info(struct vm *vm);

#endif /* VMM_VMIO_H */
