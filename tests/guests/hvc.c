/* hvc: the hyp's version call; an unknown call returns NOT_SUPPORTED. */
#include "lib/guest.h"

void guest_main(void)
{
	struct hvc_res r = hvc(HV_FN_VERSION, 0, 0, 0);

	result("hvc_version", r.x0 == HV_OK && r.x1 == ((HV_ABI_VERSION_MAJOR << 16) | HV_ABI_VERSION_MINOR),
	       "x0 %ld x1 0x%lx", (long)r.x0, (unsigned long)r.x1);
	r = hvc(HV_FN(0x5555), 1, 2, 3);
	result("hvc_unknown", (s64)r.x0 == HV_E_NOT_SUPPORTED, "x0 %ld", (long)r.x0);
	/* VMM-only calls are not a guest's to make. */
	r = hvc(HV_FN_VM_CREATE, 0, 0, 0);
	result("hvc_vmm_only", (s64)r.x0 == HV_E_NOT_SUPPORTED, "x0 %ld", (long)r.x0);
	r = hvc(PSCI_VERSION, 0, 0, 0);
	result("psci_version", r.x0 == 0x10001, "x0 0x%lx", (unsigned long)r.x0);
}
