/*
 * Virtual CPUs and the world switch. See hyp/vcpu.h.
 *
 * The switch copies no frame of the VMM's: running a vCPU leaves the
 * VMM's frame (its HVC) on this CPU's EL2 stack and returns through the
 * vCPU's saved registers (vcpu_resume, entry.S's lower_resume), so the
 * exception return enters the guest, whose exceptions then save their
 * frames straight into those registers; an exit saves the rest, writes
 * the exit record into the VMM's x0..x6 and returns through the
 * VMM's frame, so the return completes its HVC. The VMM sees nothing of
 * the guest but that record.
 */
#include <arm/esr.h>
#include <generated/autoconf.h>
#include <hyp/arch.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include "vcpu_priv.h"

/* Guest reset state: EL1h, DAIF masked; SCTLR_EL1 RES1 with MMU and caches
 * off; CPACR_EL1.FPEN = 0b11 (FP/SIMD usable at EL1 and EL0). */
#define GUEST_PSTATE 0x3c5
#define GUEST_SCTLR UINT64_C(0x30d00800)
#define GUEST_CPACR (UINT64_C(3) << 20)

/*
 * FP/SIMD registers are switched lazily: a guest's exit saves them but
 * leaves them in place, with the VMM's accesses trapped, so that the same
 * vCPU's next run on this CPU need not load them (fp_live, fp_live_gen:
 * whose values they are, as of which save). The VMM's first FP access
 * zeroes them (vcpu_host_fp). Generations come from one counter, so a
 * vCPU slot reused by another VM never matches an old one.
 */
static u64 fp_gen_last;

static u64 fp_gen_new(void)
{
	return __atomic_add_fetch(&fp_gen_last, 1, __ATOMIC_RELAXED);
}

struct pcpu {
	struct vcpu *current;
	/* The VMM's frame of its VCPU_RUN, left on this CPU's EL2 stack
	 * while the vCPU runs: the exit record goes there. */
	struct trap_frame *vmm_frame;
	/* Set by a world switch: the frame the return goes through. */
	struct trap_frame *resume;
	const struct vcpu *fp_live; /* the registers hold its fp (or NULL) */
	/* A kick (wake SGI) came while the VMM ran: it was meant for the
	 * run or the sleep the VMM was about to start. The next run must not
	 * wait in the guest; the next CPU_IDLE returns at once. Either
	 * spends it: the VMM looks at its vCPUs again after both. */
	bool kicked;
	/* Set before a wake SGI that ends the run (vcpu_kick_cpu); a wake
	 * without it only brings injected interrupts in. */
	bool exit_req;
	u64 fp_live_gen;            /* ... as of this generation */
	struct el1_sysregs vmm_sys;
	struct pmu_state vmm_pmu;     /* while a vCPU with a PMU runs */
	struct pmu_stopped vmm_stop; /* while one without runs */
};

static struct vcpu vcpus[CONFIG_MAX_VMS + 1][HV_MAX_VCPUS];
/* HV_VM_* flags of each VM, from its VM_CREATE (under vcpu_lock). */
static u64 vm_flags[CONFIG_MAX_VMS + 1];
static struct pcpu pcpus[CONFIG_MAX_CPUS];
/* The VM whose vCPU each physical CPU runs (0: none), for stop's kicks. */
static u32 pcpu_vmid[CONFIG_MAX_CPUS];
spinlock_t vcpu_lock;
/* Per CPU, while a guest runs: the EL2 stack under its exception (entry.S). */
u64 hyp_guest_stack[CONFIG_MAX_CPUS];

struct vcpu *vcpu_current(void)
{
	return pcpus[arch_cpu_index()].current;
}

struct vcpu *vcpu_lookup(u32 vmid, u64 index)
{
	if (vmid == 0 || vmid > CONFIG_MAX_VMS || index >= HV_MAX_VCPUS) {
		return NULL;
	}
	return &vcpus[index_nospec(vmid, CONFIG_MAX_VMS + 1)][index_nospec(index, HV_MAX_VCPUS)];
}

