/*
 * A VM's exits, served by the VMM CPU that ran the vCPU: MMIO to the
 * emulated GIC distributor, PL011, test device and virtio devices
 * (vmio.h); WFI; SGIs; stage-2 faults in RAM not yet given (memory on
 * demand: the hyp reports them with no data); the guest's power changes,
 * which the hyp made (PSCI); and faults that end the VM. An access where
 * nothing is emulated is refused: the guest takes an external abort.
 */
#include <arm/sgi1r.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/guestmem.h>
#include <vmm/hostile.h>
#include <vmm/loader.h>
#include <vmm/vmcon.h>
#include <vmm/vmexit.h>
#include <vmm/vmio.h>
#include <vmm/vmirq.h>
#include <vmm/vmm.h>

#define MAX_EXITS UINT64_C(1000000000)
/* A vCPU whose run the hyp refuses (HV_E_BUSY) is tried again every
 * REFUSAL_RETRY_MS; REFUSALS_MAX refusals in a row end its VM. */
#define REFUSAL_RETRY_MS 1
#define REFUSALS_MAX 1000
#define TESTDEV_PATTERN UINT64_C(0xf1e2d3c4b5a69788)

/* The VMM reads a guest word through its own mapping (only if granted). */
static u64 probe_guest(struct vm *vm, u64 gpa)
{
	u64 off = gpa - vm->ram_ipa;
	u64 val = 0;

	if (!vm_ram_range(vm, gpa, 8) || (gpa & 7) != 0 || vm->blocks[off / BLOCK_SIZE] == 0) {
		return 0;
	}
	if (probe_read64(vm->blocks[off / BLOCK_SIZE] + off % BLOCK_SIZE, &val) != 0) {
		return 0;
	}
	return val;
}

/* Makes SGI intid pending on each vCPU of `targets` that has it enabled. */
static void send_sgi(struct vm *vm, u32 targets, u32 intid)
{
	for (u32 t = 0; t < vm->cfg.vcpus; t++) {
		if ((targets & (1U << t)) != 0 && vm->vc[t].on &&
		    vgic_deliverable(&vm->gic, t, intid)) {
			/* Injected before its next run, which it now needs. */
			vm->vc[t].pending_irqs |= UINT64_C(1) << intid;
			vm_wake_vcpu(vm, t);
		}
	}
}

/* GICv3: a guest's ICC_SGI1R_EL1 write (arm/sgi1r.h). The hyp posted it
 * already to the targets in `posted` (HV_FN_SGI_DIRECT): those only need
 * to run. */
static void sgi1r(struct vm *vm, u32 self, u64 v, u64 posted)
{
	u32 intid = SGI1R_INTID(v);
	u32 targets = sgi1r_targets(v, self, (1U << vm->cfg.vcpus) - 1);

	for (u32 t = 0; t < vm->cfg.vcpus; t++) {
		if ((targets & posted & (1U << t)) != 0 && t != self && vm->vc[t].on) {
			vm_wake_vcpu(vm, t);
		}
	}
	send_sgi(vm, targets & ~(u32)posted, intid);
}

/* After the guest changed enables or routing: lines already high are
 * queued now. */
static void irq_lines_update(struct vm *vm)
{
	/* The UART's state did not change: its line only, not its frame. */
	vm_irq_line(vm, VM_UART_INTID, pl011_mis(&vm->uart) != 0, &vm->uart_irq_raised);
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		vm_irq_line(vm, VM_VIRTIO_INTID + s, virtio_mmio_irq(&vm->vdev[s].mmio),
			    &vm->vdev[s].irq_raised);
	}
}

/* How many VMs (ended ones too, until torn down) have reached the test
 * device's barrier: a copy that ran ahead and ended still counts. */
static u64 at_barrier(void)
{
	u64 n = 0;

	for (u32 i = 0; i < VM_MAX; i++) {
		const struct vm *o = &vm_table[i];

		n += o->state != VM_FREE && __atomic_load_n(&o->at_barrier, __ATOMIC_ACQUIRE);
	}
	return n;
}

