/*
 * Exception injection: the one place the hyp makes the world it returns to
 * (the VMM, or the guest whose EL1 registers are loaded) take an
 * exception. A synchronous one is taken as EL1 would have taken it itself
 * (Arm ARM D1.10: ESR/FAR/ELR/SPSR_EL1 saved, the PC at EL1's vector, EL1h
 * with DAIF masked); an SError is a virtual one (HCR_EL2.VSE).
 */
#include <hyp/trap.h>

#include "sysreg.h"

/* HCR_EL2.VSE: a virtual SError for EL1, taken when it unmasks them. */
#define HCR_VSE (UINT64_C(1) << 8)

void arch_inject_sync(struct trap_frame *f, u64 esr, u64 far)
{
	u32 mode = (u32)f->spsr & SPSR_MODE_MASK;
	u64 offset = (f->spsr & SPSR_AARCH32) != 0 ? VECTOR_LOWER_A32
		     : mode == SPSR_MODE_EL1H	     ? VECTOR_CUR_SPX
		     : mode == SPSR_MODE_EL1T	     ? VECTOR_CUR_SP0
						     : VECTOR_LOWER_A64;

	write_esr_el1(esr);
	write_far_el1(far);
	write_elr_el1(f->elr);
	write_spsr_el1(f->spsr);
	f->elr = read_vbar_el1() + offset;
	f->spsr = SPSR_MODE_EL1H | SPSR_DAIF_MASKED;
}

void arch_inject_undef(struct trap_frame *f)
{
	arch_inject_sync(f, ESR_FROM_EC(EC_UNKNOWN) | ESR_IL, 0);
}

void arch_inject_abort(struct trap_frame *f, bool exec, bool write, u64 far)
{
	bool el0 = ((u32)f->spsr & SPSR_MODE_MASK) == SPSR_MODE_EL0T;
	u32 ec;

	/* The class as EL1 sees it: from EL0 a lower EL's, else its own. */
	if (exec) {
		ec = el0 ? EC_IABT_LOW : EC_IABT_CUR;
	} else {
		ec = el0 ? EC_DABT_LOW : EC_DABT_CUR;
	}
	arch_inject_sync(f, ESR_FROM_EC(ec) | ESR_IL | (write ? ISS_WNR : 0) | FSC_EXT_ABORT,
			 far);
}

void arch_vmm_serror(void)
{
	write_hcr_el2(read_hcr_el2() | HCR_VSE);
	isb();
}

bool arch_vmm_serror_pending(void)
{
	return (read_hcr_el2() & HCR_VSE) != 0; /* cleared when it is taken */
}