s64 vcpu_create(u32 vmid, u64 index)
{
	struct vcpu *v = vcpu_lookup(vmid, index);
	s64 ret = HV_OK;

	spin_lock(&vcpu_lock);
	if (mem_vm_state(vmid) == VM_FREE) {
		ret = HV_E_NOT_FOUND;
	} else if (v == NULL) {
		ret = HV_E_INVALID;
	} else if (mem_vm_state(vmid) != VM_CREATED || v->state != VCPU_NONE) {
		ret = HV_E_BUSY;
	} else {
		memset(v, 0, sizeof(*v));
		v->state = VCPU_OFF;
		v->vmid = vmid;
		v->index = (u32)index;
		v->has_pmu = (vm_flags[index_nospec(vmid, CONFIG_MAX_VMS + 1)] & HV_VM_PMU) != 0;
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

void vcpu_reset(struct vcpu *v, u64 entry, u64 x0)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->sys, 0, sizeof(v->sys));
	memset(&v->fp, 0, sizeof(v->fp));
	v->fp_gen = fp_gen_new();
	memset(&v->pmu, 0, sizeof(v->pmu)); /* every counter off */
	v->regs.x[0] = x0;
	v->regs.elr = entry;
	v->regs.spsr = GUEST_PSTATE;
	v->sys.sctlr = GUEST_SCTLR;
	v->sys.cpacr = GUEST_CPACR;
	v->pending = PENDING_NONE;
	v->vtimer_owed = false;
	v->power_off = false;
	v->state = VCPU_ON;
}

/* Whether a vCPU of v's VM other than v is on (under vcpu_lock). */
static bool another_on(const struct vcpu *v)
{
	for (u32 i = 0; i < HV_MAX_VCPUS; i++) {
		const struct vcpu *o = &vcpus[v->vmid][i];

		if (o != v && o->state == VCPU_ON) {
			return true;
		}
	}
	return false;
}

