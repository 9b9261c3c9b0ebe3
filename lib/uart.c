/*
 * Console UART drivers, polled. The boot loader has already set the baud
 * rate and line format; these only move bytes.
 *
 * PL011: PrimeCell UART (PL011) Technical Reference Manual (DDI 0183),
 * 3.3: UARTDR at 0x00, UARTFR at 0x18 (TXFF bit 5, RXFE bit 4).
 * Mini UART: BCM2711 ARM Peripherals, 2.2.2: AUX_MU_IO at 0x00 and
 * AUX_MU_LSR at 0x14 (data ready bit 0, transmitter empty bit 5), offsets
 * from the node's reg base 0x7e215040.
 */
#include <lib/uart.h>

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1U << 5)
#define PL011_FR_RXFE (1U << 4)

#define AUX_MU_IO 0x00
#define AUX_MU_LSR 0x14
#define AUX_LSR_DATA_READY (1U << 0)
#define AUX_LSR_TX_EMPTY (1U << 5)

/* Bounds the wait for a stuck transmitter: output is dropped, not hung. */
#define TX_SPIN_LIMIT 1000000

static inline u32 mmio_read32(uintptr_t a)
{
	return *(volatile u32 *)a;
}

static inline void mmio_write32(uintptr_t a, u32 v)
{
	*(volatile u32 *)a = v;
}

void uart_putc(u32 kind, uintptr_t base, char c)
{
	u32 spins = 0;

	switch (kind) {
	case HV_UART_PL011:
		while ((mmio_read32(base + PL011_FR) & PL011_FR_TXFF) != 0 &&
		       spins++ < TX_SPIN_LIMIT) {
		}
		mmio_write32(base + PL011_DR, (u8)c);
		break;
	case HV_UART_BCM_AUX:
		while ((mmio_read32(base + AUX_MU_LSR) & AUX_LSR_TX_EMPTY) == 0 &&
		       spins++ < TX_SPIN_LIMIT) {
		}
		mmio_write32(base + AUX_MU_IO, (u8)c);
		break;
	default:
		break;
	}
}

int uart_getc(u32 kind, uintptr_t base)
{
	switch (kind) {
	case HV_UART_PL011:
		if ((mmio_read32(base + PL011_FR) & PL011_FR_RXFE) != 0) {
			return -1;
		}
		return (int)(mmio_read32(base + PL011_DR) & 0xff);
	case HV_UART_BCM_AUX:
		if ((mmio_read32(base + AUX_MU_LSR) & AUX_LSR_DATA_READY) == 0) {
			return -1;
		}
		return (int)(mmio_read32(base + AUX_MU_IO) & 0xff);
	default:
		return -1;
	}
}
