/*
 * The arch hooks of hyp/core/smccc.c and rng.c for host builds: a CPU
 * classification for the tests to record (fake_smccc_cpu); cache cleaning
 * after a wipe is counted.
 */
#include <string.h>

#include <hyp/arch.h>
#include <hyp/rng.h>
#include <hyp/smccc.h>

struct smccc_cpu fake_smccc_cpu;
size_t fake_rng_flushed; /* bytes rng.c cleaned to the point of coherency */

void arch_dcache_clean_inval(const void *va, size_t size)
{
	(void)va;
	fake_rng_flushed += size;
}
