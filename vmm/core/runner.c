/*
 * The vCPU runner: the VMM's secondary CPUs take runnable vCPUs of running
 * VMs round robin from one shared table, run each to its next exit (at
 * most one time slice: the hyp's timer ends it) and serve the exit. A vCPU
 * in WFI is skipped until its timer deadline passes or an interrupt is
 * queued for it; one whose run the hyp refused, until it is tried again
 * (vmexit.c). A CPU with nothing to run sleeps in the hyp
 * (HV_FN_CPU_IDLE) until the next timer deadline of a waiting vCPU, at
 * most 2 ms; making a vCPU runnable wakes one sleeping CPU (vm_kick). CPU
 * 0 serves the console and runs vCPUs only when it is the VMM's one CPU.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/counter.h>
#include <vmm/hostile.h>
#include <vmm/runner.h>
#include <vmm/vm.h>
#include <vmm/vmexit.h>
#include <vmm/vmnet.h>

static u32 next_slot;

/* A vCPU in WFI is runnable again once its timer deadline has passed or an
 * interrupt is queued for it. */
static bool awake(struct gvcpu *vc, u64 now)
{
	if (now < vc->retry_at) {
		return false; /* its last run was refused */
	}
	if (vc->waiting && (vc->pending_irqs != 0 || (vc->wake_at != 0 && now >= vc->wake_at))) {
		vc->waiting = false;
	}
	return !vc->waiting;
}

/*
 * Picks a runnable vCPU no CPU is running and marks it busy. If there is
 * none, *next_wake is the earliest timer deadline of a vCPU in WFI (or 0).
 */
static bool pick(struct vm **vmp, u32 *ip, u64 *next_wake)
{
	const u32 slots = VM_MAX * VM_MAX_VCPUS;
	u64 now = vm_counter();
	bool found = false;

	*next_wake = 0;
	spin_lock(&vm_run_lock);
	for (u32 k = 0; k < slots && !found; k++) {
		u32 s = (next_slot + k) % slots;
		struct vm *vm = &vm_table[s / VM_MAX_VCPUS];
		struct gvcpu *vc = &vm->vc[s % VM_MAX_VCPUS];

		if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING ||
		    vm->done != NULL || !vc->on || vc->busy) {
			continue;
		}
		if (awake(vc, now)) {
			vc->busy = true;
			*vmp = vm;
			*ip = s % VM_MAX_VCPUS;
			next_slot = s + 1;
			found = true;
		} else {
			u64 at = now < vc->retry_at ? vc->retry_at : vc->wake_at;

			if (at != 0 && (*next_wake == 0 || at < *next_wake)) {
				*next_wake = at;
			}
		}
	}
	spin_unlock(&vm_run_lock);
	return found;
}

/* Injects the interrupts queued for vCPU i (it is not running). */
static void inject_pending(struct vm *vm, u32 i)
{
	struct gvcpu *vc = &vm->vc[i];

	for (u32 id = 0; id < 64 && vc->pending_irqs != 0; id++) {
		if ((vc->pending_irqs & (UINT64_C(1) << id)) != 0 &&
		    hv_irq_inject(vm->vmid, i, id) == HV_OK) {
			vc->pending_irqs &= ~(UINT64_C(1) << id);
		}
	}
}

static void run(struct vm *vm, u32 i)
{
	struct gvcpu *vc = &vm->vc[i];
	struct hv_exit e;

	spin_lock(&vm->lock);
	inject_pending(vm, i);
	spin_unlock(&vm->lock);
	e = hv_vcpu_run(vm->vmid, i | vc->flags, vc->reply);
	spin_lock(&vm->lock);
	vm_handle_exit(vm, i, &e);
	spin_unlock(&vm->lock);
	__atomic_store_n(&vc->busy, false, __ATOMIC_RELEASE);
	vmnet_flush(); /* frames this exit sent to other VMs */
}

bool vm_run_one(void)
{
	struct vm *vm;
	u32 i;
	u64 next_wake;

	if (!pick(&vm, &i, &next_wake)) {
		return false;
	}
	run(vm, i);
	return true;
}

/* How long an idle VMM CPU sleeps at most before it looks again. */
#define IDLE_US 2000
/* A vCPU's timer deadline closer than this is polled for, not slept to. */
#define POLL_US 200 /* as KVM's default halt_poll_ns */

void vm_worker(u32 cpu)
{
	const u64 per_us = vm_counter_freq() / 1000000;

	for (;;) {
		struct vm *vm;
		u32 i;
		u64 next_wake;
		u64 us = IDLE_US;

#if CONFIG_TEST_HOOKS
		if (hostile_poll(cpu)) {
			continue; /* an attack of the test build's hostile VMM */
		}
#endif
		/* Idle from before the look: a kick after it ends the sleep. */
		__atomic_or_fetch(&vm_idle_cpus, 1U << cpu, __ATOMIC_SEQ_CST);
		if (pick(&vm, &i, &next_wake)) {
			__atomic_and_fetch(&vm_idle_cpus, ~(1U << cpu), __ATOMIC_SEQ_CST);
			run(vm, i);
			continue;
		}
		if (next_wake != 0 && per_us != 0) {
			u64 now = vm_counter();

			if (next_wake <= now + POLL_US * per_us) {
				/* A deadline this close is met by looking again. */
				__atomic_and_fetch(&vm_idle_cpus, ~(1U << cpu), __ATOMIC_SEQ_CST);
				continue;
			}
			us = MIN(us, (next_wake - now) / per_us + 1);
		}
		vmnet_flush();
		/* Nothing to run: sleep (under emulation this frees the core). */
		(void)hv_cpu_idle(us);
		__atomic_and_fetch(&vm_idle_cpus, ~(1U << cpu), __ATOMIC_SEQ_CST);
	}
}
