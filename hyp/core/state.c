/*
 * The hyp's global state (hyp/hyp.h): what the boot CPU learns and sets
 * before any other CPU or the VMM runs, and each CPU's state. Data only:
 * every layer reads it, and it depends on nothing.
 */
#include <generated/version.h>
#include <hyp/hyp.h>

struct platform hyp_plat;
struct hyp_layout hyp_layout;
struct hv_region hyp_fdt;
u32 hyp_pa_bits;
volatile u32 hyp_cpus_online = 1;
volatile u32 hyp_cpu_state[PLAT_MAX_CPUS];
volatile s32 hyp_test_fault_cpu = -1;

const char hyp_version[] = BUILD_VERSION;
