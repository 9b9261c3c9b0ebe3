/*
 * The arch and GIC hooks of hyp/core/vcpu.c, psci.c and hvc.c for host builds:
 * the world switch does nothing, the CPU index is the test's to set, the
 * counter advances by 1,000 ticks a read (so VM_STOP's bounded wait ends),
 * and each hook counts its calls where a test looks at them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hyp/log.h>
#include <hyp/hyp.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include "fake_vcpu.h"

u32 fake_cpu;
u32 fake_kicks;
u32 fake_kicked_cpu;
u64 fake_lr[FAKE_CPUS][VGIC_LRS];
bool fake_underflow[FAKE_CPUS];
u64 fake_now;
char fake_switch[64];
bool fake_serror;
u32 fake_vmm_serrors;
bool fake_vse;
u32 fake_undefs;
struct fake_abort fake_abort;
struct fpsimd_state fake_fp[FAKE_CPUS];
u32 fake_fp_loads;
bool fake_fp_trapped;
u32 fake_fp_el2_traps;
bool fake_wait_in_guest;
u64 fake_idle_us;

/* One letter a world-switch step, in order (fake_switch, reset by tests). */
static void step(char c)
{
	size_t n = strlen(fake_switch);

	if (n + 1 < sizeof(fake_switch)) {
		fake_switch[n] = c;
		fake_switch[n + 1] = '\0';
	}
}

u32 arch_cpu_index(void)
{
	return fake_cpu;
}

u64 arch_counter(void)
{
	fake_now += 1000; /* a thousand microseconds a read: bounded waits end soon */
	return fake_now;
}

u64 arch_counter_freq(void)
{
	return 1000000; /* one tick a microsecond */
}

void arch_save_el1(struct el1_sysregs *s)
{
	(void)s;
	step('S');
}

void arch_load_el1(const struct el1_sysregs *s)
{
	(void)s;
	step('L');
}

void arch_pmu_save(struct pmu_state *s)
{
	(void)s;
	step('p');
}

void arch_pmu_load(const struct pmu_state *s)
{
	(void)s;
	step('P');
}

void arch_pmu_stop(struct pmu_stopped *s)
{
	s->pmcr = 0x41;
	step('x');
}

void arch_pmu_restart(const struct pmu_stopped *s)
{
	step(s->pmcr == 0x41 ? 'r' : '?');
}

bool arch_pmu_present(void)
{
	return true;
}

bool arch_serror_sync(void)
{
	bool pending = fake_serror;

	fake_serror = false;
	return pending;
}

void arch_vmm_serror(void)
{
	fake_vmm_serrors++;
	fake_vse = true;
}

bool arch_vmm_serror_pending(void)
{
	return fake_vse;
}
/* CPTR_EL2.TFP traps EL2's own FP/SIMD accesses too: the hyp would stop. */
static void fp_access(void)
{
	fake_fp_el2_traps += fake_fp_trapped;
}

void arch_fpsimd_save(struct fpsimd_state *s)
{
	fp_access();
	*s = fake_fp[fake_cpu % FAKE_CPUS];
}

void arch_fpsimd_load(const struct fpsimd_state *s)
{
	fp_access();
	fake_fp[fake_cpu % FAKE_CPUS] = *s;
	fake_fp_loads++;
}

void arch_fpsimd_zero(void)
{
	fp_access();
	memset(&fake_fp[fake_cpu % FAKE_CPUS], 0, sizeof(fake_fp[0]));
}

void arch_enter_guest_mode(u64 vttbr, u64 vmpidr, bool pmu, bool wait_in_guest)
{
	(void)vttbr;
	(void)vmpidr;
	fake_wait_in_guest = wait_in_guest;
	fake_fp_trapped = false;
	step(pmu ? 'g' : 'G');
}

void arch_enter_host_mode(u64 vttbr, bool fp_trapped)
{
	(void)vttbr;
	fake_fp_trapped = fp_trapped;
	step('H');
}

void arch_fp_untrap(void)
{
	fake_fp_trapped = false;
}

void arch_slice_start(u64 us)
{
	(void)us;
}

void arch_slice_stop(void)
{
}

void arch_vtimer_mask(void)
{
}

bool arch_vtimer_firing(void)
{
	return false;
}

u64 arch_vtimer_deadline(void)
{
	return 0;
}

/* The host tests' guests map their addresses one to one. */
u64 arch_guest_ipa(u64 va)
{
	return va;
}

void arch_inject_undef(struct trap_frame *f)
{
	(void)f;
	fake_undefs++;
}

void arch_inject_abort(struct trap_frame *f, bool exec, bool write, u64 far)
{
	fake_abort = (struct fake_abort){ f->elr, exec, write, far, fake_abort.count + 1 };
}

void arch_cpu_idle(u64 us)
{
	fake_idle_us += us;
}

u64 gic_vcpu_base(void)
{
	return 0;
}

s64 cpu_start(u64 cpu, u64 entry, u64 arg)
{
	(void)cpu;
	(void)entry;
	(void)arg;
	return HV_E_BUSY;
}

void gic_vcpu_load(const struct vgic_state *s)
{
	memcpy(fake_lr[fake_cpu % FAKE_CPUS], s->lr, sizeof(s->lr));
	fake_underflow[fake_cpu % FAKE_CPUS] = false;
}

void gic_vcpu_save(struct vgic_state *s)
{
	memcpy(s->lr, fake_lr[fake_cpu % FAKE_CPUS], sizeof(s->lr));
	memset(fake_lr[fake_cpu % FAKE_CPUS], 0, sizeof(s->lr));
	fake_underflow[fake_cpu % FAKE_CPUS] = false;
}

/* As gic.c's: an INTID in one list register at most. */
bool gic_inject(u32 intid)
{
	u64 *lr = fake_lr[fake_cpu % FAKE_CPUS];

	for (u32 i = 0; i < VGIC_LRS; i++) {
		if (lr[i] != 0 && (u32)lr[i] == intid) {
			lr[i] |= FAKE_LR_PENDING;
			return true;
		}
	}
	for (u32 i = 0; i < VGIC_LRS; i++) {
		if (lr[i] == 0) {
			lr[i] = FAKE_LR_PENDING | intid;
			return true;
		}
	}
	return false;
}

u64 gic_lr_pending_value(u32 intid)
{
	return (UINT64_C(1) << 62) | intid;
}

bool gic_lr_free(u64 lr)
{
	return lr == 0;
}

void gic_underflow_irq(bool on)
{
	fake_underflow[fake_cpu % FAKE_CPUS] = on;
}

bool gic_pending(void)
{
	for (u32 i = 0; i < VGIC_LRS; i++) {
		if ((fake_lr[fake_cpu % FAKE_CPUS][i] & FAKE_LR_PENDING) != 0) {
			return true;
		}
	}
	return false;
}

void gic_send_wake(u32 cpu)
{
	fake_kicked_cpu = cpu;
	fake_kicks++;
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
