/*
 * The VMM's emulated PL011 (vmm/dev/pl011.c): what Linux's amba-pl011
 * driver reads and writes.
 */
#include <string.h>

#include <vmm/pl011.h>

#include "harness.h"

static struct pl011 u;

#define RD(off) pl011_access(&u, (off), false, 0)
#define WR(off, v) (void)pl011_access(&u, (off), true, (v))

TEST(pl011_ids_and_reset)
{
	static const u32 ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	pl011_reset(&u);
	for (u32 i = 0; i < 8; i++) {
		CHECK_EQ(RD(0xfe0 + 4 * i), ids[i]);
	}
	CHECK_EQ(RD(0x030), 0x300);     /* CR */
	CHECK_EQ(RD(0x018), 0x90);      /* FR: TXFE, RXFE */
	CHECK_EQ(RD(0x040), 0);         /* MIS: all masked */
	CHECK_EQ(RD(0x100), 0);         /* unknown: RAZ */
	WR(0x100, 0xffffffff);          /* WI */
	CHECK_EQ(RD(0x100), 0);
}

TEST(pl011_line_registers)
{
	pl011_reset(&u);
	WR(0x024, 0x1234a);           /* IBRD: 16 bits */
	WR(0x028, 0xff);              /* FBRD: 6 bits */
	WR(0x02c, 0x70);              /* LCR_H: 8N1, FIFOs */
	WR(0x030, 0x301);             /* CR: UARTEN, TXE, RXE */
	CHECK_EQ(RD(0x024), 0x234a);
	CHECK_EQ(RD(0x028), 0x3f);
	CHECK_EQ(RD(0x02c), 0x70);
	CHECK_EQ(RD(0x030), 0x301);
}

TEST(pl011_transmit)
{
	char out[8];

	pl011_reset(&u);
	WR(0x000, 'o');
	WR(0x000, 'k');
	CHECK_EQ(pl011_take_tx(&u, out, sizeof(out)), 2);
	CHECK(memcmp(out, "ok", 2) == 0);
	CHECK_EQ(pl011_take_tx(&u, out, sizeof(out)), 0);
	for (u32 i = 0; i < PL011_TX_BUF; i++) {
		WR(0x000, 'x');
	}
	CHECK((RD(0x018) & (1U << 5)) != 0); /* TXFF until drained */
	CHECK_EQ(pl011_take_tx(&u, out, 4), 4);
	CHECK((RD(0x018) & (1U << 5)) == 0);
}

TEST(pl011_receive_and_interrupts)
{
	pl011_reset(&u);
	CHECK_EQ(RD(0x03c) & PL011_INT_TX, PL011_INT_TX); /* RIS: TX below level */
	WR(0x038, PL011_INT_RX | PL011_INT_RT);           /* IMSC: RX only */
	CHECK_EQ(pl011_mis(&u), 0);
	CHECK(pl011_receive(&u, 'a'));
	CHECK(pl011_receive(&u, 'b'));
	CHECK_EQ(pl011_mis(&u), PL011_INT_RX | PL011_INT_RT);
	CHECK_EQ(RD(0x018) & (1U << 4), 0); /* RXFE clear */
	CHECK_EQ(RD(0x000), 'a');
	CHECK_EQ(RD(0x000), 'b');
	CHECK_EQ(RD(0x000), 0);             /* empty */
	CHECK_EQ(pl011_mis(&u), 0);
	WR(0x038, PL011_INT_TX);
	CHECK_EQ(RD(0x040), PL011_INT_TX);
	for (u32 i = 0; i < PL011_RX_FIFO; i++) {
		CHECK(pl011_receive(&u, (u8)i));
	}
	CHECK(!pl011_receive(&u, 'z'));     /* full: dropped */
	CHECK((RD(0x018) & (1U << 6)) != 0); /* RXFF */
	CHECK_EQ(RD(0x000), 0);             /* first in, first out */
	CHECK_EQ(RD(0x000), 1);
}

/* Every word of the register frame the guest reads without an exit is
 * what the emulation reads there, at reset and after set-up. */
TEST(pl011_shadow_reads_as_the_emulation)
{
	static u32 regs[1024];

	pl011_reset(&u);
	for (int round = 0; round < 2; round++) {
		memset(regs, 0, sizeof(regs));
		pl011_shadow(&u, regs);
		for (u32 off = 0; off < 4096; off += 4) {
			CHECK_EQ(regs[off / 4], RD(off));
		}
		/* set up as Linux does: enabled, 8N1, receive interrupts on */
		WR(0x030, 0x301);
		WR(0x02c, 0x70);
		WR(0x038, PL011_INT_RX | PL011_INT_RT | PL011_INT_TX);
	}
	/* it writes no word beyond the ranges the VMM cleans */
	memset(regs, 0xaa, sizeof(regs));
	pl011_shadow(&u, regs);
	for (u32 off = PL011_SHADOW_END; off < PL011_SHADOW_IDS; off += 4) {
		CHECK_EQ(regs[off / 4], 0xaaaaaaaaU);
	}
	/* a byte waiting: the emulation tells it (the frame is not lent then) */
	CHECK(pl011_receive(&u, 'x'));
	pl011_shadow(&u, regs);
	CHECK_EQ(regs[0x018 / 4] & (1U << 4), 1U << 4);
	CHECK_EQ(RD(0x018) & (1U << 4), 0);
	CHECK_EQ(RD(0x000), 'x');
}
