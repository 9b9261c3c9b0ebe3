/*
 * The VMM as a program (vmm.c): what the hyp handed over at boot, the
 * VMM's version, and its CPUs: which one a thread runs on, and starting
 * the others.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <abi/hv_abi.h>
#include <lib/types.h>

#define VMM_MAX_CPUS 8

/** The boot information the hyp handed over (read-only after boot). */
extern const struct hv_boot_info *vmm_boot;
/** The VMM's version string (set by the build). */
extern const char vmm_version[];
/** How many CPUs the VMM runs on (1 until vmm_start_cpus). */
extern u32 vmm_cpus_running;

/**
 * Takes the hand-over: the boot information, and where the VMM's other
 * CPUs enter (head.S passes it up, so that no C file names head.S).
 */
void vmm_init(const struct hv_boot_info *info, void (*secondary_entry)(void));
/** Index of the physical CPU the calling VMM thread runs on. */
u32 vmm_cpu(void);
/** Starts VMM threads on the other CPUs (once); returns how many run. */
u32 vmm_start_cpus(void);

#endif /* VMM_VMM_H */
