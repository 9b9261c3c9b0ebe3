/*
 * hvc: the hyp's version call; an unknown call returns NOT_SUPPORTED, and
 * so does a VMM-only call from a guest.
 */
#include "lib/guest.h"

void guest_main(void)
{
	struct hv_version v;
	s64 st = hv_version(&v);
	u64 vmid = 99;
	struct hvc_res r;

	result("hvc_version",
	       st == HV_OK && v.major == HV_ABI_VERSION_MAJOR && v.minor == HV_ABI_VERSION_MINOR,
	       "x0 %ld version %lu.%lu", (long)st, (unsigned long)v.major, (unsigned long)v.minor);
	/* No wrapper makes a call with an unknown id: by id, through the stub. */
	r = hvc(HV_FN(0x5555), 1, 2, 3);
	result("hvc_unknown", (s64)r.x0 == HV_E_NOT_SUPPORTED, "x0 %ld", (long)r.x0);
	/* VMM-only calls are not a guest's to make. */
	st = hv_vm_create(0, 0, 0, &vmid);
	result("hvc_vmm_only", st == HV_E_NOT_SUPPORTED, "x0 %ld", (long)st);
	r = hvc(PSCI_VERSION, 0, 0, 0);
	result("psci_version", r.x0 == 0x10001, "x0 0x%lx", (unsigned long)r.x0);
}
