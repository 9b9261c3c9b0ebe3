/*
 * timer: the virtual timer's interrupt reaches the guest through the hyp
 * (GICv3 list registers or GICv2 GICH/GICV), and WFI wakes on it.
 */
#include "lib/guest.h"

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define VTIMER 27

static u32 gic;
static volatile u32 fired;
static volatile u32 intid;
static volatile u64 at;

static void gic_cpu_on(void)
{
	if (gic == 3) {
		__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffUL));  /* ICC_PMR_EL1 */
		__asm__ volatile("msr S3_0_C12_C12_7, %0" : : "r"(1UL)); /* ICC_IGRPEN1_EL1 */
		__asm__ volatile("isb");
	} else {
		*(volatile u32 *)(GUEST_GICC + GICC_PMR) = 0xff;
		*(volatile u32 *)(GUEST_GICC + GICC_CTLR) = 1;
	}
}

void guest_irq(void)
{
	u64 id;

	if (gic == 3) {
		__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(id)); /* ICC_IAR1_EL1 */
	} else {
		id = *(volatile u32 *)(GUEST_GICC + GICC_IAR);
	}
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(at));
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb"); /* timer off */
	intid = (u32)(id & 0x3ff);
	fired++;
	if (gic == 3) {
		__asm__ volatile("msr S3_0_C12_C12_1, %0\n\tisb" : : "r"(id)); /* ICC_EOIR1_EL1 */
	} else {
		*(volatile u32 *)(GUEST_GICC + GICC_EOIR) = (u32)id;
	}
}

void guest_main(void)
{
	u64 freq;
	u64 start;
	u64 ticks;
	u32 waits = 0;

	gic = (u32)*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_GIC_VERSION);
	gic_cpu_on();
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