s64 vcpu_init(u32 vmid, u64 index, u64 entry, u64 x0)
{
	struct vcpu *v = vcpu_lookup(vmid, index);
	s64 ret = HV_OK;

	spin_lock(&vcpu_lock);
	if (mem_vm_state(vmid) == VM_FREE) {
		ret = HV_E_NOT_FOUND;
	} else if (v == NULL || v->state == VCPU_NONE) {
		ret = HV_E_INVALID;
	} else if (mem_vm_state(vmid) != VM_CREATED) {
		/* Once the VM has started, only the guest starts its vCPUs
		 * (PSCI CPU_ON): the VMM never sets a PC or a register. */
		ret = HV_E_BUSY;
	} else if (another_on(v)) {
		ret = HV_E_BUSY; /* one boot vCPU: the guest starts the others */
	} else if ((entry & 3) != 0 || !mem_vm_in_ram(vmid, ipa_of(entry)) ||
		   !mem_vm_maps(vmid, ipa_of(entry))) {
		ret = HV_E_DENIED; /* must start in memory the VM owns */
	} else {
		vcpu_reset(v, entry, x0);
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

s64 vcpu_vm_create(const struct mem_vm_layout *l, u64 flags, u32 *vmid)
{
	s64 ret;

	/* Under vcpu_lock, as destroy: no vCPU call can fall between a
	 * destroy and the wipe of its vCPUs. */
	spin_lock(&vcpu_lock);
	ret = mem_vm_create(l, vmid);
	if (ret == HV_OK) {
		vm_flags[*vmid] = flags;
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

s64 vcpu_vm_destroy(u32 vmid)
{
	s64 ret;

	spin_lock(&vcpu_lock);
	ret = mem_vm_destroy(vmid);
	if (ret == HV_OK) {
		/* In the same critical section: the VMID can be reused only
		 * once its vCPUs' registers are gone. No CPU runs one: destroy
		 * needs every vCPU to have left (a CPU's FP/SIMD registers may
		 * still hold one's last values, trapped for the VMM, until the
		 * VMM's first FP access zeroes them or a run loads others). */
		memset(vcpus[index_nospec(vmid, CONFIG_MAX_VMS + 1)], 0, sizeof(vcpus[0]));
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

/* Loads of the count between two rounds of kicks while stopping. */
#define STOP_SPIN 4096
/* The longest VM_STOP waits for vCPUs to leave: four time slices. */
#define STOP_WAIT_US (4 * CONFIG_VCPU_SLICE_US)

s64 vcpu_vm_stop(u32 vmid)
{
	u32 self = arch_cpu_index();
	u64 until;
	s64 ret = mem_vm_stop(vmid);

	if (ret != HV_OK) {
		return ret;
	}
	/* Claims run under vcpu_lock: once we had it, every claim that may
	 * have read the VM running has counted itself (or given up). */
	spin_lock(&vcpu_lock);
	spin_unlock(&vcpu_lock);
	/* The bound counts from here: the time spent waiting for the locks
	 * (other CPUs' calls) is not the vCPUs' time to leave. */
	until = arch_counter() + arch_counter_freq() / 1000000 * STOP_WAIT_US;
	/*
	 * No vCPU of the VM enters from now on. Those on a CPU leave at
	 * their next exit, at the latest when their time slice ends; a wake
	 * SGI makes it sooner (an interrupt taken while a guest runs ends
	 * its run). Then no TLB entry of the VM may stay. The wait is
	 * bounded all the same (a CPU lost at EL2 with a vCPU would keep the
	 * count up for good): BUSY then, and clear and destroy keep
	 * refusing while the count is up. If the VM went meanwhile
	 * (destroyed by another CPU, which needs the count at zero), the
	 * stop is done.
	 */
	while (mem_vm_loaded(vmid) != 0 && mem_vm_state(vmid) == VM_OFF) {
		if (arch_counter() > until) {
			return HV_E_BUSY;
		}
		for (u32 c = 0; c < CONFIG_MAX_CPUS; c++) {
			if (c != self && __atomic_load_n(&pcpu_vmid[c], __ATOMIC_SEQ_CST) == vmid) {
				vcpu_kick_cpu(c);
			}
		}
		for (u32 i = 0; i < STOP_SPIN && mem_vm_loaded(vmid) != 0; i++) {
			arch_relax();
		}
	}
	mem_vm_flush(vmid);
	return HV_OK;
}

/* Writes an MMIO read's value to its register, as the load would have. */
static void complete_read(struct vcpu *v, u64 value)
{
	u32 bits = v->mmio_size * 8;

	if (bits < 64) {
		value &= (UINT64_C(1) << bits) - 1;
		if (v->mmio_sext && (value >> (bits - 1)) != 0) {
			value |= ~((UINT64_C(1) << bits) - 1);
		}
	}
	if (!v->mmio_sf) {
		value &= 0xffffffffU;
	}
	if (v->mmio_reg != 31) {
		v->regs.x[v->mmio_reg] = value;
	}
}

/*
 * Completes the exit the vCPU left pending with the VMM's reply; each
 * reply answers only its own kind of exit. An MMIO read takes the value,
 * a call addressed to the VMM takes x0..x3; ABORT refuses an access
 * (emulated or not), RETRY runs again only an access that had no data
 * for the VMM (memory given meanwhile). Anything else is refused.
 */
static s64 complete_pending(struct vcpu *v, const struct trap_frame *f, bool retry,
			    bool abort)
{
	bool access = v->pending == PENDING_MMIO_READ || v->pending == PENDING_MMIO_WRITE ||
		      v->pending == PENDING_RETRY;

	if (abort) {
		if (retry || !access) {
			return HV_E_INVALID;
		}
		/* The abort is injected once the guest's registers are live. */
	} else if (retry || v->pending == PENDING_RETRY) {
		if (!retry || v->pending != PENDING_RETRY) {
			return HV_E_INVALID;
		}
	} else if (v->pending == PENDING_MMIO_READ) {
		complete_read(v, f->x[3]);
		v->regs.elr += 4;
	} else if (v->pending == PENDING_MMIO_WRITE) {
		v->regs.elr += 4;
	} else if (v->pending == PENDING_HVC) {
		for (u32 i = 0; i < 4; i++) {
			v->regs.x[i] = f->x[3 + i];
		}
	}
	v->pending = PENDING_NONE;
	return HV_OK;
}

/*
 * Writes exit e to x0..x6: the status, the reason, the words of the detail
 * the reason names, and zeros after them. Only those words are copied, so
 * the rest of the union, which C leaves unspecified when a caller names
 * one member, never reaches the VMM.
 */
static void put_exit(struct trap_frame *f, const struct hv_exit *e)
{
	static const u8 words[] = {
		[HV_EXIT_MMIO] = 3, [HV_EXIT_ABORT] = 2, [HV_EXIT_HVC] = 5,
		[HV_EXIT_WFI] = 1,  [HV_EXIT_FAULT] = 1, [HV_EXIT_SGI] = 2,
		[HV_EXIT_IRQ] = 1,  [HV_EXIT_POWER] = 2,
	};
	u64 n = e->reason < ARRAY_SIZE(words) ? words[e->reason] : 0;

	f->x[0] = (u64)e->status;
	f->x[1] = e->reason;
	for (u64 i = 0; i < ARRAY_SIZE(e->raw); i++) {
		f->x[2 + i] = i < n ? e->raw[i] : 0;
	}
}

/* Claims vCPU v of vmid for this CPU (under vcpu_lock): the usual case
 * first, then a refusal's reason (destroy wipes a free VM's vCPUs). */
static s64 claim(struct vcpu *v, u32 vmid, u64 flags)
{
	const u64 known = HV_RUN_RETRY | HV_RUN_ABORT | HV_RUN_WAIT_IN_GUEST;

	if (v != NULL && v->state == VCPU_ON && (flags & ~known) == 0 &&
	    __atomic_load_n(&v->running, __ATOMIC_ACQUIRE) == 0 && mem_vm_enter(vmid)) {
		/* The CPU first: a guest's SGI posts without vcpu_lock, and
		 * wakes the CPU it reads once it sees the vCPU running. */
		__atomic_store_n(&v->cpu, arch_cpu_index(), __ATOMIC_RELAXED);
		__atomic_store_n(&v->running, 1, __ATOMIC_SEQ_CST);
		return HV_OK;
	}
	if (mem_vm_state(vmid) == VM_FREE) {
		return HV_E_NOT_FOUND;
	}
	if (v == NULL || v->state == VCPU_NONE || (flags & ~known) != 0) {
		return HV_E_INVALID;
	}
	return HV_E_BUSY; /* off, dead, on another CPU, or its VM not running */
}

/*
 * Gives a claimed vCPU up (after its state is saved). A vCPU that called
 * PSCI CPU_OFF becomes off in the same critical section, so whoever sees
 * it off also sees it no longer claimed. The VM's count goes last: once
 * it is zero no CPU touches any of the VM's vCPUs. Returns whether an
 * interrupt injected for it is still to be delivered (read after running
 * is 0: a poster, IRQ_INJECT's or a guest's SGI's, posts before it reads
 * running).
 */
static bool release(struct vcpu *v)
{
	u32 vmid = v->vmid;
	bool posted;

	__atomic_store_n(&pcpu_vmid[arch_cpu_index()], 0, __ATOMIC_SEQ_CST);
	if (v->power_off) {
		spin_lock(&vcpu_lock);
		v->power_off = false;
		v->state = VCPU_OFF;
		__atomic_store_n(&v->running, 0, __ATOMIC_SEQ_CST);
		spin_unlock(&vcpu_lock);
	} else {
		__atomic_store_n(&v->running, 0, __ATOMIC_SEQ_CST);
	}
	posted = __atomic_load_n(&v->posted_words, __ATOMIC_SEQ_CST) != 0;
	mem_vm_leave(vmid);
	return posted;
}

void vcpu_run(struct trap_frame *f)
{
	u32 vmid = f->x[1] <= HV_MAX_VMS ? (u32)f->x[1] : UINT32_MAX;
	u64 flags = f->x[2] & ~HV_RUN_VCPU_MASK;
	struct vcpu *v = vcpu_lookup(vmid, f->x[2] & HV_RUN_VCPU_MASK);
	u32 self = arch_cpu_index();
	struct pcpu *pc = &pcpus[self];
	s64 ret;

	if (arch_vmm_serror_pending()) {
		/* A virtual SError the VMM has not taken yet (it has them
		 * masked): a guest's run would drop it. */
		f->x[0] = (u64)HV_E_BUSY;
		return;
	}
	spin_lock(&vcpu_lock);
	ret = claim(v, vmid, flags);
	spin_unlock(&vcpu_lock);
	if (ret == HV_OK) {
		ret = complete_pending(v, f, (flags & HV_RUN_RETRY) != 0,
				       (flags & HV_RUN_ABORT) != 0);
		if (ret != HV_OK) {
			(void)release(v);
		}
	}
	if (ret != HV_OK) {
		f->x[0] = (u64)ret;
		return;
	}
	__atomic_store_n(&pcpu_vmid[self], vmid, __ATOMIC_SEQ_CST);
	pc->vmm_frame = f; /* stays on the stack while the guest runs */
	arch_save_el1(&pc->vmm_sys);
	/* Stage 2 (and the EL2 controls) first, then the guest's stage 1:
	 * no walk ever mixes one world's tables with the other's. MPIDR_EL1
	 * as the guest reads it: RES1 bit 31, Aff0 = vCPU index. */
	arch_enter_guest_mode(mem_vm_vttbr(vmid), (UINT64_C(1) << 31) | v->index, v->has_pmu,
			      (flags & HV_RUN_WAIT_IN_GUEST) != 0 && !pc->kicked);
	pc->kicked = false;
	arch_load_el1(&v->sys);
	if (pc->fp_live != v || pc->fp_live_gen != v->fp_gen) {
		arch_fpsimd_load(&v->fp);
	}
	pc->fp_live = NULL; /* the guest's run changes them */
	gic_vcpu_load(&v->vgic);
	v->lr_underflow = false; /* the load turned it off */
	(void)vcpu_take_posted(v);
	arch_slice_start(CONFIG_VCPU_SLICE_US);
	if ((flags & HV_RUN_ABORT) != 0) {
		/* The refused access takes an external abort, as if the bus
		 * had refused it. */
		arch_inject_abort(&v->regs, v->fault_exec, v->fault_write, v->fault_va);
	}
	pc->current = v;
	pc->resume = &v->regs; /* the return enters the guest */
	/* The PMU last: the VMM's counters stop, and a guest with a PMU of
	 * its own counts from here (its run, not the hyp's switch). */
	if (v->has_pmu) {
		arch_pmu_save(&pc->vmm_pmu);
		arch_pmu_load(&v->pmu);
	} else {
		arch_pmu_stop(&pc->vmm_stop);
	}
	if (arch_serror_sync()) {
		/* Pending before the guest ran an instruction: not its. The
		 * run is undone (the guest as it was) and the VMM takes the
		 * SError as a virtual one. */
		vcpu_exit(&v->regs, &(struct hv_exit){ .reason = HV_EXIT_IRQ });
		arch_vmm_serror();
		put_exit(f, &(struct hv_exit){ .status = HV_E_BUSY });
	}
}

struct trap_return vcpu_resume(struct trap_frame *f)
{
	u32 self = arch_cpu_index();
	struct pcpu *pc = &pcpus[self];
	struct trap_frame *to = pc->resume;

	pc->resume = NULL;
	if (to == NULL) {
		to = f; /* no switch */
	} else if (to == pc->vmm_frame) {
		hyp_guest_stack[self] = 0; /* an exit: the VMM's frame goes */
	} else {
		/* A run: f stays, and the guest's exceptions save their frame
		 * straight into its registers (entry.S). */
		hyp_guest_stack[self] = (u64)(uintptr_t)f;
	}
	return (struct trap_return){ to, (u64)(uintptr_t)(to + 1) };
}

void vcpu_exit(struct trap_frame *f, const struct hv_exit *e)
{
	struct pcpu *pc = &pcpus[arch_cpu_index()];
	struct vcpu *v = pc->current;
	struct hv_exit fault;

	arch_slice_stop();
	if (v->has_pmu) {
		arch_pmu_save(&v->pmu); /* its counting ends with its run */
	}
	if (arch_serror_sync()) {
		/* The guest's own accesses raised an asynchronous abort: it
		 * is charged to the guest, which cannot go on. */
		log_info("vm%u vcpu%u: SError: vCPU stopped\n", v->vmid, v->index);
		v->state = VCPU_DEAD;
		v->power_off = false; /* dead, not merely off */
		fault = (struct hv_exit){ .reason = HV_EXIT_FAULT,
					  .fault.esr = ESR_FROM_EC(EC_SERROR) };
		e = &fault;
	}
	if (f != &v->regs) {
		frame_copy(&v->regs, f);
	}
	gic_vcpu_save(&v->vgic);
	arch_save_el1(&v->sys);
	arch_fpsimd_save(&v->fp);
	v->fp_gen = fp_gen_new();
	pc->fp_live = v;
	pc->fp_live_gen = v->fp_gen;
	arch_enter_host_mode(mem_host_vttbr(), true);
	arch_load_el1(&pc->vmm_sys);
	if (v->has_pmu) {
		arch_pmu_load(&pc->vmm_pmu);
	} else {
		arch_pmu_restart(&pc->vmm_stop);
	}
	put_exit(pc->vmm_frame, e);
	pc->vmm_frame->x[0] = HV_OK;
	pc->resume = pc->vmm_frame;
	pc->current = NULL;
	if (release(v) && e->reason == HV_EXIT_WFI) {
		/* Injected after the WFI looked: no wait, or the VMM would
		 * park the vCPU with the interrupt undelivered. */
		put_exit(pc->vmm_frame, &(struct hv_exit){ .reason = HV_EXIT_IRQ,
							   .irq.intid = HV_INTID_KICK });
	}
}

void vcpu_guest_serror(struct trap_frame *f)
{
	struct vcpu *v = vcpu_current();

	log_info("vm%u vcpu%u: SError: vCPU stopped\n", v->vmid, v->index);
	v->state = VCPU_DEAD;
	v->power_off = false;
	vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_FAULT,
					.fault.esr = ESR_FROM_EC(EC_SERROR) });
}

void vcpu_host_fp(void)
{
	struct pcpu *pc = &pcpus[arch_cpu_index()];

	arch_fp_untrap(); /* CPTR_EL2.TFP traps EL2's own accesses too */
	arch_fpsimd_zero();
	pc->fp_live = NULL;
}

void vcpu_host_kick(void)
{
	struct pcpu *pc = &pcpus[arch_cpu_index()];

	pc->kicked |= __atomic_exchange_n(&pc->exit_req, false, __ATOMIC_SEQ_CST);
}

void vcpu_kick_cpu(u32 cpu)
{
	__atomic_store_n(&pcpus[cpu].exit_req, true, __ATOMIC_SEQ_CST);
	gic_send_wake(cpu);
}

void vcpu_wake_irq(struct trap_frame *f)
{
	struct pcpu *pc = &pcpus[arch_cpu_index()];

	(void)vcpu_take_posted(pc->current);
	if (__atomic_exchange_n(&pc->exit_req, false, __ATOMIC_SEQ_CST)) {
		vcpu_irq_exit(f, INTID_WAKE);
	}
}

bool vcpu_take_kick(void)
{
	struct pcpu *pc = &pcpus[arch_cpu_index()];
	bool kicked = pc->kicked;

	pc->kicked = false;
	return kicked;
}

void vcpu_idle_woken(void)
{
	/* The wake that ended the sleep is taken once the VMM runs again:
	 * it looks at its vCPUs then anyway, so that is no kick. */
	__atomic_store_n(&pcpus[arch_cpu_index()].exit_req, false, __ATOMIC_SEQ_CST);
}

void vcpu_irq_exit(struct trap_frame *f, u32 intid)
{
	vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_IRQ, .irq.intid = intid });
}
