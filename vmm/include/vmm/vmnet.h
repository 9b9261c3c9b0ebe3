/*
 * The VMs' ports on the virtual switch (vmnet.c; the switch itself is
 * vswitch.h): one port per VM slot with a network device.
 */
#ifndef VMM_VMNET_H
#define VMM_VMNET_H

#include <lib/types.h>
#include <vmm/netseg.h>
#include <vmm/vm.h>

/**
 * Puts vm's network device on the switch with the MAC of its configuration;
 * 0, or -VM_E_EXISTS with why[] saying which VM has that MAC.
 */
int vmnet_attach(struct vm *vm, char *why, size_t whylen);
/** Takes vm off the switch, dropping what is queued for it (vm->lock held). */
void vmnet_detach(struct vm *vm);
/** Sends a frame of VM ctx (a struct vm) through the switch: vnet_transmit's sink. */
void vmnet_send(void *ctx, const u8 *frame, u32 len, const struct vnet_meta *meta);
/** This VMM CPU's buffer of VNET_GSO_FRAME_MAX bytes for vnet_transmit. */
u8 *vmnet_tx_buf(void);
/** Moves vm's queued frames into its receive buffers (vm->lock held). */
void vmnet_deliver(struct vm *vm);
/** Ports with frames queued, a bit per VM slot (vmnet.c). */
extern u32 vmnet_pending;
/**
 * Delivers the frames the switch holds for VMs with free receive buffers
 * (no VM's lock held: it takes each one's).
 */
void vmnet_flush(void);
/** The same for vm alone (vm->lock held): its runner's, before each run. */
void vmnet_flush_vm(struct vm *vm);

/** Whether the switch holds frames for any port: a look with no call, for
 * the runner's every exit. */
static inline bool vmnet_any_pending(void)
{
	return __atomic_load_n(&vmnet_pending, __ATOMIC_RELAXED) != 0;
}
/**
 * What vm's switch port dropped: frames it sent with a source address not
 * its own (*spoofed), and frames for it that found its queue full or its
 * device needing a reset (*undelivered). Both 0 without a port.
 */
void vmnet_port_drops(struct vm *vm, u64 *spoofed, u64 *undelivered);

#endif /* VMM_VMNET_H */
