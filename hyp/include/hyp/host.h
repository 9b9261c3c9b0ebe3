/*
 * The VMM server's address space: which physical ranges it may reach and
 * its stage-2 translation, an identity map filled on demand.
 */
#ifndef HYP_HOST_H
#define HYP_HOST_H

#include <abi/hv_abi.h>
#include <lib/types.h>

/**
 * Works out the VMM's memory from the platform and the hyp layout, places
 * the VMM image and its boot information, and prepares its stage 2.
 * Returns the VMM's entry point and sets *info to the boot info address.
 */
paddr_t host_init(paddr_t *info);

/** VTTBR_EL2 value of the VMM's stage 2 (root table, VMID 0). */
u64 host_s2_vttbr(void);
/** Input address size of the VMM's stage 2, in bits. */
u32 host_s2_ipa_bits(void);

#endif /* HYP_HOST_H */
