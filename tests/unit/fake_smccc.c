/*
 * The arch hooks of hyp/core/smccc.c for host builds: a CPU whose
 * classification a test sets (fake_smccc_cpu), no firmware.
 */
#include <string.h>

#include <hyp/smccc.h>

struct smccc_cpu fake_smccc_cpu;

void arch_spectre_cpu_init(u32 cpu, bool boot, struct smccc_cpu *out)
{
	(void)cpu;
	(void)boot;
	*out = fake_smccc_cpu;
}
