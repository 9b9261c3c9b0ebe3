/*
 * The test guests' library. See guest.h.
 */
#include "guest.h"

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1U << 5)

int guest_failures;

void guest_start(void);
void guest_exception(u64 vector, u64 esr, u64 far, u64 elr);

void putc(char c)
{
	volatile u32 *uart = (volatile u32 *)GUEST_UART;

	while ((uart[PL011_FR / 4] & PL011_FR_TXFF) != 0) {
	}
	uart[PL011_DR / 4] = (u8)c;
}

void puts(const char *s)
{
	while (*s != '\0') {
		putc(*s++);
	}
}

static void vprint(const char *fmt, va_list ap)
{
	char buf[256];

	fmt_vformat(buf, sizeof(buf), fmt, ap);
	puts(buf);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void result(const char *name, bool pass, const char *fmt, ...)
{
	va_list ap;

	if (!pass) {
		guest_failures++;
	}
	printf("RESULT %s %s ", name, pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	putc('\n');
}

#define GICD 0x08000000UL
#define GICR 0x080a0000UL
#define GICR_STRIDE 0x20000UL

static u32 gic_v;

u32 gic_setup_dist(void)
{
	gic_v = (u32)*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_GIC_VERSION);
	*(volatile u32 *)GICD = gic_v == 3 ? 2 : 1; /* EnableGrp1 / Enable */
	return gic_v;
}

void gic_setup_cpu(u32 private_mask)
{
	u64 mpidr;
	u64 r;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	if (gic_v == 0) {
		gic_v = (u32)*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_GIC_VERSION);
	}
	if (gic_v == 3) {
		r = GICR + (mpidr & 0xff) * GICR_STRIDE;
		*(volatile u32 *)(r + 0x14) = 0;                 /* GICR_WAKER */
		*(volatile u32 *)(r + 0x10000 + 0x100) = private_mask; /* ISENABLER0 */
		__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffUL));  /* ICC_PMR_EL1 */
		__asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(1UL)); /* IGRPEN1 */
	} else {
		*(volatile u32 *)(GICD + 0x100) = private_mask;  /* ISENABLER0, banked */
		*(volatile u32 *)(GUEST_GICC + 0x04) = 0xff;     /* GICC_PMR */
		*(volatile u32 *)(GUEST_GICC + 0x00) = 1;        /* GICC_CTLR */
	}
}

void gic_disable_private(u32 mask)
{
	u64 mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	if (gic_v == 3) {
		*(volatile u32 *)(GICR + (mpidr & 0xff) * GICR_STRIDE + 0x10000 + 0x180) = mask;
	} else {
		*(volatile u32 *)(GICD + 0x180) = mask; /* ICENABLER0, banked */
	}
}

u64 gic_ack(void)
{
	u64 id;

	if (gic_v == 3) {
		__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(id));
	} else {
		id = *(volatile u32 *)(GUEST_GICC + 0x0c);
	}
	return id;
}

void gic_eoi(u64 id)
{
	if (gic_v == 3) {
		__asm__ volatile("msr S3_0_C12_C12_1, %0\n\tisb" : : "r"(id));
	} else {
		*(volatile u32 *)(GUEST_GICC + 0x10) = (u32)id;
	}
}

__attribute__((weak)) void guest_irq(void)
{
	result("irq", false, "unexpected interrupt");
}

void guest_yield(void)
{
	*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_YIELD) = 1;
}

void poweroff(void)
{
	(void)hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;) {
		__asm__ volatile("wfi");
	}
}

/* Guests without secondary vCPUs: one that is started anyway stops. */
__attribute__((weak)) void guest_secondary(u64 context)
{
	(void)context;
	(void)hvc(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_start(void)
{
	guest_main();
	poweroff();
}

void guest_exception(u64 vector, u64 esr, u64 far, u64 elr)
{
	printf("guest: exception (vector %lu) ESR 0x%lx FAR 0x%lx ELR 0x%lx\n",
	       (unsigned long)vector, (unsigned long)esr, (unsigned long)far,
	       (unsigned long)elr);
	result("exception", false, "unexpected exception at 0x%lx", (unsigned long)elr);
	poweroff();
}
