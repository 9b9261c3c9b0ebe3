/*
 * Exception handling at EL2. Lower-EL synchronous exceptions dispatch
 * through a table indexed by the exception class (ESR_EL2.EC); anything
 * the hyp does not expect from EL1 is reported and answered with an
 * exception injected into EL1, never with a crash of the hyp. An exception
 * taken at EL2 itself is a hyp bug: it is reported and the CPU stops.
 */
#include <hyp/arch.h>
#include <hyp/gic.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include <arm/asm.h>
#include "sysreg.h"

typedef void (*trap_handler_t)(struct trap_frame *f, u64 esr);

static const char *const ec_names[64] = {
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
	return ec < 64 && ec_names[ec] != NULL ? ec_names[ec] : "other";
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

/* The two instructions during which arch_serror_sync takes an SError. */
extern const char serror_window[];
extern const char serror_window_end[];

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
	u32 ec = (u32)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	if (kind == TRAP_SERROR && f->elr >= (u64)serror_window &&
	    f->elr <= (u64)serror_window_end) {
		/* Taken on purpose by arch_serror_sync: the lower world's. */
		f->x[0] = 1;
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

/*
 * Makes the interrupted EL1 context take a synchronous exception with
 * syndrome `esr` and fault address `far` (Arm ARM D1.10: the exception is
 * taken to EL1 with the state EL1 would have saved itself).
 */
void arch_inject_el1_sync(struct trap_frame *f, u64 esr, u64 far)
{
	u32 mode = (u32)f->spsr & SPSR_MODE_MASK;
	u64 offset = (f->spsr & SPSR_AARCH32) != 0 ? VECTOR_LOWER_A32
		     : mode == SPSR_MODE_EL1H	     ? VECTOR_CUR_SPX
		     : mode == SPSR_MODE_EL1T	     ? VECTOR_CUR_SP0
						     : VECTOR_LOWER_A64;

	write_esr_el1(esr);
	write_far_el1(far);
	write_elr_el1(f->elr);
	write_spsr_el1(f->spsr);
	f->elr = read_vbar_el1() + offset;
	f->spsr = SPSR_MODE_EL1H | SPSR_DAIF_MASKED;
}

static bool from_el0(const struct trap_frame *f)
{
	return ((u32)f->spsr & SPSR_MODE_MASK) == SPSR_MODE_EL0T;
}

static void inject_undef(struct trap_frame *f)
{
	arch_inject_el1_sync(f, ((u64)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL, 0);
}

static void handle_hvc(struct trap_frame *f, u64 esr)
{
	(void)esr;
	hvc_handle(f);
}

static void handle_smc(struct trap_frame *f, u64 esr)
{
	(void)esr;
	/* Trapped SMC: ELR points at the SMC itself (D1.10.4). */
	if (!smccc_call(f)) {
		f->x[0] = (u64)(s64)-1;
	}
	f->elr += 4;
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

static void handle_abort(struct trap_frame *f, u64 esr)
{
	u32 ec = (u32)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
	u64 far = read_far_el2();
	u64 ipa = fault_ipa();
	bool write = ec == EC_DABT_LOW && (esr & ISS_WNR) != 0;
	const char *why = "";
	u32 inj_ec;

	if (mem_host_fault(ipa_of(ipa), write, &why) == HV_OK) {
		return;
	}
	if (!refusal_log_allowed()) {
		goto inject;
	}
	log_info("VMM %s at IPA 0x%lx (VA 0x%lx, PC 0x%lx) refused: %s\n",
		 ec == EC_IABT_LOW ? "instruction fetch"
		 : write           ? "write"
				   : "read",
		 (unsigned long)ipa, (unsigned long)far, (unsigned long)f->elr,
		 why);
inject:
	/* An external abort of the same class, as seen from EL1 (or EL0). */
	if (ec == EC_IABT_LOW) {
		inj_ec = from_el0(f) ? EC_IABT_LOW : EC_IABT_CUR;
	} else {
		inj_ec = from_el0(f) ? EC_DABT_LOW : EC_DABT_CUR;
	}
	arch_inject_el1_sync(f,
			((u64)inj_ec << ESR_EC_SHIFT) | ESR_IL |
				(write ? ISS_WNR : 0) | FSC_EXT_ABORT,
			far);
}

static void handle_unexpected(struct trap_frame *f, u64 esr)
{
	u32 ec = (u32)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	log_warn("unexpected %s (EC 0x%02x, ESR 0x%lx) from EL1 at PC 0x%lx: "
		 "undefined instruction injected\n",
		 ec_name(ec), ec, (unsigned long)esr, (unsigned long)f->elr);
	inject_undef(f);
}

static const trap_handler_t lower_sync_handlers[64] = {
	[EC_HVC64] = handle_hvc,
	[EC_SMC64] = handle_smc,
	[EC_IABT_LOW] = handle_abort,
	[EC_DABT_LOW] = handle_abort,
};

/* Called from entry.S for synchronous exceptions from EL1/EL0. */
void trap_lower_sync(struct trap_frame *f, u64 kind);
void trap_lower_sync(struct trap_frame *f, u64 kind)
{
	u64 esr = read_esr_el2();
	u32 ec = (u32)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
	trap_handler_t h = lower_sync_handlers[ec];

	(void)kind;
	if (vcpu_current() != NULL) {
		bool abort = ec == EC_DABT_LOW || ec == EC_IABT_LOW;

		vcpu_guest_sync(f, esr, abort ? fault_ipa() : 0,
				abort ? read_far_el2() : 0);
		return;
	}
	if (h == NULL) {
		h = handle_unexpected;
	}
	h(f, esr);
}

/* Called from entry.S for IRQ, FIQ and SError from EL1/EL0. */
void trap_lower_async(struct trap_frame *f, u64 kind);
void trap_lower_async(struct trap_frame *f, u64 kind)
{
	if (kind == TRAP_IRQ || kind == TRAP_FIQ) {
		/* GICv2 SGIs carry the sender in IAR [12:10]: the INTID is the
		 * low 10 bits; the whole value goes back to the EOI. */
		u32 iar = gic_ack();
		u32 intid = iar & 0x3ff;

		if (intid == INTID_SPURIOUS) {
			return;
		}
		if (intid == INTID_VTIMER && vcpu_current() != NULL) {
			vcpu_timer_irq();
		}
		gic_eoi(iar);
		if (intid == INTID_HTIMER) {
			arch_slice_stop();
		}
		if ((intid == INTID_HTIMER || intid == INTID_WAKE) && vcpu_current() != NULL) {
			/* The slice is over, or the vCPU is kicked out (its VM
			 * stops): the VMM schedules again. */
			vcpu_irq_exit(f, intid);
		}
		return;
	}
	if (kind == TRAP_SERROR && vcpu_current() != NULL) {
		vcpu_guest_serror(f);
		return;
	}
	/* The VMM's: it gets it back as a virtual SError, to handle as it
	 * would the physical one (logged at the same rate as its refused
	 * accesses). */
	if (refusal_log_allowed()) {
		log_warn("SError from the VMM at PC 0x%lx (ESR 0x%lx): passed to it\n",
			 (unsigned long)f->elr, (unsigned long)read_esr_el2());
	}
	arch_vmm_serror();
}
