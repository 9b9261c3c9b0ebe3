/*
 * reboot: the life-cycle policies (vms/reboot.cfg: on_reboot = "restart",
 * on_poweroff = "preserve"). Its first boot resets (PSCI SYSTEM_RESET); the
 * VMM boots it again from its images, memory cleared, and the test device
 * tells it which boot it is; its second boot powers off, and the VMM keeps
 * it, ended, until it is destroyed.
 */
#include "lib/guest.h"

static u64 marker; /* cleared by the restart: 0 at every boot */

void guest_main(void)
{
	u64 boot = *(volatile u64 *)(GUEST_TESTDEV + TESTDEV_BOOTS);

	result(boot == 0 ? "first_boot" : "second_boot", boot <= 1 && marker == 0,
	       "boot %lu, marker 0x%lx", boot, marker);
	marker = 0x5245424f4f54UL;
	if (boot == 0) {
		(void)hvc(PSCI_SYSTEM_RESET, 0, 0, 0);
		result("reset_returned", false, "SYSTEM_RESET returned");
	}
	poweroff();
}
