/*
 * exitscale: exits per second with several vCPUs at once, for ./build.sh
 * bench's scaling rows. Every vCPU of the VM (as many as PSCI CPU_ON
 * starts) reads the VMM's test device EXITS times, each read an MMIO exit
 * to the VMM and back. They all begin at the same instant of the virtual
 * counter, the next whole ALIGN after a short wait; every VM shares that
 * counter (the hyp sets no offset), so two VMs started a moment apart
 * begin together too. vCPU 0 prints
 * "SCALE vcpus=<n> exits=<total> start=<ns> end=<ns>", the end being the
 * last vCPU's, in nanoseconds of the counter (virtual time: under
 * -icount shift=0, the instructions of every CPU), and a RESULT line:
 * every read returned the device's pattern.
 */
#include "lib/guest.h"

#define MAX_VCPUS 8
#define EXITS 4000
#define ALIGN_MS 500

static volatile u64 start_at; /* in counter ticks; 0 until vCPU 0 sets it */
static volatile u64 end_at[MAX_VCPUS];
static volatile u32 ready[MAX_VCPUS];
static volatile u32 wrong[MAX_VCPUS]; /* reads that did not return the pattern */

#define TESTDEV_PATTERN 0xf1e2d3c4b5a69788UL

/* Sleeps in WFI until the counter reaches `at`: the virtual timer's
 * interrupt, left pending with interrupts masked, ends the WFI. */
static void sleep_until(u64 at)
{
	__asm__ volatile("msr cntv_cval_el0, %0" : : "r"(at));
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(1UL));
	while (guest_counter() < at) {
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb");
}

static void run(u32 cpu)
{
	ready[cpu] = 1;
	while (start_at == 0) {
		__asm__ volatile("yield");
	}
	sleep_until(start_at);
	for (u32 i = 0; i < EXITS; i++) {
		wrong[cpu] += *(volatile u64 *)GUEST_TESTDEV != TESTDEV_PATTERN;
	}
	end_at[cpu] = guest_counter();
}

static unsigned long ns(u64 ticks, u64 freq)
{
	return (unsigned long)(ticks / freq * 1000000000UL + ticks % freq * 1000000000UL / freq);
}

void guest_secondary(u64 context)
{
	gic_setup_cpu(1U << 27);
	run((u32)context);
	(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_main(void)
{
	u64 freq;
	u64 align;
	u64 end = 0;
	u32 n = 1;
	u32 bad = 0;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	align = freq / 1000 * ALIGN_MS;
	(void)gic_setup_dist();
	gic_setup_cpu(1U << 27);
	while (n < MAX_VCPUS &&
	       hvc(PSCI_CPU_ON, n, (u64)(uintptr_t)secondary_entry, n).x0 == 0) {
		n++;
	}
	for (u32 i = 1; i < n; i++) {
		while (ready[i] == 0) {
			guest_yield();
		}
	}
	/* At least a fifth of ALIGN from now, so that every vCPU is asleep
	 * before it comes. */
	start_at = (guest_counter() + align / 5 + align - 1) / align * align;
	run(0);
	for (u32 i = 0; i < n; i++) {
		while (end_at[i] == 0) {
			guest_yield();
		}
		end = end_at[i] > end ? end_at[i] : end;
		bad += wrong[i];
	}
	printf("SCALE vcpus=%u exits=%u start=%lu end=%lu\n", n, n * EXITS,
	       ns(start_at, freq), ns(end, freq));
	result("exitscale", bad == 0, "%u vCPUs, %u reads of %u wrong", n, bad, n * EXITS);
	poweroff();
}
