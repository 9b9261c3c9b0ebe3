/*
 * Secondary CPU bring-up: PSCI CPU_ON (DEN0022, 5.1.4) over the conduit the
 * device tree names, or the spin table (Linux booting.rst: write the entry
 * address to cpu-release-addr, clean it to the point of coherency, SEV).
 * Secondaries enter at secondary_entry with the MMU off; everything they
 * read before turning it on is cleaned to the point of coherency first.
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <lib/lib.h>
#include <hyp/log.h>

#include "handoff.h"
#include "sysreg.h"

#define PSCI_CPU_ON_64 UINT64_C(0xc4000003)
#define CPU_START_TIMEOUT_MS 2000

extern char secondary_entry[];

static s64 psci_call(u32 conduit, u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	if (conduit == PSCI_CONDUIT_SMC) {
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "memory");
	} else {
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "memory");
	}
	return (s64)x0;
}

static bool start_cpu(u32 i, paddr_t entry)
{
	const struct plat_cpu *c = &hyp_plat.cpus[i];
	volatile u64 *release;
	s64 ret;

	switch (c->method) {
	case CPU_METHOD_PSCI:
		if (hyp_plat.psci == PSCI_CONDUIT_NONE) {
			log_warn("cpu%u: PSCI without a conduit\n", i);
			return false;
		}
		ret = psci_call(hyp_plat.psci, PSCI_CPU_ON_64, c->mpidr, entry, i);
		if (ret != 0) {
			log_warn("cpu%u: PSCI CPU_ON failed (%ld)\n", i, (long)ret);
			return false;
		}
		return true;
	case CPU_METHOD_SPIN_TABLE:
		release = (volatile u64 *)(uintptr_t)c->release;
		*release = entry;
		arch_dcache_clean_inval((const void *)release, sizeof(*release));
		sev();
		return true;
	default:
		log_warn("cpu%u: no enable-method\n", i);
		return false;
	}
}

u32 arch_start_secondaries(void)
{
	struct boot_handoff *h = &boot_handoff;
	u64 self = read_mpidr_el1() & MPIDR_AFF_MASK;
	paddr_t entry = (paddr_t)(uintptr_t)secondary_entry;
	u64 timeout = arch_counter_freq() / 1000 * CPU_START_TIMEOUT_MS;
	u32 online = 1;

	h->num_cpus = hyp_plat.num_cpus;
	for (u32 i = 0; i < hyp_plat.num_cpus; i++) {
		h->mpidr[i] = hyp_plat.cpus[i].mpidr;
	}
	arch_dcache_clean_inval(h, sizeof(*h));
	for (u32 i = 0; i < hyp_plat.num_cpus; i++) {
		u64 start;

		if (hyp_plat.cpus[i].mpidr == self) {
			continue;
		}
		if (!start_cpu(i, entry)) {
			continue;
		}
		start = arch_counter();
		/* It is online once idle (secondary_main). */
		while (hyp_cpu_state[i] == CPU_OFF && arch_counter() - start < timeout) {
		}
		if (hyp_cpu_state[i] == CPU_IDLE) {
			online++;
		} else {
			log_warn("cpu%u (MPIDR 0x%lx) did not come up\n", i,
				 (unsigned long)hyp_plat.cpus[i].mpidr);
		}
	}
	return online;
}

u32 arch_own_cpu_index(void)
{
	u64 self = read_mpidr_el1() & MPIDR_AFF_MASK;

	for (u32 i = 0; i < hyp_plat.num_cpus; i++) {
		if (hyp_plat.cpus[i].mpidr == self) {
			return i;
		}
	}
	return 0;
}
