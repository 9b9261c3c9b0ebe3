/*
 * uart: the emulated PL011 as Linux's amba-pl011 driver uses it: its
 * PrimeCell IDs, the line registers, and receive interrupts through the
 * emulated distributor (SPI 1, INTID 33) into the guest. The VMM's test
 * device "types" eight bytes into the UART. While nothing waits to be
 * read, the guest reads the VMM's copy of the registers with no exit (a
 * lent frame), and its writes there are emulated, not stored.
 */
#include "lib/guest.h"

#define UART GUEST_UART
#define DR 0x000
#define FR 0x018
#define IBRD 0x024
#define LCR_H 0x02c
#define CR 0x030
#define IMSC 0x038
#define MIS 0x040
#define FR_RXFE (1U << 4)
#define INT_RX (1U << 4)
#define INT_RT (1U << 6)
#define UART_INTID 33
#define GICD 0x08000000UL
#define TESTDEV_TYPE 0x318

static volatile u32 irqs;
static volatile u32 got;
static char buf[16];

static u64 uart_exits(void)
{
	return *(volatile u64 *)(GUEST_TESTDEV + TESTDEV_UART_EXITS);
}

/* Exits that n reads of the flag register took. */
static u64 exits_of_reads(u32 n)
{
	u64 before = uart_exits();

	for (u32 i = 0; i < n; i++) {
		(void)*(volatile u32 *)(UART + FR);
	}
	return uart_exits() - before;
}

static u32 rd(u32 off)
{
	return *(volatile u32 *)(UART + off);
}

static void wr(u32 off, u32 v)
{
	*(volatile u32 *)(UART + off) = v;
}

void guest_irq(void)
{
	u64 id = gic_ack();

	if ((id & 0x3ff) == UART_INTID) {
		irqs++;
		while ((rd(FR) & FR_RXFE) == 0 && got < sizeof(buf) - 1) {
			buf[got++] = (char)rd(DR);
		}
	}
	gic_eoi(id);
}

void guest_main(void)
{
	static const u32 ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	int bad = 0;
	u32 gic;
	u64 n;

	for (u32 i = 0; i < 8; i++) {
		bad += rd(0xfe0 + 4 * i) != ids[i];
	}
	result("uart_ids", bad == 0, "%d of 8 ID registers wrong", bad);
	wr(IBRD, 13);
	wr(LCR_H, 0x70);
	result("uart_line_regs", rd(IBRD) == 13 && rd(LCR_H) == 0x70, "IBRD %u LCR_H 0x%x",
	       rd(IBRD), rd(LCR_H));
	n = exits_of_reads(1000);
	result("uart_reads_without_exits", n == 0, "1000 flag reads took %lu exits", n);
	/* A write to a register that keeps nothing: one exit, the frame unchanged. */
	n = uart_exits();
	wr(0x100, 0xdead);
	n = uart_exits() - n;
	result("uart_write_emulated", n == 1 && rd(0x100) == 0, "%lu exits, reads back 0x%x", n,
	       rd(0x100));

	gic = gic_setup_dist();
	gic_setup_cpu(0);
	*(volatile u32 *)(GICD + 0x104) = 1U << (UART_INTID - 32); /* ISENABLER1 */
	if (gic == 2) {
		*(volatile u8 *)(GICD + 0x800 + UART_INTID) = 1; /* ITARGETSR: vCPU 0 */
	}
	wr(IMSC, INT_RX | INT_RT);
	wr(CR, 0x301);
	__asm__ volatile("msr daifclr, #2");
	*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_TYPE) = 0x6572656874206968UL; /* "hi there" */
	for (u32 i = 0; i < 100000 && got < 8; i++) {
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr daifset, #2");
	buf[got] = '\0';
	result("uart_rx_irq", irqs >= 1 && got == 8 && strcmp(buf, "hi there") == 0,
	       "%u interrupt(s), read \"%s\"", irqs, buf);
	result("uart_line_low", rd(MIS) == 0, "MIS 0x%x after reading", rd(MIS));
	n = exits_of_reads(1000);
	result("uart_lent_again", n == 0, "1000 flag reads after the input took %lu exits", n);
}
