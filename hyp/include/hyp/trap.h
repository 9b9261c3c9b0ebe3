/*
 * The register state saved on every exception taken to EL2 (entry.S), and
 * the handlers the core provides for lower-EL traps.
 */
#ifndef HYP_TRAP_H
#define HYP_TRAP_H

#include <arm/frame.h>
#include <lib/types.h>

/**
 * Makes the interrupted EL1 context take a synchronous exception with
 * syndrome esr and fault address far, as EL1 would have taken it itself.
 */
void arch_inject_el1_sync(struct trap_frame *f, u64 esr, u64 far);

/** Sets the results of HV_FN_VERSION in f (for the VMM and guests). */
void hvc_version(struct trap_frame *f);

/** Handles an HVC from the VMM: decodes x0..x6, writes results to x0..x3. */
void hvc_handle(struct trap_frame *f);


#endif /* HYP_TRAP_H */
