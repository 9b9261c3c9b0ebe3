/*
 * The hostile VMM against FP/SIMD isolation (test builds only):
 *
 *   hostile fp-read    on every CPU, between two vCPU runs: the low halves
 *                      of v0..v31 as the VMM finds them, and how many are
 *                      not zero
 *
 * The hyp leaves a guest's FP/SIMD values in the registers after its exit,
 * with the VMM's accesses trapped: the first one makes the hyp zero them.
 * A victim keeps a secret in d8..d15 (tests/guests/victim.c); if the trap
 * were missing, a worker CPU that last ran it would read it here, and if
 * the hyp mishandled the trap the CPU would stop.
 */
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

#define CPACR_FPEN (UINT64_C(3) << 20)

static struct {
	u32 nonzero;
	u64 any; /* one non-zero value, if any */
	bool done;
} seen[VMM_MAX_CPUS];

static bool read_task(u32 cpu)
{
	u32 c = cpu % VMM_MAX_CPUS;
	u64 d[32];
	u64 cpacr;

	/* The VMM's own CPACR_EL1 traps FP/SIMD at EL1 (it does not use
	 * them): FPEN on, as a compromised VMM would. */
	__asm__ volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr | CPACR_FPEN));
	/* d0..d31, the low halves of v0..v31: FP/SIMD accesses. */
	__asm__ volatile("stp d0, d1, [%0, #0]\n\t"
			 "stp d2, d3, [%0, #16]\n\t"
			 "stp d4, d5, [%0, #32]\n\t"
			 "stp d6, d7, [%0, #48]\n\t"
			 "stp d8, d9, [%0, #64]\n\t"
			 "stp d10, d11, [%0, #80]\n\t"
			 "stp d12, d13, [%0, #96]\n\t"
			 "stp d14, d15, [%0, #112]\n\t"
			 "stp d16, d17, [%0, #128]\n\t"
			 "stp d18, d19, [%0, #144]\n\t"
			 "stp d20, d21, [%0, #160]\n\t"
			 "stp d22, d23, [%0, #176]\n\t"
			 "stp d24, d25, [%0, #192]\n\t"
			 "stp d26, d27, [%0, #208]\n\t"
			 "stp d28, d29, [%0, #224]\n\t"
			 "stp d30, d31, [%0, #240]"
			 :
			 : "r"(d)
			 : "memory");
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr));
	seen[c].nonzero = 0;
	seen[c].any = 0;
	for (u32 i = 0; i < 32; i++) {
		if (d[i] != 0) {
			seen[c].nonzero++;
			seen[c].any = d[i];
		}
	}
	seen[c].done = true;
	return true;
}

void hostile_fp_read(void)
{
	memset(seen, 0, sizeof(seen));
	hostile_everywhere(read_task);
	for (u32 c = 0; c < vmm_cpus_running && c < VMM_MAX_CPUS; c++) {
		con_printf("hostile fp-read: cpu %u %s, %u of 32 FP registers non-zero (0x%lx)\n", c,
			   seen[c].done ? "answered" : "SILENT", seen[c].nonzero,
			   (unsigned long)seen[c].any);
	}
}

#endif /* CONFIG_TEST_HOOKS */
