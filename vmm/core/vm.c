/*
 * The VM table (vm.h): the records of the VM slots, found by name; the
 * lock that orders running a VM's vCPUs with stopping them; waking a VMM
 * CPU for a vCPU that became runnable, or the vCPU an interrupt is for;
 * the rate limit of the VMM's
 * messages about a VM.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/counter.h>
#include <vmm/vm.h>

struct vm vm_table[VM_MAX];
spinlock_t vm_run_lock;

struct vm *vm_find(const char *name)
{
	for (u32 i = 0; i < VM_MAX; i++) {
		if (vm_table[i].state != VM_FREE && strcmp(vm_table[i].cfg.name, name) == 0) {
			return &vm_table[i];
		}
	}
	return NULL;
}

volatile u32 vm_idle_cpus;
volatile bool vm_guest_wait[VMM_MAX_CPUS];
volatile bool vm_want_cpu;

void vm_kick(void)
{
	u32 idle = __atomic_load_n(&vm_idle_cpus, __ATOMIC_ACQUIRE);

	if (idle != 0) {
		(void)hv_cpu_wake((u64)__builtin_ctz(idle));
		return;
	}
	/* No CPU is free: the next exit of every run gives its CPU up. */
	__atomic_store_n(&vm_want_cpu, true, __ATOMIC_RELEASE);
	for (u32 c = 0; c < VMM_MAX_CPUS; c++) {
		if (__atomic_load_n(&vm_guest_wait[c], __ATOMIC_ACQUIRE)) {
			(void)hv_cpu_wake(c);
			return;
		}
	}
}

void vm_inject_pending(struct vm *vm, u32 t)
{
	struct gvcpu *vc = &vm->vc[t];

	for (u64 q = vc->pending_irqs; q != 0; q &= q - 1) {
		u32 id = (u32)__builtin_ctzll(q);

		if (hv_irq_inject(vm->vmid, t, id) == HV_OK) {
			vc->pending_irqs &= ~(UINT64_C(1) << id);
		}
	}
}

void vm_sgi_direct_update(struct vm *vm)
{
	for (u32 t = 0; t < vm->cfg.vcpus && vm->gic.version == 3; t++) {
		u16 mask = (u16)vgic_sgi_mask(&vm->gic, t);

		/* Kept only once the hyp took it: a refused mask is asked
		 * for again at the next change. */
		if (mask != vm->sgi_direct[t] && hv_sgi_direct(vm->vmid, t, mask) == HV_OK) {
			vm->sgi_direct[t] = mask;
		}
	}
}

void vm_wake_vcpu(struct vm *vm, u32 t)
{
	struct gvcpu *vc = &vm->vc[t];

	vm_inject_pending(vm, t);
	vc->waiting = false;
	if (vc->in_guest) {
		/* In a run, it takes the interrupt with no exit (its CPU gets
		 * the hyp's wake). That run may be ending in a WFI the guest
		 * made before: that wait is over too (vmexit.c). */
		vc->woken = true;
	} else {
		vm_kick(); /* it needs a CPU */
	}
}

/*
 * Whether to print a message about vm's doings: at most 8 a second per VM,
 * so that a guest looping on bad accesses cannot flood the console line.
 */
bool vm_log_allowed(struct vm *vm)
{
	u64 now = vm_counter();

	if (now - vm->log_window >= vm_counter_freq()) {
		vm->log_window = now;
		vm->log_count = 0;
	}
	return vm->log_count++ < 8;
}