static void testdev(struct vm *vm, u32 self, u64 off, u64 size, bool write, u64 val, u64 *out)
{
	if (write && off == 0x000) {
		vm->dev_value = val;
		vm->dev_size = size;
	} else if (write && off == 0x200) {
		vm->probe = probe_guest(vm, val);
	} else if (write && off == 0x318) {
		/* "Type" up to 8 bytes into the guest's UART. */
		for (u32 b = 0; b < 8 && ((val >> (8 * b)) & 0xff) != 0; b++) {
			(void)pl011_receive(&vm->uart, (u8)(val >> (8 * b)));
		}
		vm_uart_update(vm);
	} else if (write && off == 0x320) {
		/* Test guests that wait for each other (isolation). */
		__atomic_store_n(&vm->at_barrier, true, __ATOMIC_RELEASE);
	} else if (!write) {
		*out = off == 0x000   ? TESTDEV_PATTERN
		       : off == 0x100 ? vm->dev_value
		       : off == 0x108 ? vm->dev_size
		       : off == 0x208 ? vm->probe
		       : off == 0x300 ? vm->vmid
		       : off == 0x310 ? vmm_boot->gic_version
		       : off == 0x320 ? at_barrier()
		       : off == 0x328 ? vm->sgi_exits
		       : off == 0x330 ? vm->mmio_exits[VM_MMIO_UART_FR] + vm->mmio_exits[VM_MMIO_UART]
		       : off == 0x338 ? vm->boots
				      : 0;
	}
	if (write && off == 0x308) {
		vm->vc[self].yielded = true; /* its CPU looks for another vCPU */
	}
}

/* Emulates an MMIO access; returns false for an address nothing serves. */
static bool mmio(struct vm *vm, u32 self, u64 ipa, u64 size, bool write, u64 val, u64 *out)
{
	*out = 0;
	if (ipa >= VM_GICD_IPA && ipa < VM_GICD_IPA + VM_GICD_SIZE) {
		struct vgic_sgi sgi;

		vm->mmio_exits[VM_MMIO_GIC]++;
		*out = vgic_dist_access(&vm->gic, self, ipa - VM_GICD_IPA, (u32)size, write, val,
					&sgi);
		if (sgi.targets != 0) {
			send_sgi(vm, sgi.targets, sgi.intid);
		}
		irq_lines_update(vm); /* enables or routing may have changed */
		vm_sgi_direct_update(vm);
		return true;
	}
	if (vm->gic.version == 3 && ipa >= VM_GICR_IPA &&
	    ipa < VM_GICR_IPA + (u64)vm->cfg.vcpus * VGIC_REDIST_STRIDE) {
		vm->mmio_exits[VM_MMIO_GIC]++;
		*out = vgic_redist_access(&vm->gic, ipa - VM_GICR_IPA, (u32)size, write, val);
		if (write) {
			vm_sgi_direct_update(vm);
		}
		return true;
	}
	if (ipa >= VM_UART_IPA && ipa < VM_UART_IPA + PAGE_SIZE) {
		char buf[64];
		u32 n;

		vm->mmio_exits[!write && ipa - VM_UART_IPA == PL011_FR ? VM_MMIO_UART_FR
								       : VM_MMIO_UART]++;
		*out = pl011_access(&vm->uart, ipa - VM_UART_IPA, write, (u32)val);
		while ((n = pl011_take_tx(&vm->uart, buf, sizeof(buf))) != 0) {
			vm_console_out(vm, buf, n);
		}
		vm_uart_update(vm);
		return true;
	}
	if (ipa >= VM_TESTDEV_IPA && ipa < VM_TESTDEV_IPA + PAGE_SIZE) {
		vm->mmio_exits[VM_MMIO_TESTDEV]++;
		testdev(vm, self, ipa - VM_TESTDEV_IPA, size, write, val, out);
		return true;
	}
	vm->mmio_exits[VM_MMIO_OTHER]++;
	return vm_io_mmio(vm, ipa, size, write, val, out);
}

static void end(struct vm *vm, const char *why);
static void end_as(struct vm *vm, u32 how, const char *why);

/*
 * A power change the guest made (PSCI, served by the hyp): schedule what
 * is now on, stop running what is off, end the VM on SYSTEM_OFF/RESET.
 */
