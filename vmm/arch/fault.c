/*
 * EL1 exception handling of the VMM: a fault inside probe_read64,
 * probe_write64 or guest_copy resumes at their fixup (this is how the VMM
 * survives the hyp refusing an access);
 * anything else is a VMM bug, reported before the VMM stops.
 */
#include <arm/esr.h>
#include <arm/frame.h>
#include <vmm/arch.h>
#include <vmm/console.h>

struct vmm_fault vmm_last_fault;

extern char probe_load[], probe_store[], probe_fixup[], guest_copy_start[], guest_copy_end[];

void vmm_exception(struct trap_frame *f, u64 kind);
void vmm_exception(struct trap_frame *f, u64 kind)
{
	u64 esr;
	u64 far;

	__asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
	__asm__ volatile("mrs %0, far_el1" : "=r"(far));
	/* Vector 4 is "current EL with SP_ELx, synchronous" (Arm ARM D1.10.2). */
	if (kind == 4 && (f->elr == (u64)(uintptr_t)probe_load ||
			  f->elr == (u64)(uintptr_t)probe_store ||
			  (f->elr >= (u64)(uintptr_t)guest_copy_start &&
			   f->elr < (u64)(uintptr_t)guest_copy_end))) {
		vmm_last_fault.esr = esr;
		vmm_last_fault.far = far;
		f->elr = (u64)(uintptr_t)probe_fixup;
		return;
	}
	con_printf("\nvmm: FATAL: exception (vector %lu) EC 0x%02x ESR 0x%lx FAR 0x%lx "
		   "ELR 0x%lx\n",
		   (unsigned long)kind, ESR_EC(esr), (unsigned long)esr, (unsigned long)far,
		   (unsigned long)f->elr);
	for (;;) {
		__asm__ volatile("wfi");
	}
}
