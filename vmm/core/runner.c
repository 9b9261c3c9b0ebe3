/*
 * The vCPU runner: the VMM's secondary CPUs take runnable vCPUs of running
 * VMs round robin from one shared table and run each, serving its exits,
 * until its time slice ends (the hyp's timer), it waits or it stops. A vCPU
 * in WFI is skipped until its timer deadline passes or an interrupt is
 * queued for it; one whose run the hyp refused, until it is tried again
 * (vmexit.c). A CPU with nothing to run sleeps in the hyp
 * (HV_FN_CPU_IDLE) until the next timer deadline of a waiting vCPU, at
 * most IDLE_US; making a vCPU runnable wakes one sleeping CPU (vm_kick).
 * CPU 0 serves the console and runs vCPUs only when it is the VMM's one
 * CPU.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/counter.h>
#include <vmm/hostile.h>
#include <vmm/runner.h>
#include <vmm/vm.h>
#include <vmm/vmexit.h>
#include <vmm/vmm.h>
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
 * Picks a runnable vCPU no CPU is running and marks it busy; *more says
 * whether another is left. If there is none, *next_wake is the earliest
 * timer deadline of a vCPU in WFI (or 0).
 */
static bool pick(struct vm **vmp, u32 *ip, u64 *next_wake, bool *more)
{
	const u32 slots = VM_MAX * VM_MAX_VCPUS;
	u64 now = vm_counter();
	bool found = false;

	*next_wake = 0;
	*more = false;
	spin_lock(&vm_run_lock);
	/* Cleared before the look: a vCPU made runnable during it sets it
	 * again (vm_kick), one found during it is picked or sets it below. */
	__atomic_store_n(&vm_want_cpu, false, __ATOMIC_RELEASE);
	for (u32 k = 0; k < slots && !*more; k++) {
		u32 s = (next_slot + k) % slots;
		struct vm *vm = &vm_table[s / VM_MAX_VCPUS];
		struct gvcpu *vc = &vm->vc[s % VM_MAX_VCPUS];

		if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING ||
		    vm->done != NULL || !vc->on || vc->busy) {
			continue;
		}
		if (found && awake(vc, now)) {
			*more = true;
		} else if (awake(vc, now)) {
			vc->cpu = vmm_cpu(); /* before busy: info reads the two */
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
	if (*more) {
		__atomic_store_n(&vm_want_cpu, true, __ATOMIC_RELEASE);
	}
	spin_unlock(&vm_run_lock);
	return found;
}

/*
 * Runs vCPU i (picked: busy) and serves its exits, for at most a time
 * slice. While an exit leaves it runnable (an MMIO access, a stage-2
 * fault, a call, a kick with an interrupt still queued for it) this CPU runs it
 * again at once, with no look at the table; the end of its slice, a wait,
 * a yield, a refusal, its VM's end or another vCPU waiting for a CPU
 * (vm_want_cpu) give it back, so vCPUs share the CPUs round robin, at
 * each exit when there are more runnable vCPUs than CPUs. With
 * wait_in_guest (no other vCPU wants a CPU) its WFI and WFE wait on this
 * CPU: its timer is served by the hyp, and an interrupt injected for it
 * (vm_wake_vcpu) reaches it there with no exit.
 */
static void run(struct vm *vm, u32 i, bool wait_in_guest)
{
	struct gvcpu *vc = &vm->vc[i];
	const u32 cpu = vmm_cpu();
	const u64 start = vm_counter();
	const u64 turn_end = start + vm_counter_freq() / 1000000 * CONFIG_VCPU_SLICE_US;
	u64 now = start;
	const u64 wait = wait_in_guest ? HV_RUN_WAIT_IN_GUEST : 0;
	bool again;

	__atomic_store_n(&vm_guest_wait[cpu % VMM_MAX_CPUS], wait != 0, __ATOMIC_RELEASE);
	do {
		struct hv_exit e;

		spin_lock(&vm->lock);
		if (vmnet_any_pending()) {
			vmnet_flush_vm(vm);
		}
		if (vc->pending_irqs != 0) {
			vm_inject_pending(vm, i);
		}
		vc->in_guest = true; /* an interrupt queued from now on is injected at once */
		vc->woken = false;
		spin_unlock(&vm->lock);
		e = hv_vcpu_run(vm->vmid, i | vc->flags | wait, vc->reply);
		now = vm_counter();
		spin_lock(&vm->lock);
		vc->in_guest = false;
		vm_handle_exit(vm, i, &e);
		again = e.status == HV_OK && vm->done == NULL &&
			(e.reason != HV_EXIT_IRQ ||
			 (e.irq.intid == HV_INTID_KICK && vc->pending_irqs != 0)) &&
			__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING && vc->on &&
			!vc->waiting && !vc->yielded && now < turn_end &&
			!__atomic_load_n(&vm_want_cpu, __ATOMIC_ACQUIRE);
		spin_unlock(&vm->lock);
		if (vmnet_any_pending()) {
			vmnet_flush(); /* frames this exit sent to other VMs */
		}
	} while (again);
	/* Held for its runs and the serving of their exits (read by INFO). */
	__atomic_add_fetch(&vc->run_ticks, now - start, __ATOMIC_RELAXED);
	__atomic_store_n(&vm_guest_wait[cpu % VMM_MAX_CPUS], false, __ATOMIC_RELEASE);
	__atomic_store_n(&vc->busy, false, __ATOMIC_RELEASE);
}

bool vm_run_one(void)
{
	struct vm *vm;
	u32 i;
	u64 next_wake;
	bool more;

	if (!pick(&vm, &i, &next_wake, &more)) {
		return false;
	}
	run(vm, i, false); /* CPU 0 serves the console between runs */
	return true;
}

/*
 * How long an idle VMM CPU sleeps at most before it looks again. It sleeps
 * to the nearest vCPU deadline, and a vCPU made runnable wakes it
 * (vm_kick): a wake that comes between its look and its sleep makes the
 * hyp's CPU_IDLE return at once, so nothing is polled for.
 */
#define IDLE_US 10000

void vm_worker(u32 cpu)
{
	const u64 per_us = vm_counter_freq() / 1000000;

	for (;;) {
		struct vm *vm;
		u32 i;
		u64 next_wake;
		u64 us = IDLE_US;
		bool more;

#if CONFIG_TEST_HOOKS
		if (hostile_poll(cpu)) {
			continue; /* an attack of the test build's hostile VMM */
		}
#endif
		/* Idle from before the look: a kick after it ends the sleep. */
		__atomic_or_fetch(&vm_idle_cpus, 1U << cpu, __ATOMIC_SEQ_CST);
		if (pick(&vm, &i, &next_wake, &more)) {
			__atomic_and_fetch(&vm_idle_cpus, ~(1U << cpu), __ATOMIC_SEQ_CST);
			run(vm, i, !more);
			continue;
		}
		if (next_wake != 0 && per_us != 0) {
			u64 now = vm_counter();

			us = next_wake <= now ? 1 : MIN(us, (next_wake - now) / per_us + 1);
		}
		vmnet_flush();
		/* Nothing to run: sleep (under emulation this frees the core). */
		(void)hv_cpu_idle(us);
		__atomic_and_fetch(&vm_idle_cpus, ~(1U << cpu), __ATOMIC_SEQ_CST);
	}
}
