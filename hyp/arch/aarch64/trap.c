/*
 * Exception handling at EL2. Every synchronous exception from a lower EL,
 * the VMM's or a guest's, dispatches through one table indexed by the
 * exception class (ESR_EL2.EC), which names each class's handler for
 * either world; calls go on to the call table (hvc.c). Anything the hyp
 * does not expect from the VMM is reported and answered with an exception
 * injected into EL1 (inject.c), never with a crash of the hyp; from a
 * guest it stops the vCPU (HV_EXIT_FAULT). An exception
 * taken at EL2 itself is a hyp bug: it is reported and the CPU stops.
 */
#include <hyp/arch.h>
#include <hyp/gic.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/hvc.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include <arm/asm.h>
#include "sysreg.h"

typedef void (*trap_handler_t)(struct trap_frame *f, const struct trap_info *t);

static const char *const ec_names[EC_COUNT] = {
	[EC_UNKNOWN] = "unknown",
	[EC_WFX] = "WFI/WFE",
	[EC_HVC64] = "HVC",
	[EC_SMC64] = "SMC",
	[EC_SYSREG] = "MSR/MRS",
	[EC_IABT_LOW] = "instruction abort (lower EL)",
	[EC_IABT_CUR] = "instruction abort",
	[EC_PC_ALIGN] = "PC alignment",
	[EC_DABT_LOW] = "data abort (lower EL)",
	[EC_DABT_CUR] = "data abort",
	[EC_SP_ALIGN] = "SP alignment",
	[EC_SERROR] = "SError",
	[EC_BRK64] = "BRK",
};

static const char *ec_name(u32 ec)
{
	return ec < EC_COUNT && ec_names[ec] != NULL ? ec_names[ec] : "other";
}

static void dump_regs(const struct trap_frame *f)
{
	for (u32 i = 0; i < 31; i += 2) {
		if (i == 30) {
			log_printf("  x30 %016lx\n", (unsigned long)f->x[30]);
		} else {
			log_printf("  x%-2u %016lx  x%-2u %016lx\n", i,
				   (unsigned long)f->x[i], i + 1,
				   (unsigned long)f->x[i + 1]);
		}
	}
}

/* The two instructions during which arch_serror_sync takes an SError, and
 * arch_at_s1e1r's AT and where it resumes after an abort of its walk
 * (serror.S). */
extern const char serror_window[];
extern const char serror_window_end[];
extern const char at_window[];
extern const char at_window_fail[];

/*
 * Called from entry.S for exceptions taken from EL2: returns only for the
 * SError arch_serror_sync waits for; anything else stops the CPU.
 */
void trap_hyp(struct trap_frame *f, u64 kind);
void trap_hyp(struct trap_frame *f, u64 kind)
{
	static const char *const kinds[] = { "synchronous", "IRQ", "FIQ",
					     "SError" };
	u64 esr = read_esr_el2();
	u32 ec = ESR_EC(esr);

	if (kind == TRAP_SERROR && f->elr >= (u64)serror_window &&
	    f->elr <= (u64)serror_window_end) {
		/* Taken on purpose by arch_serror_sync: the lower world's. */
		f->x[0] = 1;
		return;
	}
	if (kind == TRAP_SYNC && ec == EC_DABT_CUR && f->elr == (u64)at_window) {
		/* An abort on a guest's table walk for arch_at_s1e1r: a
		 * failed translation (PAR_EL1.F). */
		f->x[0] = PAR_F;
		f->elr = (u64)at_window_fail;
		return;
	}
	log_printf("hyp: FATAL: %s exception at EL2 on CPU %u\n",
		   kinds[kind & 3], arch_cpu_index());
	log_printf("  EC 0x%02x (%s)  ESR %016lx  FAR %016lx\n", ec, ec_name(ec),
		   (unsigned long)esr, (unsigned long)read_far_el2());
	log_printf("  ELR %016lx  SPSR %016lx\n", (unsigned long)f->elr,
		   (unsigned long)f->spsr);
	dump_regs(f);
	log_printf("hyp: CPU %u stopped\n", arch_cpu_index());
	hyp_cpu_state[arch_cpu_index()] = CPU_STOPPED;
	__atomic_fetch_sub(&hyp_cpus_online, 1, __ATOMIC_SEQ_CST);
	cpu_halt();
}

