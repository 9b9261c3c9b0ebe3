/*
 * What the VMM's arch/ gives the rest: its stage-1 map and cache cleaning
 * (mmu.c), and the
 * accesses that survive a refusal by the hyp (cpu.S; fault.c resumes them).
 */
#ifndef VMM_ARCH_H
#define VMM_ARCH_H

#include <lib/types.h>

/** Builds the VMM's stage-1 identity map and turns its MMU on. */
void vmm_mmu_init(void);

/**
 * Cleans [p, p + len) to the point of coherency, for a guest that reads it
 * without caches (its MMU off, or mapped as Device).
 */
void clean_to_poc(const void *p, u64 len);

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

#endif /* VMM_ARCH_H */
