/*
 * preempt: vCPU 1 spins without ever trapping; vCPU 0 (on the same
 * physical CPU, under the VMM's round robin) still runs because the hyp
 * ends every time slice with an exit to the VMM.
 */
#include "lib/guest.h"

static volatile u64 spins;
static volatile u32 stop;

void guest_secondary(u64 context)
{
	(void)context;
	while (!stop) {
		spins++;
	}
	(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_main(void)
{
	u64 seen;
	u32 waits;

	(void)hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, 1);
	for (waits = 0; spins == 0 && waits < 100000; waits++) {
		guest_yield();
	}
	seen = spins;
	for (waits = 0; spins == seen && waits < 100000; waits++) {
		guest_yield();
	}
	result("spinner_runs", spins > seen, "%lu then %lu spins", (unsigned long)seen,
	       (unsigned long)spins);
	stop = 1;
	for (waits = 0; hvc(PSCI_AFFINITY_INFO, 1, 0, 0).x0 != 1 && waits < 100000; waits++) {
		guest_yield();
	}
	result("spinner_stopped", hvc(PSCI_AFFINITY_INFO, 1, 0, 0).x0 == 1, "after %u yields",
	       waits);
}
