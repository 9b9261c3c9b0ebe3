/*
 * VMM server start-up: check the hand-over from the hyp, turn on the MMU,
 * greet, and serve the console.
 */
#include <generated/version.h>
#include <hyp/lib.h>
#include <vmm/vmm.h>

const struct hv_boot_info *vmm_boot;
u8 vmm_stack[VMM_STACK_SIZE] __aligned(16);
const char vmm_version[] = BUILD_VERSION;

void vmm_main(const struct hv_boot_info *info);
void vmm_main(const struct hv_boot_info *info)
{
	u64 r[4];

	if (info == NULL || info->magic != HV_BOOT_INFO_MAGIC) {
		return; /* no console to complain on */
	}
	vmm_boot = info;
	con_init(info->uart_kind, (uintptr_t)info->uart_base);
	vmm_mmu_init();
	palloc_init();
	hvc_call(HV_FN_VERSION, 0, 0, 0, r);
	con_printf("\nvmm %s: VMM server at EL1, hyp ABI %lu.%lu, %u CPUs, "
		   "GICv%u, platform %s\n",
		   vmm_version, (unsigned long)(r[1] >> 16),
		   (unsigned long)(r[1] & 0xffff), info->num_cpus,
		   info->gic_version, info->platform);
	con_printf("Type 'help' for commands.\n");
	shell_run();
}
