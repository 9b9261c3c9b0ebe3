/*
 * A VM's life (lifecycle.h): create (VMID, memory, images, vCPUs), start,
 * stop, destroy, and the reaping of VMs that ended.
 */
#include <abi/hv_call.h>
#include <ctl/proto.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/lifecycle.h>
#include <vmm/loader.h>
#include <vmm/palloc.h>
#include <vmm/pl011.h>
#include <vmm/vmirq.h>
#include <vmm/vgic.h>
#include <vmm/vmcon.h>
#include <vmm/vmio.h>
#include <vmm/vmm.h>

/* MiB the last teardown cleared. */
static u32 vm_cleared_mib;

/* Takes back everything the VM was given and destroys it at the hyp. */
static void teardown(struct vm *vm)
{
	s64 st;
	u32 kept = 0;

	vm_io_destroy(vm); /* no device touches its memory from now on */
	st = hv_vm_stop(vm->vmid);
	vm_cleared_mib = 0;
	(void)st;
	for (u32 b = 0; b < vm->nblocks; b++) {
		if (vm->blocks[b] == 0) {
			continue;
		}
		st = hv_clear_vm_range(vm->vmid, vm->blocks[b] >> PAGE_SHIFT, BLOCK_SIZE / PAGE_SIZE);
		if (st == HV_OK) {
			palloc_free(vm->blocks[b]);
			vm_cleared_mib += 2;
		} else {
			kept++;
		}
		vm->blocks[b] = 0;
	}
	if (kept != 0) {
		con_printf("vm %s: clear_vm_range refused for %u blocks: not reused\n",
			   vm->cfg.name, kept);
	}
	/* Its UART frame back first: the slot's next VM lends it again even
	 * if the hyp refuses the destroy (the VM then stays off for good). */
	(void)hv_unlend(vm->vmid);
	st = hv_vm_destroy(vm->vmid);
	if (st != HV_OK) {
		con_printf("vm %s: vm_destroy refused (%ld)\n", vm->cfg.name, (long)st);
	}
}

static void free_slot(struct vm *vm)
{
	vm_detach(vm);
	__atomic_store_n(&vm->state, VM_FREE, __ATOMIC_RELEASE);
}

/* vm_create, with the disk of the VM it restarts (or NULL). */
static int create(const struct vm_config *c, struct vm_disk_copy *kept, struct vm **out,
		  char *why, size_t whylen)
{
	struct vm *vm = NULL;
	u32 nblocks = c->memory_mib / 2;
	u64 vmid;
	s64 st;
	int err;

	if (vm_find(c->name) != NULL) {
		fmt_format(why, whylen, "a VM called '%s' exists", c->name);
		return -VM_E_EXISTS;
	}
	for (u32 i = 0; i < VM_MAX && vm == NULL; i++) {
		if (vm_table[i].state == VM_FREE) {
			vm = &vm_table[i];
		}
	}
	if (vm == NULL) {
		fmt_format(why, whylen, "%u VMs exist: no room for more", VM_MAX);
		return -VM_E_NO_SLOT;
	}
	if (!c->on_demand && palloc_free_blocks() < nblocks) {
		fmt_format(why, whylen, "%u MiB asked for, %u MiB free", c->memory_mib,
			   palloc_free_blocks() * 2);
		return -VM_E_NO_MEMORY;
	}
	/* Its RAM, fixed for its life: the I/O window below the kernel's
	 * place, then the rest (loader.c lays it out the same way). */
	st = hv_vm_create(VM_RAM_IPA - ((u64)c->io_window_mib << 20), (u64)nblocks * BLOCK_SIZE,
			  c->pmu ? HV_VM_PMU : 0, &vmid);
	if (st != HV_OK) {
		fmt_format(why, whylen, "vm_create refused (%ld)", (long)st);
		return -VM_E_HYP;
	}
	{
		u32 gen = vm->gen + 1;

		/* Another CPU may still try the slot's lock (vmnet_flush): the
		 * lock itself is not wiped, and is held while the rest is. */
		_Static_assert(offsetof(struct vm, lock) == 0, "the lock comes first");
		spin_lock(&vm->lock);
		memset((u8 *)vm + sizeof(vm->lock), 0, sizeof(*vm) - sizeof(vm->lock));
		vm->gen = gen;
		spin_unlock(&vm->lock);
	}
	vm->cfg = *c;
	vm->vmid = (u32)vmid;
	vm->nblocks = nblocks;
	vm->state = VM_LOADED;
	pl011_reset(&vm->uart);
	spin_lock(&vm->lock);
	vm_uart_update(vm); /* its register frame lent, before any vCPU runs */
	spin_unlock(&vm->lock);
	/* The distributor has as many CPU interfaces as the VM has vCPUs. */
	vgic_init(&vm->gic, vmm_boot->gic_version, c->vcpus);
	err = vm_io_create(vm, kept, why, whylen);
	if (err == 0) {
		err = vm_load(vm, why, whylen);
	}
	for (u32 i = 0; i < c->vcpus && err == 0 && st == HV_OK; i++) {
		st = hv_vcpu_create(vm->vmid, i);
	}
	if (err == 0 && st == HV_OK) {
		st = hv_vcpu_init(vm->vmid, 0, vm->entry, vm->dt_ipa);
	}
	if (err == 0 && st != HV_OK) {
		fmt_format(why, whylen, "vCPU set-up refused (%ld)", (long)st);
		err = -VM_E_HYP;
	}
	if (err != 0) {
		teardown(vm);
		free_slot(vm);
		return err;
	}
	*out = vm;
	return 0;
}