/* The IPA of a stage-2 abort (HPFAR_EL2 holds bits [55:12]). */
static u64 fault_ipa(void)
{
	return ((read_hpfar_el2() & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT) |
	       (read_far_el2() & (PAGE_SIZE - 1));
}

/*
 * Whether to log a refused VMM access: at most REFUSAL_BURST a second, so
 * that a VMM probing many pages cannot flood the console. The lines left
 * out are counted in the next one logged.
 */
#define REFUSAL_BURST 8
static u64 refusal_window;
static u32 refusal_count;
static u64 refusals_unlogged;

static bool refusal_log_allowed(void)
{
	static spinlock_t lock;
	u64 now = read_cntpct_el0();
	bool ok;

	spin_lock(&lock);
	if (now - refusal_window >= read_cntfrq_el0()) {
		refusal_window = now;
		refusal_count = 0;
	}
	ok = refusal_count++ < REFUSAL_BURST;
	if (!ok) {
		refusals_unlogged++;
	} else if (refusals_unlogged != 0) {
		log_info("VMM: %lu more refused accesses not logged\n",
			 (unsigned long)refusals_unlogged);
		refusals_unlogged = 0;
	}
	spin_unlock(&lock);
	return ok;
}

/* A stage-2 fault of the VMM: mapped if it may reach the address, else
 * refused with an external abort. */
static void host_abort(struct trap_frame *f, const struct trap_info *t)
{
	bool exec = ESR_EC(t->esr) == EC_IABT_LOW;
	bool write = !exec && (t->esr & ISS_WNR) != 0;
	const char *why = "";

	if (mem_host_fault(ipa_of(t->ipa), write, &why) == HV_OK) {
		return;
	}
	if (refusal_log_allowed()) {
		log_info("VMM %s at IPA 0x%lx (VA 0x%lx, PC 0x%lx) refused: %s\n",
			 exec ? "instruction fetch" : write ? "write" : "read",
			 (unsigned long)t->ipa, (unsigned long)t->va, (unsigned long)f->elr, why);
	}
	/* An external abort of the same class, as seen from EL1 (or EL0). */
	arch_inject_abort(f, exec, write, t->va);
}

static void host_unexpected(struct trap_frame *f, const struct trap_info *t)
{
	u32 ec = ESR_EC(t->esr);

	log_warn("unexpected %s (EC 0x%02x, ESR 0x%lx) from EL1 at PC 0x%lx: "
		 "undefined instruction injected\n",
		 ec_name(ec), ec, (unsigned long)t->esr, (unsigned long)f->elr);
	arch_inject_undef(f);
}

/* The VMM's FP/SIMD access while a guest's values are still in place. */
static void host_fp(struct trap_frame *f, const struct trap_info *t)
{
	(void)f;
	(void)t;
	vcpu_host_fp();
}

/* HVC and SMC, from the VMM or a guest: the call table (hvc.c). */
static void call_hvc(struct trap_frame *f, const struct trap_info *t)
{
	hvc_dispatch(f, t->v, false);
}

static void call_smc(struct trap_frame *f, const struct trap_info *t)
{
	f->elr += 4; /* a trapped SMC leaves ELR at the SMC itself (D1.10.4) */
	hvc_dispatch(f, t->v, true);
}

/* The handlers of one exception class: the VMM's and a guest's. */
struct trap_entry {
	trap_handler_t host;
	trap_handler_t guest;
};

static const struct trap_entry lower_sync[EC_COUNT] = {
	[EC_WFX] = { NULL, guest_wfx },
	[EC_FP] = { host_fp, NULL },
	[EC_CP15_32] = { NULL, guest_undef },
	[EC_CP15_64] = { NULL, guest_undef },
	[EC_CP14_32] = { NULL, guest_undef },
	[EC_CP14_LS] = { NULL, guest_undef },
	[EC_CP14_64] = { NULL, guest_undef },
	[EC_HVC64] = { call_hvc, call_hvc },
	[EC_SMC64] = { call_smc, call_smc },
	[EC_SYSREG] = { NULL, guest_sysreg },
	[EC_IABT_LOW] = { host_abort, guest_abort },
	[EC_DABT_LOW] = { host_abort, guest_abort },
};

/* Called from entry.S for synchronous exceptions from EL1/EL0. */
struct trap_return trap_lower_sync(struct trap_frame *f, u64 kind);
struct trap_return trap_lower_sync(struct trap_frame *f, u64 kind)
{
	struct trap_info t = { .esr = read_esr_el2(), .v = vcpu_current() };
	u32 ec = ESR_EC(t.esr);
	trap_handler_t h = t.v != NULL ? lower_sync[ec].guest : lower_sync[ec].host;

	(void)kind;
	if (ec == EC_DABT_LOW || ec == EC_IABT_LOW) {
		t.ipa = fault_ipa();
		t.va = read_far_el2();
	}
	if (h == NULL) {
		h = t.v != NULL ? guest_unexpected : host_unexpected;
	}
	h(f, &t);
	return vcpu_resume(f);
}

/* Called from entry.S for IRQ, FIQ and SError from EL1/EL0. */
struct trap_return trap_lower_async(struct trap_frame *f, u64 kind);
struct trap_return trap_lower_async(struct trap_frame *f, u64 kind)
{
	if (kind == TRAP_IRQ || kind == TRAP_FIQ) {
		/* GICv2 SGIs carry the sender in IAR [12:10]: the INTID is the
		 * low 10 bits; the whole value goes back to the EOI. */
		u32 iar = gic_ack();
		u32 intid = iar & 0x3ff;

		if (intid == INTID_SPURIOUS) {
			return vcpu_resume(f);
		}
		if (intid == INTID_VTIMER && vcpu_current() != NULL) {
			vcpu_timer_irq(vcpu_current());
		}
		if (intid == INTID_MAINT && vcpu_current() != NULL) {
			/* Before the EOI: it is level-sensitive, and stays
			 * asserted while the underflow is asked for. */
			vcpu_maint_irq(vcpu_current());
		}
		gic_eoi(iar);
		if (intid == INTID_HTIMER) {
			arch_slice_stop();
		}
		if (intid == INTID_HTIMER && vcpu_current() != NULL) {
			/* The slice is over: the VMM schedules again. */
			vcpu_irq_exit(f, intid);
		} else if (intid == INTID_WAKE && vcpu_current() != NULL) {
			/* Interrupts injected for the vCPU, or a kick (its VM
			 * stops, the VMM wants the CPU). */
			vcpu_wake_irq(f);
		} else if (intid == INTID_WAKE) {
			vcpu_host_kick(); /* early: for the run about to start */
		}
		return vcpu_resume(f);
	}
	if (kind == TRAP_SERROR && vcpu_current() != NULL) {
		vcpu_guest_serror(f);
		return vcpu_resume(f);
	}
	/* The VMM's: it gets it back as a virtual SError, to handle as it
	 * would the physical one (logged at the same rate as its refused
	 * accesses). */
	if (refusal_log_allowed()) {
		log_warn("SError from the VMM at PC 0x%lx (ESR 0x%lx): passed to it\n",
			 (unsigned long)f->elr, (unsigned long)read_esr_el2());
	}
	arch_vmm_serror();
	return vcpu_resume(f);
}
