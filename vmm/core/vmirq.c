/*
 * A VM's interrupt lines (vmirq.h): its devices' level-sensitive SPIs into
 * its emulated distributor.
 */
#include <vmm/pl011.h>
#include <vmm/vgic.h>
#include <vmm/vmirq.h>

void vm_irq_line(struct vm *vm, u32 intid, bool level, bool *raised)
{
	if (level && !*raised) {
		u32 t = vgic_spi_target(&vm->gic, intid);

		if (t < vm->cfg.vcpus && vgic_deliverable(&vm->gic, t, intid)) {
			vm->vc[t].pending_irqs |= UINT64_C(1) << intid;
			*raised = true;
			vm_wake_vcpu(vm, t);
		}
	} else if (!level) {
		*raised = false;
	}
}

/*
 * The PL011's interrupt line (SPI 1, INTID 33) into the emulated
 * distributor: raised when the masked status becomes non-zero, queued for
 * the vCPU it is routed to if the guest enabled it; lowered when the guest
 * has served it.
 */
void vm_uart_irq_update(struct vm *vm)
{
	vm_irq_line(vm, VM_UART_INTID, pl011_mis(&vm->uart) != 0, &vm->uart_irq_raised);
}
