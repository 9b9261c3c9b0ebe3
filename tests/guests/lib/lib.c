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
