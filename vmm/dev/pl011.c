/*
 * Emulated PL011. See vmm/pl011.h. Register offsets: TRM 3.2, table 3-1.
 */
#include <lib/lib.h>
#include <vmm/pl011.h>

#define DR 0x000
#define RSR 0x004
#define FR PL011_FR
#define ILPR 0x020
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048
#define PERIPH_ID0 0xfe0

#define FR_RXFE (1U << 4)
#define FR_TXFF (1U << 5)
#define FR_RXFF (1U << 6)
#define FR_TXFE (1U << 7)

/* PeriphID0-3 and PCellID0-3 (TRM 3.3.15-3.3.16): part 0x011, designer
 * 0x41 (Arm), revision 3 (r1p5); the PrimeCell id B105F00D. */
static const u8 id_regs[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void pl011_reset(struct pl011 *u)
{
	memset(u, 0, sizeof(*u));
	u->cr = 0x300;
	u->ifls = 0x12;
}

static u32 ris(const struct pl011 *u)
{
	/* The transmitter never backs up: its FIFO is always below the level. */
	u32 r = PL011_INT_TX | u->ris_latched;

	if (u->rx_count != 0) {
		r |= PL011_INT_RX | PL011_INT_RT;
	}
	return r;
}

u32 pl011_mis(const struct pl011 *u)
{
	return ris(u) & u->imsc;
}

bool pl011_receive(struct pl011 *u, u8 c)
{
	if (u->rx_count >= PL011_RX_FIFO) {
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % PL011_RX_FIFO] = c;
	u->rx_count++;
	return true;
}

u32 pl011_take_tx(struct pl011 *u, char *out, u32 max)
{
	u32 n = MIN(u->tx_len, max);

	memcpy(out, u->tx, n);
	memmove(u->tx, u->tx + n, u->tx_len - n);
	u->tx_len -= n;
	return n;
}

/* The registers that only hold what the guest wrote: where each is kept
 * and the bits it keeps (TRM 3.3). */
static const struct {
	u16 off;
	u16 at; /* offset in struct pl011 */
	u32 mask;
} plain_regs[] = {
	{ ILPR, offsetof(struct pl011, ilpr), 0xff }, { IBRD, offsetof(struct pl011, ibrd), 0xffff },
	{ FBRD, offsetof(struct pl011, fbrd), 0x3f }, { LCR_H, offsetof(struct pl011, lcr_h), 0xff },
	{ CR, offsetof(struct pl011, cr), 0xff87 }, { IFLS, offsetof(struct pl011, ifls), 0x3f },
	{ IMSC, offsetof(struct pl011, imsc), 0x7ff }, { DMACR, offsetof(struct pl011, dmacr), 7 },
};

/* The plain register at off (*mask: the bits it keeps), or NULL. */
static u32 *plain_reg(struct pl011 *u, u64 off, u32 *mask)
{
	for (u32 i = 0; i < ARRAY_SIZE(plain_regs); i++) {
		if (plain_regs[i].off == off) {
			*mask = plain_regs[i].mask;
			return (u32 *)(void *)((u8 *)u + plain_regs[i].at);
		}
	}
	return NULL;
}

static u32 read_reg(struct pl011 *u, u64 off)
{
	u32 mask;
	u32 *r = plain_reg(u, off, &mask);
	u32 v;

	if (r != NULL) {
		return *r;
	}
	switch (off) {
	case DR:
		if (u->rx_count == 0) {
			return 0;
		}
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % PL011_RX_FIFO;
		u->rx_count--;
		return v;
	case FR:
		return FR_TXFE | (u->rx_count == 0 ? FR_RXFE : 0) |
		       (u->rx_count == PL011_RX_FIFO ? FR_RXFF : 0) |
		       (u->tx_len == PL011_TX_BUF ? FR_TXFF : 0);
	case RIS:
		return ris(u);
	case MIS:
		return pl011_mis(u);
	default:
		if (off >= PERIPH_ID0 && off < PERIPH_ID0 + 32 && (off & 3) == 0) {
			return id_regs[(off - PERIPH_ID0) / 4];
		}
		return 0;
	}
}

static void write_reg(struct pl011 *u, u64 off, u32 v)
{
	u32 mask;
	u32 *r = plain_reg(u, off, &mask);

	if (r != NULL) {
		*r = v & mask;
		return;
	}
	switch (off) {
	case DR:
		if (u->tx_len < PL011_TX_BUF) {
			u->tx[u->tx_len++] = (char)v;
		}
		break;
	case ICR:
		u->ris_latched &= ~v;
		break;
	default:
		break; /* RSR clears errors: there are none; others are read-only */
	}
}

void pl011_shadow(const struct pl011 *u, u32 *regs)
{
	struct pl011 idle = *u;

	/* Nothing received: no read below takes a byte (DR reads 0). */
	idle.rx_count = 0;
	for (u32 i = 0; i < ARRAY_SIZE(plain_regs); i++) {
		regs[plain_regs[i].off / 4] = read_reg(&idle, plain_regs[i].off);
	}
	regs[DR / 4] = 0;
	regs[FR / 4] = read_reg(&idle, FR);
	regs[RIS / 4] = ris(&idle);
	regs[MIS / 4] = pl011_mis(&idle);
	for (u32 i = 0; i < ARRAY_SIZE(id_regs); i++) {
		regs[PERIPH_ID0 / 4 + i] = id_regs[i];
	}
}

u32 pl011_access(struct pl011 *u, u64 off, bool write, u32 value)
{
	if (write) {
		write_reg(u, off, value);
		return 0;
	}
	return read_reg(u, off);
}
