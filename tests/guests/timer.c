/*
 * timer: the virtual timer's interrupt reaches the guest through the hyp
 * (GICv3 list registers or GICv2 GICH/GICV), and WFI wakes on it.
 */
#include "lib/guest.h"

#define VTIMER 27

static u32 gic;
static volatile u32 fired;
static volatile u32 intid;
static volatile u64 at;

void guest_irq(void)
{
	u64 id = gic_ack();

	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(at));
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb"); /* timer off */
	intid = (u32)(id & 0x3ff);
	fired++;
	gic_eoi(id);
}

void guest_main(void)
{
	u64 freq;
	u64 start;
	u64 ticks;
	u32 waits = 0;

	gic = gic_setup_dist();
	gic_setup_cpu(1U << VTIMER);
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	ticks = freq / 100; /* 10 ms */
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(start));
	__asm__ volatile("msr cntv_tval_el0, %0" : : "r"(ticks));
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(1UL));
	__asm__ volatile("msr daifclr, #2"); /* IRQs on */
	while (fired == 0 && waits < 1000000) {
		__asm__ volatile("wfi");
		waits++;
	}
	__asm__ volatile("msr daifset, #2");
	result("timer_irq", fired == 1 && intid == VTIMER, "GICv%u: %u interrupt(s), INTID %u",
	       gic, fired, intid);
	result("timer_not_early", fired == 1 && at - start >= ticks, "after %lu of %lu ticks",
	       (unsigned long)(at - start), (unsigned long)ticks);
	result("wfi_wakes", fired == 1 && waits < 1000000, "%u WFI", waits);
}
