/*
 * echo: a guest that stays up until told: it reads lines from its console
 * and answers each with "echo: LINE"; the line "off" powers it off. It
 * waits in WFI between looks at its UART, woken every 20 ms by its virtual
 * timer. The vmctl tests use it as a small, long-running VM.
 */
#include "lib/guest.h"

#define VTIMER 27
#define UART_DR 0x000
#define UART_FR 0x018
#define FR_RXFE (1U << 4)

static volatile u32 ticks;

void guest_irq(void)
{
	u64 id = gic_ack();

	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb");
	ticks++;
	gic_eoi(id);
}

static u32 uart_rd(u64 off)
{
	return *(volatile u32 *)(GUEST_UART + off);
}

static void sleep_20ms(u64 freq)
{
	u32 seen = ticks;

	__asm__ volatile("msr cntv_tval_el0, %0" : : "r"(freq / 50));
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(1UL));
	__asm__ volatile("msr daifclr, #2");
	while (ticks == seen) {
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr daifset, #2");
}

void guest_main(void)
{
	char line[80];
	u32 n = 0;
	u64 freq;

	(void)gic_setup_dist();
	gic_setup_cpu(1U << VTIMER);
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	printf("echo: ready in vm%lu\n", (unsigned long)*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_VMID));
	for (;;) {
		while ((uart_rd(UART_FR) & FR_RXFE) == 0) {
			char c = (char)uart_rd(UART_DR);

			if (c == '\r' || c == '\n') {
				line[n] = '\0';
				if (n == 3 && line[0] == 'o' && line[1] == 'f' && line[2] == 'f') {
					puts("echo: powering off\n");
					return;
				}
				if (n > 0) {
					printf("echo: %s\n", line);
				}
				n = 0;
			} else if (n + 1 < sizeof(line)) {
				line[n++] = c;
			}
		}
		sleep_20ms(freq);
	}
}
