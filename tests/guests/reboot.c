/*
 * reboot: the life-cycle policies (vms/reboot.cfg: on_reboot = "restart",
 * on_crash = "restart", on_poweroff = "preserve"). Its first boot resets
 * (PSCI SYSTEM_RESET); the VMM boots it again from its images, memory
 * cleared, and the test device tells it which boot it is. Its second boot
 * crashes: its exception vector points where it has no memory, so the
 * breakpoint it then takes faults, and so does every abort the VMM gives
 * it for that; the VMM restarts it again. Its third boot powers off, and
 * the VMM keeps it, ended, until it is destroyed.
 */
#include "lib/guest.h"

static u64 marker; /* cleared by a restart: 0 at every boot */

/* An IPA below the guest's RAM, where it has nothing. */
#define NO_MEMORY 0x1000

void guest_main(void)
{
	static const char *const names[] = { "first_boot", "second_boot", "third_boot" };
	u64 boot = *(volatile u64 *)(GUEST_TESTDEV + TESTDEV_BOOTS);

	result(names[boot < 3 ? boot : 2], boot <= 2 && marker == 0, "boot %lu, marker 0x%lx",
	       boot, marker);
	marker = 0x5245424f4f54UL;
	if (boot == 0) {
		(void)hvc(PSCI_SYSTEM_RESET, 0, 0, 0);
		result("reset_returned", false, "SYSTEM_RESET returned");
	} else if (boot == 1) {
		__asm__ volatile("msr vbar_el1, %0\n\tisb\n\tbrk #0" : : "r"((u64)NO_MEMORY));
		result("crash_returned", false, "the crash returned");
	}
	poweroff();
}
