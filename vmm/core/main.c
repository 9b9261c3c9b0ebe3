/*
 * VMM server start-up: check the hand-over from the hyp, turn on the MMU,
 * greet, and serve the console.
 */
#include <abi/hv_call.h>
#include <generated/version.h>
#include <lib/lib.h>
#include <vmm/vm.h>
#include <vmm/vmm.h>

const struct hv_boot_info *vmm_boot;
u8 vmm_stack[VMM_STACK_SIZE] __aligned(16);
/** Stacks of the VMM threads on secondary CPUs, by CPU index. */
u8 vmm_cpu_stacks[VMM_MAX_CPUS][VMM_STACK_SIZE] __aligned(16);

void vmm_secondary_entry(void);
void vmm_secondary_main(u32 cpu);

u32 vmm_cpu(void)
{
	u64 tp;

	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(tp));
	return (u32)tp;
}

void vmm_secondary_main(u32 cpu)
{
	__asm__ volatile("msr tpidr_el1, %0" : : "r"((u64)cpu));
	vm_worker(cpu);
}

u32 vmm_cpus_running = 1;

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
		if (hv_cpu_start(cpu, (u64)(uintptr_t)vmm_secondary_entry, cpu) == HV_OK) {
			vmm_cpus_running++;
		}
	}
	return vmm_cpus_running;
}
const char vmm_version[] = BUILD_VERSION;

void vmm_main(const struct hv_boot_info *info);
void vmm_main(const struct hv_boot_info *info)
{
	struct hv_cpu_info ci;
	struct hv_version v;

	if (info == NULL || info->magic != HV_BOOT_INFO_MAGIC) {
		return; /* no console to complain on */
	}
	vmm_boot = info;
	(void)hv_cpu_info(&ci);
	__asm__ volatile("msr tpidr_el1, %0" : : "r"(ci.self)); /* this CPU's index */
	con_init(info->uart_kind, (uintptr_t)info->uart_base);
	vmm_mmu_init();
	palloc_init();
	(void)hv_version(&v);
	con_printf("\nvmm %s: VMM server at EL1, hyp ABI %lu.%lu, %u CPUs, "
		   "GICv%u, platform %s\n",
		   vmm_version, (unsigned long)v.major, (unsigned long)v.minor, info->num_cpus,
		   info->gic_version, info->platform);
	con_printf("Type 'help' for commands.\n");
	shell_run();
}