static bool busy(const struct vm *vm);

int vm_stop(struct vm *vm)
{
	if (vm->state != VM_RUNNING || vm->done != NULL) {
		return -VM_E_STATE;
	}
	spin_lock(&vm_run_lock); /* no CPU picks its vCPUs from now on */
	vm->state = VM_STOPPED;
	spin_unlock(&vm_run_lock);
	while (busy(vm)) {
		__asm__ volatile("yield"); /* at most one time slice */
	}
	return 0;
}

int vm_create(const struct vm_config *c, struct vm **out, char *why, size_t whylen)
{
	return create(c, NULL, out, why, whylen);
}

int vm_start(struct vm *vm, char *why, size_t whylen)
{
	s64 st;

	if (vm->state == VM_STOPPED && vm->done == NULL) {
		__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
		vm_kick();
		return 0;
	}
	if (vm->state != VM_LOADED) {
		fmt_format(why, whylen, "vm %s is %s", vm->cfg.name,
			   vm->state == VM_RUNNING ? "running" : "ending");
		return -VM_E_STATE;
	}
	st = hv_vm_start(vm->vmid);
	if (st != HV_OK) {
		fmt_format(why, whylen, "vm_start refused (%ld)", (long)st);
		return -VM_E_HYP;
	}
	vm->vc[0].on = true;
	vm->started_at = vm_counter();
	__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	vm_kick();
	return 0;
}

int vm_destroy(struct vm *vm, const char *reason)
{
	if (vm->state == VM_FREE) {
		return -VM_E_NOT_FOUND;
	}
	spin_lock(&vm->lock);
	if (vm->done == NULL) {
		vm->done = reason;
		vm->end_how = VMCFG_ENDS; /* no policy: destroyed */
		vm->ended_at = vm_counter();
	}
	vm->destroy_asked = true; /* a preserved VM too */
	spin_unlock(&vm->lock);
	return 0;
}

/*
 * Boots an ended VM again from its configuration's images, as VM `c`
 * (vm's slot was freed), with the disk it left (*kept) and its console
 * attached as it was.
 */