static void power_exit(struct vm *vm, struct gvcpu *vc, u64 event, u64 target)
{
	if (event == HV_POWER_CPU_ON && target < vm->cfg.vcpus) {
		struct gvcpu *t = &vm->vc[target];

		/* A fresh start, but busy, cpu and in_guest stay: they are its
		 * runner's, which may still be leaving the run that ended in
		 * its CPU_OFF (and stores busy without this lock). */
		t->waiting = false;
		t->wake_at = 0;
		t->pending_irqs = 0;
		t->flags = 0;
		memset(t->reply, 0, sizeof(t->reply));
		t->retry_at = 0;
		t->yielded = false;
		t->woken = false;
		t->refusals = 0;
		/* Its CPU_OFF exit not served yet (so it is on still, and
		 * busy): that exit must not turn it off again. */
		t->off_pending_on = t->on && t->busy;
		t->on = true;
		vm_kick();
	} else if (event == HV_POWER_CPU_OFF) {
		bool any = false;

		if (vc->off_pending_on) {
			vc->off_pending_on = false; /* turned on again already */
			return;
		}
		vc->on = false;
		for (u32 v = 0; v < vm->cfg.vcpus; v++) {
			any = any || vm->vc[v].on;
		}
		if (!any) {
			end(vm, "all vCPUs off");
		}
	} else if (event == HV_POWER_SYSTEM_OFF || event == HV_POWER_SYSTEM_RESET) {
		end_as(vm, event == HV_POWER_SYSTEM_OFF ? VMCFG_ON_POWEROFF : VMCFG_ON_REBOOT,
		       event == HV_POWER_SYSTEM_OFF ? "powered off" : "reset");
	} else {
		end(vm, "unknown power event");
	}
}

/* Ends the VM (torn down by vm_reap) the way `how` (a vmcfg_end, whose
 * policy applies, or VMCFG_ENDS), for the reason why. */
static void end_as(struct vm *vm, u32 how, const char *why)
{
	if (vm->done == NULL) {
		vm->done = why;
		vm->end_how = (u8)how;
		vm->ended_at = vm_counter();
	}
}

static void end(struct vm *vm, const char *why)
{
	end_as(vm, VMCFG_ENDS, why);
}

/*
 * A stage-2 fault (reported as an abort, or as MMIO if it had a syndrome):
 * RAM not given yet (memory on demand), or nothing there.
 */
/*
 * A vCPU whose aborts keep coming back at one address with nothing else
 * between (its exception vector itself faults: the abort the VMM gives it
 * cannot be taken) has crashed; no guest handles that many in a row.
 */
#define CRASH_ABORTS 1000

static void abort_exit(struct vm *vm, struct gvcpu *vc, u64 ipa)
{
	u64 off = ipa - vm->ram_ipa;

	if (vm_ram_range(vm, ipa, 1)) {
		u32 b = (u32)(off / BLOCK_SIZE);

		if (vm->blocks[b] != 0 || vm_give_block(vm, b)) {
			vc->flags = HV_RUN_RETRY; /* given (maybe by another vCPU's fault) */
			return;
		}
		if (vm_log_allowed(vm)) {
			con_printf("vm %s: out of memory for IPA 0x%lx: the access is refused\n",
				   vm->cfg.name, (unsigned long)ipa);
		}
	} else {
		if (vm_log_allowed(vm)) {
			con_printf("vm %s: access at IPA 0x%lx refused: no memory there\n",
				   vm->cfg.name, (unsigned long)ipa);
		}
	}
	vc->flags = HV_RUN_ABORT;
	vc->aborts = vc->abort_ipa == ipa ? vc->aborts + 1 : 1;
	vc->abort_ipa = ipa;
	if (vc->aborts == CRASH_ABORTS) {
		con_printf("vm %s: vCPU %lu: %u aborts in a row at IPA 0x%lx: its exceptions "
			   "fault, it has crashed\n",
			   vm->cfg.name, (unsigned long)(vc - vm->vc), CRASH_ABORTS,
			   (unsigned long)ipa);
		end_as(vm, VMCFG_ON_CRASH, "crashed");
	}
}

