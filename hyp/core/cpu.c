/*
 * The physical CPUs: each one's set-up at EL2, the secondary CPUs' idle
 * loop in the hyp, and the VMM's requests to start one
 * (HV_FN_CPU_START), which that loop takes.
 */
#include <generated/autoconf.h>
#include <hyp/arch.h>
#include <hyp/gic.h>
#include <hyp/host.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>

/* An address the EL2 map never covers (below 2^39, above any RAM here). */
#define TEST_FAULT_VA UINT64_C(0x7ffffff000)

/** EL2 stacks, one per CPU, taken by head.S and secondary.S. */
u8 hyp_stacks[CONFIG_MAX_CPUS][CONFIG_HYP_STACK_SIZE] __aligned(16);

/* HV_FN_CPU_START requests, by CPU: the VMM entry point and its argument. */
static volatile u64 start_entry[PLAT_MAX_CPUS];
static volatile u64 start_arg[PLAT_MAX_CPUS];

s64 cpu_start(u64 cpu, u64 entry, u64 arg)
{
	u32 idle = CPU_IDLE;

	if (cpu >= hyp_plat.num_cpus || cpu == arch_cpu_index()) {
		return HV_E_INVALID;
	}
	cpu = index_nospec(cpu, hyp_plat.num_cpus);
	if (!mem_host_owns(pa_of(entry))) {
		return HV_E_DENIED;
	}
	/* Only an idle CPU is claimed; any other keeps its state. */
	if (!__atomic_compare_exchange_n(&hyp_cpu_state[cpu], &idle, CPU_STARTING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		return HV_E_BUSY;
	}
	start_arg[cpu] = arg;
	__atomic_store_n(&start_entry[cpu], entry, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish\n\tsev" : : : "memory");
	return HV_OK;
}

bool cpu_start_requested(u32 cpu, u64 *entry, u64 *arg)
{
	*entry = __atomic_load_n(&start_entry[cpu], __ATOMIC_ACQUIRE);
	*arg = start_arg[cpu];
	return *entry != 0;
}

void cpu_spectre_init(u32 cpu, bool boot)
{
	struct cpu_ids id;
	struct fw_answers fw;
	struct smccc_cpu c;
	u32 entry;

	arch_spectre_probe(boot, &id, &fw);
	smccc_classify(&id, &fw, &c, &entry);
	arch_spectre_apply(cpu, boot, &id, &fw, &c, entry);
	smccc_cpu_online(&c);
}

void secondary_main(u32 cpu)
{
	u64 entry;
	u64 arg;

	arch_set_cpu_index(cpu);
	arch_cpu_init_el2();
	cpu_spectre_init(cpu, false);
	gic_init_cpu();
	log_info("cpu%u online (MPIDR 0x%lx)\n", cpu, (unsigned long)hyp_plat.cpus[cpu].mpidr);
	hyp_cpu_state[cpu] = CPU_IDLE;
	__asm__ volatile("dsb sy\n\tsev" : : : "memory");
	for (;;) {
		__asm__ volatile("wfe");
		if (cpu_start_requested(cpu, &entry, &arg)) {
			hyp_cpu_state[cpu] = CPU_VMM;
			arch_load_host_s2(host_s2_vttbr(), host_s2_ipa_bits());
			log_debug("cpu%u: entering the VMM at 0x%lx\n", cpu, (unsigned long)entry);
			arch_enter_el1(entry, arg);
		}
		if (CONFIG_TEST_HOOKS && hyp_test_fault_cpu == (s32)cpu) {
			hyp_test_fault_cpu = -1;
			log_info("cpu%u: test fault requested\n", cpu);
			(void)*(volatile u64 *)(uintptr_t)TEST_FAULT_VA;
		}
	}
}
