/*
 * A VM's interrupt lines into its emulated distributor (vmirq.c): a
 * level-sensitive SPI is queued for the vCPU it is routed to while it is
 * high and enabled, and that vCPU woken; and the UART's register frame.
 */
#ifndef VMM_VMIRQ_H
#define VMM_VMIRQ_H

#include <lib/types.h>
#include <vmm/vm.h>

/**
 * Raises a level-sensitive SPI while `level` is high (*raised remembers
 * that it was queued); lock held.
 */
void vm_irq_line(struct vm *vm, u32 intid, bool level, bool *raised);
/**
 * After the UART's state changed (lock held): its register frame lent to
 * the guest or taken back, its interrupt raised or lowered.
 */
void vm_uart_update(struct vm *vm);

#endif /* VMM_VMIRQ_H */
