/*
 * A guest's virtual address to its IPA by the guest's own stage 1, for the
 * stage-2 faults whose HPFAR_EL2 is not sure (see hyp/trap.h).
 */
#include <hyp/trap.h>

#include "sysreg.h"

/* serror.S: AT S1E1R, surviving an abort of its walk. */
u64 arch_at_s1e1r(u64 va);

/*
 * A guest's stage-2 permission fault (a write to a lent page) does not
 * make HPFAR_EL2 sure unless it came from a stage-1 walk (D19.2.59): the
 * guest's address is translated again by its own stage 1, still loaded,
 * with AT (which reports its faults in PAR_EL1, the guest's: kept).
 */
u64 arch_guest_ipa(u64 va)
{
	u64 guest_par = read_par_el1();
	u64 par;

	par = arch_at_s1e1r(va);
	write_par_el1(guest_par);
	return (par & PAR_F) != 0 ? ARCH_NO_IPA : (par & PAR_PA_MASK) | (va & (PAGE_SIZE - 1));
}
