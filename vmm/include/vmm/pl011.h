/*
 * An emulated PL011 UART (PrimeCell UART PL011 TRM, DDI 0183): enough for
 * Linux's amba-pl011 driver: data, flags, the baud and line-control
 * registers, interrupt mask/status/clear, and the peripheral and PrimeCell
 * IDs. Transmitted bytes go to a callback-free output buffer the VMM
 * drains; received bytes come from pl011_receive. Plain C, host-tested.
 */
#ifndef VMM_PL011_H
#define VMM_PL011_H

#include <lib/types.h>

#define PL011_RX_FIFO 32
#define PL011_TX_BUF 256

/* Interrupt bits of IMSC/RIS/MIS/ICR (TRM 3.3.13). */
#define PL011_INT_RX (1U << 4)
#define PL011_INT_TX (1U << 5)
#define PL011_INT_RT (1U << 6)

/* The flag register's offset: Linux reads it before each byte it writes. */
#define PL011_FR 0x018

struct pl011 {
	u32 ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr, ilpr;
	u32 ris_latched; /* RIS bits set until cleared through ICR */
	u8 rx[PL011_RX_FIFO];
	u32 rx_head, rx_count;
	char tx[PL011_TX_BUF];
	u32 tx_len;
};

/** Reset state (TRM 3.2: CR = 0x300, TX and RX enabled but UART off). */
void pl011_reset(struct pl011 *u);
/**
 * A guest access at offset `off` of the 4 KiB register frame. Returns the
 * value for reads (0 for writes). Unknown offsets read as zero, ignore
 * writes.
 */
u32 pl011_access(struct pl011 *u, u64 off, bool write, u32 value);
/**
 * Writes into regs (the 4 KiB register frame, as words) what each register
 * reads as, for a copy of the frame the guest reads without an exit: true
 * only while nothing was received (a DR read would take a byte). Offsets
 * it does not write read as zero in a zeroed frame.
 */
void pl011_shadow(const struct pl011 *u, u32 *regs);
/* The words pl011_shadow writes: [0, PL011_SHADOW_END), the IDs from
 * PL011_SHADOW_IDS to the frame's end. */
#define PL011_SHADOW_END 0x04c
#define PL011_SHADOW_IDS 0xfe0
/** Queues a received byte; false if the FIFO is full (byte dropped). */
bool pl011_receive(struct pl011 *u, u8 c);
/** Masked interrupt status: non-zero means the interrupt line is high. */
u32 pl011_mis(const struct pl011 *u);
/** Takes the transmitted bytes so far (up to max) into out; returns how many. */
u32 pl011_take_tx(struct pl011 *u, char *out, u32 max);

#endif /* VMM_PL011_H */
