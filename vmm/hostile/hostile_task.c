/*
 * The hostile VMM's tasks on other CPUs (test builds only,
 * CONFIG_TEST_HOOKS): an attack posts a task to a worker CPU, which runs it
 * between two vCPU runs (vm_worker polls) until it says it is done.
 */
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/hostile.h>
#include <vmm/vm.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

static hostile_task_t volatile tasks[VMM_MAX_CPUS];

bool hostile_poll(u32 cpu)
{
	hostile_task_t t = __atomic_load_n(&tasks[cpu % VMM_MAX_CPUS], __ATOMIC_ACQUIRE);

	/* A task returns true once it is done. */
	if (t == NULL) {
		return false;
	}
	if (t(cpu)) {
		__atomic_store_n(&tasks[cpu % VMM_MAX_CPUS], NULL, __ATOMIC_RELEASE);
	}
	return true;
}

void hostile_post(u32 cpu, hostile_task_t t)
{
	__atomic_store_n(&tasks[cpu], t, __ATOMIC_RELEASE);
	vm_kick();
}

bool hostile_pending(u32 cpu)
{
	return __atomic_load_n(&tasks[cpu], __ATOMIC_ACQUIRE) != NULL;
}

void hostile_everywhere(hostile_task_t t)
{
	(void)t(0);
	for (u32 c = 1; c < vmm_cpus_running && c < VMM_MAX_CPUS; c++) {
		hostile_post(c, t);
	}
	for (u32 c = 1; c < vmm_cpus_running && c < VMM_MAX_CPUS; c++) {
		while (hostile_pending(c)) {
			__asm__ volatile("yield");
		}
	}
}

#endif /* CONFIG_TEST_HOOKS */
