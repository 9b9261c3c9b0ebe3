/*
 * Polled transmit and receive for the console UARTs the device tree can
 * name: the Arm PL011 and the BCM2711 auxiliary mini UART. Shared by the
 * hyp and the VMM, which each drive the UART from their own side.
 */
#ifndef LIB_UART_H
#define LIB_UART_H

#include <abi/hv_abi.h>
#include <lib/types.h>

/** Writes one byte, waiting while the transmit FIFO is full. */
void uart_putc(u32 kind, uintptr_t base, char c);
/** Returns a received byte, or -1 if none is waiting. */
int uart_getc(u32 kind, uintptr_t base);

#endif /* LIB_UART_H */
