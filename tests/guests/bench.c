/*
 * bench: costs seen from inside a guest, for ./build.sh bench (QEMU
 * -icount shift=0: one PMU cycle per instruction, counted at EL1 and EL2,
 * and one nanosecond of virtual time per instruction). A null hypercall
 * never leaves the physical CPU, so it is timed with the PMU cycle
 * counter; anything that exits to the VMM may resume on another CPU, so it
 * is timed with the virtual counter, in nanoseconds. Prints
 * "BENCH <name> <median> <samples>" lines.
 */
#include "lib/guest.h"

#define N 201

/*
 * Profile windows (tools/profile/insnprof.c, ./build.sh bench paths):
 * hints with no architectural meaning, no-ops outside that QEMU plugin.
 * Window k opens at HINT #(0x60 + 2k) and closes at HINT #(0x61 + 2k), on
 * any CPU; a guest with a PMU of its own (bench-pmu.cfg) uses k + 4.
 */
#define WIN_NULL_HVC 0
#define WIN_MMIO 1
#define WIN_TIMER 2
#define WIN_IPI 3
#define WIN_PMU 4
#define HINT(imm) __asm__ volatile("hint %0" : : "i"(imm) : "memory")
/* The hint at base for window k, in this guest's half of the windows. */
#define WINDOW_HINT(base, k)                                                   \
	do {                                                                   \
		if (has_pmu) {                                                 \
			HINT((base) + 2 * ((k) + WIN_PMU));                    \
		} else {                                                       \
			HINT((base) + 2 * (k));                                \
		}                                                              \
	} while (0)
#define WINDOW_OPEN(k) WINDOW_HINT(0x60, k)
#define WINDOW_CLOSE(k) WINDOW_HINT(0x61, k)

static bool has_pmu;

static u64 samples[N];
static volatile u64 irq_at;
static u32 gic;

static inline u64 cycles(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

static void report(const char *name)
{
	sort_u64(samples, N);
	printf("BENCH %s %lu %u\n", name, (unsigned long)samples[N / 2], N);
}

static volatile u64 ipi_at;
static volatile u32 stop_secondary;
static volatile u32 secondary_ready;

static u32 self(void)
{
	u64 mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (u32)(mpidr & 0xff);
}

void guest_secondary(u64 context)
{
	(void)context;
	gic_setup_cpu(0xffff);
	__asm__ volatile("msr daifclr, #2");
	secondary_ready = 1;
	while (!stop_secondary) {
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr daifset, #2");
	(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_irq(void)
{
	u64 id;

	if (self() != 0) {
		WINDOW_CLOSE(WIN_IPI);
		__asm__ volatile("mrs %0, cntvct_el0" : "=r"(ipi_at));
		gic_eoi(gic_ack());
		return;
	}
	WINDOW_CLOSE(WIN_TIMER);
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(irq_at));
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb");
	id = gic_ack();
	gic_eoi(id);
}

void guest_main(void)
{
	u64 freq;
	struct hv_version v;

	/* Its own PMU (vms/bench.cfg: pmu = 1); the cycle counter counts at
	 * EL2 too (PMCCFILTR_EL0.NSH), so a call's cost includes the hyp's. */
	__asm__ volatile("msr pmccfiltr_el0, %0" : : "r"(1UL << 27));
	__asm__ volatile("msr pmcr_el0, %0" : : "r"(5UL)); /* E, C (reset) */
	__asm__ volatile("msr pmcntenset_el0, %0\n\tisb" : : "r"(1UL << 31));
	/* Without a PMU of its own the counter reads as zero. */
	has_pmu = cycles() != 0 || cycles() != 0;
	for (u32 i = 0; i < N; i++) {
		u64 t0 = cycles();

		WINDOW_OPEN(WIN_NULL_HVC);
		(void)hv_version(&v);
		WINDOW_CLOSE(WIN_NULL_HVC);
		samples[i] = cycles() - t0;
	}
	if (has_pmu) {
		report("guest_null_hypercall");
	}
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	for (u32 i = 0; i < N; i++) {
		u64 t0;
		u64 t1;

		__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(t0));
		WINDOW_OPEN(WIN_MMIO);
		(void)*(volatile u64 *)GUEST_TESTDEV;
		WINDOW_CLOSE(WIN_MMIO);
		__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(t1));
		samples[i] = (t1 - t0) * 1000000000UL / freq;
	}
	report("guest_mmio_exit_ns");

	/* Timer: from the deadline to the handler, in ns of virtual time. */
	gic = gic_setup_dist();
	gic_setup_cpu(0xffff | (1U << 27));
	for (u32 i = 0; i < N; i++) {
		u64 now;
		u64 deadline;

		irq_at = 0;
		__asm__ volatile("mrs %0, cntvct_el0" : "=r"(now));
		deadline = now + freq / 10000; /* 100 us */
		__asm__ volatile("msr cntv_cval_el0, %0" : : "r"(deadline));
		__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(1UL));
		WINDOW_OPEN(WIN_TIMER);
		__asm__ volatile("msr daifclr, #2");
		while (irq_at == 0) {
			__asm__ volatile("wfi");
		}
		__asm__ volatile("msr daifset, #2");
		samples[i] = (irq_at - deadline) * 1000000000UL / freq;
	}
	report("timer_injection_ns");

	/* Virtual IPI: SGI 7 from vCPU 0 to vCPU 1, send to handler entry. */
	(void)hvc(PSCI_CPU_ON, 1, (u64)(uintptr_t)secondary_entry, 1);
	while (!secondary_ready) {
		guest_yield();
	}
	for (u32 i = 0; i < N; i++) {
		u64 t0;

		ipi_at = 0;
		__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(t0));
		WINDOW_OPEN(WIN_IPI);
		if (gic == 3) {
			__asm__ volatile("msr S3_0_C12_C11_5, %0\n\tisb" : : "r"((7UL << 24) | 2));
		} else {
			*(volatile u32 *)(0x08000000UL + 0xf00) = (2U << 16) | 7;
		}
		while (ipi_at == 0) {
			/* Waits for the other vCPU's store with no exit of
			 * its own when the VMM lets it wait on the CPU. */
			__asm__ volatile("wfe");
		}
		samples[i] = (ipi_at - t0) * 1000000000UL / freq;
	}
	report("virtual_ipi_ns");
	stop_secondary = 1;
	guest_yield();
}
