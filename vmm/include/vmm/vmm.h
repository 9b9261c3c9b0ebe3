/*
 * The VMM server: shared declarations of its parts.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <abi/hv_abi.h>
#include <lib/spinlock.h>
#include <lib/types.h>

#include <vmm/layout.h>

/** The boot information the hyp handed over (read-only after boot). */
extern const struct hv_boot_info *vmm_boot;

/** Console output through the UART the hyp passed (polled). */
void con_init(u32 kind, uintptr_t base);
void con_putc(char c);
void con_write(const char *s, size_t n);
/** Writes bytes as they are (no newline translation), all at once. */
void con_write_raw(const void *p, size_t n);
void con_printf(const char *fmt, ...) __printf(1, 2);
/** Returns a received byte or -1 if none is waiting. */
int con_getc(void);

/** Builds the VMM's stage-1 identity map and turns its MMU on. */
void vmm_mmu_init(void);

/**
 * Reads the 64-bit word at addr into *out. Returns 0, or -1 if the access
 * faulted (then vmm_last_fault holds the syndrome).
 */
int probe_read64(u64 addr, u64 *out);

/** Writes `value` at addr; 0, or -1 if the access faulted. */
int probe_write64(u64 addr, u64 value);

/**
 * Copies n bytes from src to dst, either of which may be VM memory the VMM
 * reaches only while the VM grants it. Returns 0, or -1 if an access
 * faulted (dst may then be partly written).
 */
int guest_copy(void *dst, const void *src, u64 n);

/** The syndrome of the last fault a probe absorbed. */
struct vmm_fault {
	u64 esr;
	u64 far;
};
extern struct vmm_fault vmm_last_fault;

/** Finds file `name` in the bundle; false if absent or malformed. */
bool bundle_find(const char *name, const u8 **data, u64 *size);
/**
 * The bundle's files one by one: *cursor starts at 0; returns false after
 * the last. Directories and the trailer are skipped.
 */
bool bundle_next(u64 *cursor, const char **name, u64 *size);

/** An image by name: uploaded first, then the bundle's (images.c). */
bool image_find(const char *name, const u8 **data, u64 *size);

/** The VMM's 2 MiB block allocator over its RAM. */
void palloc_init(void);
/** A free 2 MiB-aligned block of VMM RAM, or 0. */
u64 palloc_block(void);
void palloc_free(u64 addr);
u32 palloc_free_blocks(void);
/** n free 2 MiB blocks at consecutive addresses (the first's address), or 0. */
u64 palloc_run(u32 n);

#define VMM_MAX_CPUS 8

/** Index of the physical CPU the calling VMM thread runs on. */
u32 vmm_cpu(void);
/** Starts VMM threads on the other CPUs (once); returns how many run. */
u32 vmm_start_cpus(void);
/** How many CPUs the VMM runs on (1 until vmm_start_cpus). */
extern u32 vmm_cpus_running;

/** Runs the interactive command loop; never returns. */
__noreturn void shell_run(void);

/** The VMM's version string (set by the build). */
extern const char vmm_version[];

#endif /* VMM_VMM_H */
