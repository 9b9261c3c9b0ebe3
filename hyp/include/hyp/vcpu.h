/*
 * Virtual CPUs: register state kept at EL2 (the VMM never reads it), the
 * world switch VMM <-> guest on the calling physical CPU, and the exits a
 * guest's traps become. A vCPU run is a call whose reply is the exit:
 * HV_FN_VCPU_RUN returns to the VMM only when the guest needs it.
 *
 * Life cycle: the VMM creates vCPUs (off) and sets the boot vCPU's entry
 * (HV_FN_VCPU_INIT) while the VM is created; after HV_FN_VM_START only
 * the guest's own PSCI calls (psci.c) turn vCPUs on and off. The VMM runs
 * vCPUs that are on; it never sets a register of a started VM.
 *
 * Lock order: vcpu_lock, then mem_lock. A vCPU is claimed by the CPU that
 * runs it (under vcpu_lock, counted in its VM: mem_vm_enter); no lock is
 * held while a guest runs.
 */
#ifndef HYP_VCPU_H
#define HYP_VCPU_H

#include <abi/hv_abi.h>
#include <hyp/gic.h>
#include <hyp/mem.h>
#include <hyp/trap.h>
#include <lib/types.h>

/** EL1 system registers switched between the VMM and guests. */
struct el1_sysregs {
	u64 sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
	u64 tpidr_el1, tpidr_el0, tpidrro_el0, sp_el1, elr_el1, spsr_el1;
	u64 esr_el1, far_el1, afsr0, afsr1, par, cpacr, cntkctl, csselr;
	u64 cntv_ctl, cntv_cval, mdscr;
};

/** FP/SIMD registers: v0..v31 as 64 doublewords, then FPSR and FPCR. */
struct fpsimd_state {
	u64 v[64];
	u64 fpsr;
	u64 fpcr;
} __aligned(16);

/** Event counters a PMU can have (PMCR_EL0.N is at most 31). */
#define PMU_MAX_COUNTERS 31

/** What the VMM's PMU was while a guest without a PMU runs. */
struct pmu_stopped {
	u64 pmcr, userenr;
};

/** The performance monitors of one world (arch/aarch64/pmu.c). */
struct pmu_state {
	u64 pmcr, pmselr, cnten, inten, ovs, userenr, ccfiltr, ccntr;
	u64 evcntr[PMU_MAX_COUNTERS];
	u64 evtyper[PMU_MAX_COUNTERS];
};

/** What the vCPU's last exit left for the next run to complete. */
enum vcpu_pending {
	PENDING_NONE = 0,
	PENDING_MMIO_READ,  /* write the reply to a register, step the PC */
	PENDING_MMIO_WRITE, /* step the PC */
	PENDING_HVC,        /* reply becomes x0..x3 */
	PENDING_RETRY,      /* only a retry may follow (abort without syndrome) */
};

/** A vCPU's power state (PSCI's view), which only the hyp changes. */
enum vcpu_state {
	VCPU_NONE = 0, /* no such vCPU */
	VCPU_OFF = 1,  /* created, or turned off (PSCI CPU_OFF): not runnable */
	VCPU_ON = 2,   /* started (VCPU_INIT before start, or PSCI CPU_ON) */
	VCPU_DEAD = 3, /* took an exception the hyp could not handle */
};

/** One vCPU of one VM. */
struct vcpu {
	u32 state;
	u32 vmid;
	u32 index;
	volatile u32 running; /* claimed by a physical CPU */
	/* Saved by entry.S straight from a guest exception: SP_EL2 stays
	 * just above it while the guest runs, so 16-byte aligned. */
	_Alignas(16) struct trap_frame regs;
	struct el1_sysregs sys;
	struct fpsimd_state fp;
	u64 fp_gen; /* new whenever fp changes: which CPU still holds it */
	struct vgic_state vgic;
	struct pmu_state pmu; /* used only if has_pmu */
	bool has_pmu;         /* its VM was created with HV_VM_PMU */
	u32 pending;
	bool vtimer_owed; /* its timer fired while every list register was taken */
	bool lr_underflow; /* the underflow interrupt asked for in this run (vcpu_irq.c) */
	bool power_off;   /* PSCI CPU_OFF: off once this exit has saved it */
	u8 mmio_reg;    /* destination register of a pending read */
	u8 mmio_size;   /* bytes */
	bool mmio_sext; /* sign-extend the value */
	bool mmio_sf;   /* the register is 64-bit */
	bool fault_exec;   /* the pending abort was an instruction fetch */
	bool fault_write;  /* ... or a write */
	u64 fault_va;      /* its virtual address (FAR_EL2) */
	u32 cpu;           /* the physical CPU that claimed it, while running */
	/* Interrupts the VMM injected (IRQ_INJECT), a bit per INTID, and a
	 * bit per word that may have one: moved into list registers as the
	 * vCPU enters, and while it runs when its CPU takes the wake SGI the
	 * injection sent (take_posted). Set with atomics (IRQ_INJECT under
	 * vcpu_lock, a guest's SGI without), taken by the CPU that runs it. */
	u64 posted[1024 / 64];
	u64 posted_words;
	/* SGIs the hyp posts from the guest's own ICC_SGI1R_EL1 write
	 * (HV_FN_SGI_DIRECT): set under vcpu_lock, read without. */
	u32 sgi_direct;
};

