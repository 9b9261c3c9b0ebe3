/*
 * smp: PSCI from a guest: CPU_ON of vCPUs 1-3, each reporting in with its
 * own MPIDR; AFFINITY_INFO before and after; CPU_ON refused for a vCPU
 * that is on, a vCPU that does not exist and an entry outside the VM;
 * FEATURES; CPU_OFF; vCPU 1 turned on again the moment it turns itself
 * off, many times (the CPU_ON may reach the VMM before that CPU_OFF's exit
 * does: the vCPU must stay on and run).
 */
#include "lib/guest.h"

#define SECONDARIES 3
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_INVALID_ADDRESS (-9)

static volatile u64 seen[SECONDARIES + 1];
static volatile u64 done[SECONDARIES + 1];
static volatile u64 starts;

#define RESTART 100   /* guest_secondary's context: count the start, go off */
#define RESTARTS 200

void guest_secondary(u64 context)
{
	u64 mpidr;

	if (context == RESTART) {
		starts++;
		(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
	}
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	seen[context] = (mpidr & 0xff) + 0x100;
	/* Stay on until vCPU 0 has checked AFFINITY_INFO, then go off. */
	while (done[context] == 0) {
		guest_yield();
	}
	(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
}

static void wait_for(volatile u64 *flag)
{
	for (u32 i = 0; i < 100000 && *flag == 0; i++) {
		guest_yield();
	}
}

void guest_main(void)
{
	struct hvc_res r;
	int bad = 0;

	r = hvc(PSCI_FEATURES, PSCI_CPU_ON, 0, 0);
	result("psci_features", r.x0 == 0 && (s64)hvc(PSCI_FEATURES, 0x84000055, 0, 0).x0 == -1,
	       "CPU_ON %ld", (long)r.x0);
	r = hvc(PSCI_AFFINITY_INFO, 1, 0, 0);
	result("affinity_off", r.x0 == 1, "vCPU 1: %ld", (long)r.x0);
	for (u64 cpu = 1; cpu <= SECONDARIES; cpu++) {
		r = hvc(PSCI_CPU_ON, cpu, (u64)(uintptr_t)secondary_entry, cpu);
		bad += r.x0 != 0;
	}
	result("cpu_on", bad == 0, "%d calls failed", bad);
	bad = 0;
	for (u64 cpu = 1; cpu <= SECONDARIES; cpu++) {
		wait_for(&seen[cpu]);
		bad += seen[cpu] != 0x100 + cpu;
	}
	result("secondaries_up", bad == 0, "MPIDRs %lx %lx %lx", (unsigned long)seen[1],
	       (unsigned long)seen[2], (unsigned long)seen[3]);
	r = hvc(PSCI_AFFINITY_INFO, 2, 0, 0);
	result("affinity_on", r.x0 == 0, "vCPU 2: %ld", (long)r.x0);
	r = hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, 1);
	result("cpu_on_already_on", (s64)r.x0 == PSCI_ALREADY_ON, "%ld", (long)r.x0);
	r = hvc(PSCI_CPU_ON, 9, (u64)(uintptr_t)secondary_entry, 9);
	result("cpu_on_no_such_cpu", (s64)r.x0 == PSCI_INVALID_PARAMETERS, "%ld", (long)r.x0);
	for (u64 cpu = 1; cpu <= SECONDARIES; cpu++) {
		done[cpu] = 1;
	}
	for (u32 i = 0; i < 100000 && hvc(PSCI_AFFINITY_INFO, 3, 0, 0).x0 != 1; i++) {
		guest_yield();
	}
	r = hvc(PSCI_AFFINITY_INFO, 3, 0, 0);
	result("cpu_off", r.x0 == 1, "vCPU 3: %ld", (long)r.x0);
	r = hvc(PSCI_CPU_ON, 3, 0x80000000UL, 3);
	result("cpu_on_bad_entry", (s64)r.x0 == PSCI_INVALID_ADDRESS, "%ld", (long)r.x0);

	for (u32 i = 0; i < 100000 && hvc(PSCI_AFFINITY_INFO, 1, 0, 0).x0 != 1; i++) {
		guest_yield();
	}
	bad = 0;
	for (u64 n = 1; n <= RESTARTS && bad == 0; n++) {
		/* Again at once: ALREADY_ON until the hyp has it off. */
		for (u32 i = 0; i < 1000000; i++) {
			r = hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, RESTART);
			if ((s64)r.x0 != PSCI_ALREADY_ON) {
				break;
			}
		}
		bad += r.x0 != 0;
		for (u32 i = 0; i < 100000 && starts < n; i++) {
			guest_yield();
		}
		bad += starts < n;
	}
	result("cpu_on_after_cpu_off", bad == 0 && starts == RESTARTS, "%lu of %u starts",
	       (unsigned long)starts, RESTARTS);
}
