/*
 * VMM server start-up: check the hand-over from the hyp, turn on the MMU,
 * greet, start the VMs marked autostart, and serve the console; the other
 * CPUs' threads run vCPUs.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/bundle.h>
#include <vmm/console.h>
#include <vmm/layout.h>
#include <vmm/medium.h>
#include <vmm/palloc.h>
#include <vmm/runner.h>
#include <vmm/shell.h>
#include <vmm/vmshell.h>
#include <vmm/vmm.h>

/* What head.S uses: the stacks and the C entries. */
u8 vmm_stack[VMM_STACK_SIZE] __aligned(16);
/** Stacks of the VMM threads on secondary CPUs, by CPU index. */
u8 vmm_cpu_stacks[VMM_MAX_CPUS][VMM_STACK_SIZE] __aligned(16);

void vmm_main(const struct hv_boot_info *info, void (*secondary_entry)(void));
void vmm_secondary_main(u32 cpu);

void vmm_secondary_main(u32 cpu)
{
	__asm__ volatile("msr tpidr_el1, %0" : : "r"((u64)cpu));
	vm_worker(cpu);
}

void vmm_main(const struct hv_boot_info *info, void (*secondary_entry)(void))
{
	struct hv_cpu_info ci;
	struct hv_version v;

	if (info == NULL || info->magic != HV_BOOT_INFO_MAGIC) {
		return; /* no console to complain on */
	}
	vmm_init(info, secondary_entry);
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
	medium_init();
	bundle_init();
	con_printf("Type 'help' for commands.\n");
#if CONFIG_VMM_AUTOSTART
	vm_autostart();
#endif
	shell_run();
}