s64 vcpu_create(u32 vmid, u64 index) __must_check;
s64 vcpu_init(u32 vmid, u64 index, u64 entry, u64 x0) __must_check;
s64 vcpu_irq_inject(u32 vmid, u64 index, u64 intid) __must_check;
s64 vcpu_sgi_direct(u32 vmid, u64 index, u64 mask) __must_check;
/**
 * HV_FN_VCPU_RUN from the VMM's frame f; on success the return goes
 * into the guest (vcpu_resume), f staying on the EL2 stack.
 */
void vcpu_run(struct trap_frame *f);
/**
 * A synchronous exception of the guest of the running vCPU t->v, by class
 * (trap.c's table; guest_trap.c): a stage-2 abort (the IPA and VA in t),
 * WFI/WFE, a trapped system register, an AArch32 coprocessor access, and
 * any other class (the vCPU stops: HV_EXIT_FAULT).
 */
void guest_abort(struct trap_frame *f, const struct trap_info *t);
void guest_wfx(struct trap_frame *f, const struct trap_info *t);
void guest_sysreg(struct trap_frame *f, const struct trap_info *t);
void guest_undef(struct trap_frame *f, const struct trap_info *t);
void guest_unexpected(struct trap_frame *f, const struct trap_info *t);
/** The running guest's virtual timer fired: forward it (IRQ context). */
void vcpu_timer_irq(struct vcpu *v);
/**
 * A physical interrupt ended the running vCPU's run: its time slice; exit
 * to the VMM with HV_EXIT_IRQ (IRQ context).
 */
void vcpu_irq_exit(struct trap_frame *f, u32 intid);
/**
 * A wake SGI reached the running vCPU's CPU (IRQ context): the interrupts
 * injected for it go into its list registers, and the guest goes on, unless
 * the wake was a kick (vcpu_kick_cpu): then the run ends, HV_EXIT_IRQ with
 * HV_INTID_KICK.
 */
void vcpu_wake_irq(struct trap_frame *f);
/**
 * Ends the run of whatever vCPU CPU `cpu` runs (its next HV_FN_CPU_IDLE,
 * if it runs none): the VMM's HV_FN_CPU_WAKE, a VM's stop.
 */
void vcpu_kick_cpu(u32 cpu);
/**
 * Moves the timer interrupt it is owed and the interrupts injected for the
 * vCPU running on this CPU into its free list registers; those that find
 * none stay owed or injected. Whether any is left.
 */
bool vcpu_take_posted(struct vcpu *v);
/**
 * The list registers' underflow (the maintenance interrupt, IRQ context):
 * the guest of the running vCPU v took what they held, and what waits for
 * them goes in (vcpu_take_posted asked for it).
 */
void vcpu_maint_irq(struct vcpu *v);
/** An SError taken while the guest ran: its vCPU stops (HV_EXIT_FAULT). */
void vcpu_guest_serror(struct trap_frame *f);
/**
 * The VMM touched FP/SIMD while the registers still held a guest's values
 * (trapped): they are zeroed and given to it; the access runs again.
 */
void vcpu_host_fp(void);
/**
 * A wake SGI reached this CPU while the VMM ran (IRQ context). If it was a
 * kick (vcpu_kick_cpu), the next VCPU_RUN here traps WFI/WFE whatever its
 * flags, so that what the kick announced is not left waiting behind a
 * guest asleep on the CPU, and the next HV_FN_CPU_IDLE returns at once.
 */
void vcpu_host_kick(void);
/**
 * Whether such a kick came since this CPU's last run or call (for
 * HV_FN_CPU_IDLE, which then does not sleep: the wake was meant to end
 * that sleep, and came before it began); forgets it.
 */