static void restart(const struct vm_config *c, struct vm_disk_copy *kept, enum vm_attach how,
		    u32 boots)
{
	char why[96];
	struct vm *vm;

	if (create(c, kept, &vm, why, sizeof(why)) != 0) {
		con_printf("vm %s: not restarted: %s\n", c->name, why);
		vm_io_free_disk(kept);
		return;
	}
	/* Before it runs: its first line goes where the last boot's went. */
	vm->boots = boots;
	if (how != ATTACH_NONE) {
		vm_attach(vm, how);
	}
	con_printf("vm %s: restarted (vm%u), boot %u\n", c->name, vm->vmid, boots + 1);
	if (vm_start(vm, why, sizeof(why)) != 0) {
		con_printf("vm %s: not restarted: %s\n", c->name, why);
		(void)vm_destroy(vm, "not restarted");
	}
}

int vm_ask_end(struct vm *vm, bool reboot, u32 timeout_s, u8 req_type, u32 req_id, char *why,
	       size_t whylen)
{
	const char *what = reboot ? "reboot" : "shutdown";

	if (vm->state != VM_RUNNING || vm->done != NULL) {
		fmt_format(why, whylen, "vm %s is not running", vm->cfg.name);
		return -VM_E_STATE;
	}
	if (vm->end_asked != 0) {
		fmt_format(why, whylen, "vm %s: a %s was asked already", vm->cfg.name,
			   vm->end_asked == 1 + VMCFG_ON_REBOOT ? "reboot" : "shutdown");
		return -VM_E_STATE;
	}
	if (!vm_io_press(vm, reboot ? VINPUT_KEY_RESTART : VINPUT_KEY_POWER)) {
		fmt_format(why, whylen,
			   "vm %s has no power button for a %s: its guest has not brought up its "
			   "virtio input device (VMs with an io_window have one); 'destroy' ends it",
			   vm->cfg.name, what);
		return -VM_E_STATE;
	}
	spin_lock(&vm->lock);
	vm->end_asked = (u8)(1 + (reboot ? VMCFG_ON_REBOOT : VMCFG_ON_POWEROFF));
	vm->end_timeout_s = timeout_s;
	vm->end_asked_at = vm_counter();
	vm->end_deadline =
		timeout_s != 0 ? vm_counter() + (u64)timeout_s * vm_counter_freq() : 0;
	vm->end_req_type = req_type;
	vm->end_req_id = req_id;
	spin_unlock(&vm->lock);
	return 0;
}

/* A VM asked to power off or reboot that is still running at its deadline
 * is destroyed. */
static void end_overdue(struct vm *vm)
{
	if (vm->state != VM_RUNNING || vm->done != NULL || vm->end_deadline == 0 ||
	    vm_counter() < vm->end_deadline) {
		return;
	}
	con_printf("vm %s: did not %s within %u s: destroyed\n", vm->cfg.name,
		   vm->end_asked == 1 + VMCFG_ON_REBOOT ? "reboot" : "power off",
		   vm->end_timeout_s);
	(void)vm_destroy(vm, "destroyed at the timeout");
}

/* The answers to control requests that asked VMs to end, until the
 * control server takes them (vm_end_answer). */
static struct vm_end_answer answers[VM_MAX];
static u32 nanswers;

bool vm_end_answer(struct vm_end_answer *out)
{
	if (nanswers == 0) {
		return false;
	}
	*out = answers[0];
	memmove(answers, answers + 1, --nanswers * sizeof(answers[0]));
	return true;
}

/* Keeps the answer to the control request that asked vm to end, if one
 * did: how it ended and what became of it. */
