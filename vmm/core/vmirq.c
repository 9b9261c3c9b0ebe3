/*
 * A VM's interrupt lines (vmirq.h): its devices' level-sensitive SPIs into
 * its emulated distributor.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/console.h>
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

/* Each VM's PL011 register frame as its guest reads it, lent to it. */
static u32 uart_frames[VM_MAX][PAGE_SIZE / 4] __aligned(PAGE_SIZE);

/*
 * The PL011 after its state changed. While nothing waits in its receive
 * FIFO, the guest reads a copy of its registers, a VMM frame the hyp lends
 * it read-only at the UART's address (HV_FN_LEND): the flag register
 * Linux reads before each byte it writes costs no exit; writes still exit
 * and are emulated. A received byte takes the frame back before the
 * interrupt is raised (a DR read must take the byte, an interrupt handler
 * must see it), and the frame is lent again once the guest read the FIFO
 * empty. Then the interrupt line (SPI 1, INTID 33): raised when the masked
 * status becomes non-zero, queued for the vCPU it is routed to if the
 * guest enabled it; lowered when the guest has served it.
 */
void vm_uart_update(struct vm *vm)
{
	u32 *frame = uart_frames[vm - vm_table];
	bool lend = vm->uart.rx_count == 0 && !vm->uart_no_lend;
	s64 st;

	if (!lend && !vm->uart_no_lend) {
		/* Every time: what the VMM believes lent is not the point
		 * (a lend ended or made elsewhere); the hyp's answer is. */
		vm->uart_lent = false;
		st = hv_unlend(vm->vmid);
		if (st != HV_OK) {
			con_printf("vm %s: UART frame not taken back (%ld)\n", vm->cfg.name,
				   (long)st);
		}
	}
	/* The guest reads through a Device mapping, without caches: what
	 * pl011_shadow writes is cleaned to memory before it can be read, the
	 * whole frame before it is lent. */
	pl011_shadow(&vm->uart, frame);
	if (!vm->uart_lent && lend) {
		clean_to_poc(frame, PAGE_SIZE);
		st = hv_lend(vm->vmid, VM_UART_IPA, (u64)(uintptr_t)frame);
		vm->uart_lent = st == HV_OK;
		if (st == HV_E_INVALID || st == HV_E_DENIED) {
			vm->uart_no_lend = true; /* for good: not worth asking again */
			con_printf("vm %s: UART frame not lent (%ld): every access exits\n",
				   vm->cfg.name, (long)st);
		}
	} else {
		clean_to_poc(frame, PL011_SHADOW_END);
		clean_to_poc(&frame[PL011_SHADOW_IDS / 4], PAGE_SIZE - PL011_SHADOW_IDS);
	}
	vm_irq_line(vm, VM_UART_INTID, pl011_mis(&vm->uart) != 0, &vm->uart_irq_raised);
}