bool vcpu_take_kick(void);
/** After HV_FN_CPU_IDLE's sleep: the kick that ended it is spent. */
void vcpu_idle_woken(void);
/**
 * Where the lower-EL exception whose frame is f returns (trap.c's last
 * call): through f, unless the handler switched worlds: then into the
 * vCPU a VCPU_RUN started (the VMM's frame f stays on the EL2 stack) or,
 * at an exit, back through that VMM frame, which holds the exit record.
 * The stack pointer returned is just above the frame, so a guest's next
 * exception saves straight into its vCPU's registers; hyp_guest_stack
 * then names, per CPU, the VMM frame under which its handler's stack
 * goes on (0 while the VMM runs).
 */
struct trap_return vcpu_resume(struct trap_frame *f);
extern u64 hyp_guest_stack[];
/** The vCPU running on this CPU, or NULL while the VMM runs. */
struct vcpu *vcpu_current(void);
/**
 * HV_FN_VM_CREATE: mem_vm_create, ordered with every vCPU call; flags
 * (HV_VM_*, checked by the caller) apply to every vCPU the VM gets.
 */
s64 vcpu_vm_create(const struct mem_vm_layout *l, u64 flags, u32 *vmid) __must_check;
/** HV_FN_VM_DESTROY: mem_vm_destroy and the wipe of the VM's vCPUs, atomically. */
s64 vcpu_vm_destroy(u32 vmid) __must_check;
/**
 * HV_FN_VM_STOP: turns the VM off, waits until none of its vCPUs is on a
 * physical CPU (kicking them out), then invalidates its TLB entries.
 */
s64 vcpu_vm_stop(u32 vmid) __must_check;

/* World switch pieces from the arch port (arch/aarch64/switch.c). */
void arch_save_el1(struct el1_sysregs *s);
void arch_load_el1(const struct el1_sysregs *s);
void arch_fpsimd_save(struct fpsimd_state *s);
void arch_fpsimd_load(const struct fpsimd_state *s);
/** Zeroes the FP/SIMD registers (nothing of a guest's stays for the VMM). */
void arch_fpsimd_zero(void);
/**
 * EL2 controls for running a guest (its VTTBR, and the MPIDR it sees: the
 * vCPU index as Aff0) or the VMM (its VTTBR).
 */
void arch_enter_guest_mode(u64 vttbr, u64 vmpidr, bool pmu, bool wait_in_guest);
/*
 * The VMM's world; fp_trapped: its FP/SIMD accesses trap to the hyp
 * (CPTR_EL2.TFP), because the registers still hold a guest's values.
 */
void arch_enter_host_mode(u64 vttbr, bool fp_trapped);
/** The VMM's FP/SIMD accesses no longer trap. */
void arch_fp_untrap(void);
/**
 * Waits for the running guest's outstanding memory accesses and takes an
 * SError they raised here, at EL2: true if there was one (it is the
 * guest's, not the VMM's next).
 */
bool arch_serror_sync(void);
/** Reads what the PMU is (once per CPU, at its EL2 set-up). */
void arch_pmu_init(void);
/** Whether the CPU has a PMU (PMUv3): HV_VM_PMU needs one. */
bool arch_pmu_present(void);
/** MDCR_EL2.HPMN (every counter EL1's), and the bits a guest's run adds. */
u64 arch_pmu_hpmn(void);
u64 arch_pmu_mdcr_guest(void);
/** A world's PMU: saved (and stopped), or loaded (and started). */
void arch_pmu_save(struct pmu_state *s);
void arch_pmu_load(const struct pmu_state *s);
/**
 * Stops the VMM's counters (PMCR_EL0.E clear) and its EL0 access
 * (PMUSERENR_EL0 zero) for a guest without a PMU; restart puts both back.
 */
void arch_pmu_stop(struct pmu_stopped *s);
void arch_pmu_restart(const struct pmu_stopped *s);

/** The EL2 physical timer as the vCPU time slice: arm for `us`, or stop. */
void arch_slice_start(u64 us);
void arch_slice_stop(void);
/** Sleeps (WFI) until `us` microseconds have passed or an interrupt arrives. */
void arch_cpu_idle(u64 us);
/** The live virtual timer: mask its output; is it firing (enabled, unmasked, expired)? */
void arch_vtimer_mask(void);
bool arch_vtimer_firing(void);
/** The counter value the live virtual timer fires at, 0 if it will not. */
u64 arch_vtimer_deadline(void);

#endif /* HYP_VCPU_H */