static void answer_end(struct vm *vm, const char *became)
{
	struct vm_end_answer *a;
	char *text;
	bool reboot = vm->end_asked == 1 + VMCFG_ON_REBOOT;
	bool as_asked = vm->end_how < VMCFG_ENDS && vm->end_asked == 1 + vm->end_how;
	bool timed_out = vm->end_deadline != 0 && vm->ended_at >= vm->end_deadline;
	u64 ms = (vm->ended_at - vm->end_asked_at) / (vm_counter_freq() / 1000);

	if (vm->end_req_type == 0 || nanswers == ARRAY_SIZE(answers)) {
		return; /* (one request per VM: never full) */
	}
	a = &answers[nanswers];
	text = a->text;
	if (as_asked) {
		fmt_format(text, sizeof(a->text), "vm %s: %s %lu.%lu s after its %s key was pressed: %s",
			   vm->cfg.name, vm->done, (unsigned long)(ms / 1000),
			   (unsigned long)(ms % 1000 / 100), reboot ? "restart" : "power", became);
	} else if (timed_out) {
		fmt_format(text, sizeof(a->text), "vm %s: did not %s within %u s: destroyed",
			   vm->cfg.name, reboot ? "reboot" : "power off", vm->end_timeout_s);
	} else {
		fmt_format(text, sizeof(a->text), "vm %s: %s instead of %s: %s", vm->cfg.name,
			   vm->done, reboot ? "rebooting" : "powering off", became);
	}
	a->type = vm->end_req_type;
	a->id = vm->end_req_id;
	a->status = as_asked ? 0 : timed_out ? -CTL_E_TIMEOUT : -CTL_E_ENDED;
	nanswers++;
	vm->end_req_type = 0;
}

static bool busy(const struct vm *vm)
{
	for (u32 v = 0; v < VM_MAX_VCPUS; v++) {
		if (__atomic_load_n(&vm->vc[v].busy, __ATOMIC_ACQUIRE)) {
			return true;
		}
	}
	return false;
}

void vm_reap(void)
{
	struct vm_disk_copy kept;

	for (u32 i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vm_table[i];
		u32 cpus = 0;
		u64 t0;
		u64 t1;

		enum vmcfg_action action;

		end_overdue(vm);
		if (vm->state == VM_FREE || vm->done == NULL ||
		    (vm->preserved && !__atomic_load_n(&vm->destroy_asked, __ATOMIC_ACQUIRE))) {
			continue;
		}
		spin_lock(&vm_run_lock); /* no CPU picks its vCPUs from now on */
		vm->state = VM_ENDED;
		spin_unlock(&vm_run_lock);
		while (busy(vm)) {
			__asm__ volatile("yield"); /* at most one time slice */
		}
		if (vm->linelen != 0) {
			vm_console_out(vm, "\n", 1);
		}
		/* What its configuration says for the way it ended (on_poweroff,
		 * on_reboot, on_crash); a VM the VMM ended is destroyed. */
		action = vm->end_how < VMCFG_ENDS && !vm->destroy_asked
				 ? (enum vmcfg_action)vm->cfg.on[vm->end_how]
				 : VMCFG_DESTROY;
		if (action == VMCFG_PRESERVE) {
			answer_end(vm, "preserved");
			vm->preserved = true;
			vm_detach(vm); /* the prompt comes back; `console` still shows it */
			con_printf("vm %s: %s after %lu exits: preserved, its memory as it was "
				   "('destroy %s' ends it)\n",
				   vm->cfg.name, vm->done, (unsigned long)vm->exits, vm->cfg.name);
			continue;
		}
		for (u32 c = 0; c < VMM_MAX_CPUS; c++) {
			cpus += vm->cpu_exits[c] != 0;
		}
		if (action == VMCFG_RESTART) {
			vm_io_take_disk(vm, &kept); /* no device runs: the VM has ended */
		}
		answer_end(vm, action == VMCFG_RESTART ? "restarted" : "destroyed");
		t0 = vm_counter();
		teardown(vm);
		t1 = vm_counter();
		con_printf("vm %s: %s after %lu exits on %u CPUs (vm%u); %u MiB cleared in %lu us\n",
			   vm->cfg.name, vm->done, (unsigned long)vm->exits, cpus, vm->vmid,
			   vm_cleared_mib, (unsigned long)((t1 - t0) / (vm_counter_freq() / 1000000)));
		if (action == VMCFG_RESTART) {
			struct vm_config c = vm->cfg;
			enum vm_attach how = vm->attach;
			u32 boots = vm->boots + 1;

			free_slot(vm);
			restart(&c, &kept, how, boots);
		} else {
			free_slot(vm);
		}
	}
}