void vm_handle_exit(struct vm *vm, u32 i, const struct hv_exit *e)
{
	struct gvcpu *vc = &vm->vc[i];

	if (e->status == HV_E_BUSY && ++vc->refusals < REFUSALS_MAX) {
		/* Not run, and its pending exit not completed: the hyp has
		 * stopped the VM (a vCPU's SYSTEM_OFF or RESET, whose exit
		 * another VMM CPU may not have served yet) or this CPU has an
		 * SError to take first. Tried again with the same reply; a
		 * refusal that lasts ends the VM. */
		vc->retry_at = vm_counter() + vm_counter_freq() / 1000 * REFUSAL_RETRY_MS;
		return;
	}
	if (e->status != HV_OK) {
		end(vm, "vcpu_run refused");
		return;
	}
	vc->refusals = 0;
	vc->yielded = false;
	vc->flags = 0;
	_Static_assert(ARRAY_SIZE(vc->reply) == 4, "the reply's words");
	vc->reply[0] = 0; /* stores, not a call to memset */
	vc->reply[1] = 0;
	vc->reply[2] = 0;
	vc->reply[3] = 0;
	vm->cpu_exits[vmm_cpu() % VMM_MAX_CPUS]++;
	vc->exits++;
	vc->last_exit = (u32)e->reason;
	if (e->reason != HV_EXIT_ABORT) {
		vc->aborts = 0; /* something else came between */
	}
	vm->reason_exits[e->reason < ARRAY_SIZE(vm->reason_exits) ? e->reason : 0]++;
	if (++vm->exits >= MAX_EXITS) {
		end(vm, "too many exits");
		return;
	}
	switch (e->reason) {
	case HV_EXIT_MMIO:
		if (vm_ram_range(vm, e->mmio.ipa, 1)) {
			/* Never: the hyp reports faults in RAM as HV_EXIT_ABORT,
			 * with no value (its MMIO guard). Counted; a test build
			 * answers a load as a hostile VMM would, with a marker
			 * the guest must never see. */
			vm->ram_mmio_exits++;
			vc->reply[0] = CONFIG_TEST_HOOKS ? UINT64_C(0x484f5354494c4521) : 0;
			vc->flags = CONFIG_TEST_HOOKS ? 0 : HV_RUN_ABORT;
		} else if (!mmio(vm, i, e->mmio.ipa, e->mmio.size_flags & 0xff,
				 (e->mmio.size_flags & HV_MMIO_WRITE) != 0, e->mmio.value,
				 &vc->reply[0])) {
			if (vm_log_allowed(vm)) {
				con_printf("vm %s: MMIO at IPA 0x%lx refused: no device there\n",
					   vm->cfg.name, (unsigned long)e->mmio.ipa);
			}
			vc->flags = HV_RUN_ABORT;
		}
		break;
	case HV_EXIT_HVC:
		/* PSCI, SMCCC and TRNG are the hyp's; the VMM offers no calls of
		 * its own yet. A test build may answer as a hostile VMM would. */
#if CONFIG_TEST_HOOKS
		if (hostile_hvc_answer(vm, e->hvc.x[0], vc->reply)) {
			break;
		}
#endif
		vc->reply[0] = (u64)(s64)HV_E_NOT_SUPPORTED;
		break;
	case HV_EXIT_POWER:
		power_exit(vm, vc, e->power.event, e->power.vcpu);
		break;
	case HV_EXIT_WFI:
		/* An interrupt queued while it ran ends the wait at once: one
		 * not injected yet is before the next run, one injected during
		 * the run (woken) may have come after the guest's WFI. */
		vc->waiting = vc->pending_irqs == 0 && !vc->woken;
		vc->wake_at = e->wfi.timer_deadline;
		break;
	case HV_EXIT_SGI:
		vm->sgi_exits++;
		sgi1r(vm, i, e->sgi.sgi1r, e->sgi.posted);
		break;
	case HV_EXIT_IRQ:
		break; /* end of its time slice: the next vCPU's turn */
	case HV_EXIT_ABORT:
		abort_exit(vm, vc, e->abort.ipa);
		break;
	case HV_EXIT_FAULT:
		con_printf("vm %s: vCPU %u: unhandled exception, ESR 0x%lx\n", vm->cfg.name, i,
			   (unsigned long)e->fault.esr);
		end_as(vm, VMCFG_ON_CRASH, "stopped by a fault");
		break;
	default:
		end(vm, "unknown exit");
		break;
	}
}
