/*
 * The VMM as a program: the hand-over from the hyp, its version, and its
 * CPUs (vmm.h).
 */
#include <abi/hv_call.h>
#include <generated/version.h>
#include <vmm/vmm.h>

const struct hv_boot_info *vmm_boot;
const char vmm_version[] = BUILD_VERSION;
u32 vmm_cpus_running = 1;

/* Where HV_FN_CPU_START enters the VMM on another CPU (head.S). */
static void (*secondary_entry)(void);

void vmm_init(const struct hv_boot_info *info, void (*entry)(void))
{
	vmm_boot = info;
	secondary_entry = entry;
}

u32 vmm_cpu(void)
{
	u64 tp;

	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(tp));
	return (u32)tp;
}

u32 vmm_start_cpus(void)
{
	static bool done;

	if (done) {
		return vmm_cpus_running;
	}
	done = true;
	for (u64 cpu = 0; cpu < vmm_boot->num_cpus && cpu < VMM_MAX_CPUS; cpu++) {
		if (cpu == vmm_cpu()) {
			continue;
		}
		if (hv_cpu_start(cpu, (u64)(uintptr_t)secondary_entry, cpu) == HV_OK) {
			vmm_cpus_running++;
		}
	}
	return vmm_cpus_running;
}
