/*
 * The arch hooks of hyp/core/smccc.c and rng.c for host builds: a CPU
 * whose classification a test sets (fake_smccc_cpu), no firmware; cache
 * cleaning after a wipe is counted.
 */
#include <string.h>

#include <hyp/rng.h>
#include <hyp/smccc.h>

struct smccc_cpu fake_smccc_cpu;
size_t fake_rng_flushed; /* bytes rng.c cleaned to the point of coherency */

void rng_flush(const void *va, size_t len)
{
	(void)va;
	fake_rng_flushed += len;
}

void arch_spectre_cpu_init(u32 cpu, bool boot, struct smccc_cpu *out)
{
	(void)cpu;
	(void)boot;
	*out = fake_smccc_cpu;
}
