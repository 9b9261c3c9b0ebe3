/*
 * The SD card of a Raspberry Pi 4, in its SDHCI controller (EMMC2 on the
 * board; QEMU's raspi4b wires the card to the Arasan EMMC at 0xfe300000):
 * the card is set up again from idle and each block moves through the
 * controller's data port, by programmed I/O. The controller's DMA is never
 * turned on, and the VMM cannot reach its registers.
 *
 * Registers are read and written 32 bits at a time, as the BCM2835's
 * controllers need. Commands and transfers are polled; no interrupt. The
 * card is identified at the clock the boot loader left (QEMU does not
 * mind; a real card may want 400 kHz for that, which this does not set).
 */
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/log.h>
#include <lib/lib.h>

#include "disk_priv.h"

/* SD Host Controller Simplified Specification 3.00, 2.1 (32-bit words). */
enum {
	R_BLOCK = 0x04,   /* block size [11:0], block count [31:16] */
	R_ARG = 0x08,
	R_CMD = 0x0c,     /* transfer mode [15:0], command [31:16] */
	R_RESP0 = 0x10,
	R_DATA = 0x20,
	R_PRESENT = 0x24,
	R_HOST = 0x28,    /* host control 1 [7:0], power [15:8] */
	R_CLOCK = 0x2c,   /* clock [15:0], timeout [23:16], software reset [31:24] */
	R_INT = 0x30,     /* normal [15:0], error [31:16]; write 1 to clear */
	R_INT_ENABLE = 0x34,
	R_INT_SIGNAL = 0x38,
};

#define PRESENT_CMD_INHIBIT (1U << 0)
#define PRESENT_DAT_INHIBIT (1U << 1)
#define PRESENT_CARD (1U << 16)
#define INT_CMD_DONE (1U << 0)
#define INT_XFER_DONE (1U << 1)
#define INT_WRITE_READY (1U << 4)
#define INT_READ_READY (1U << 5)
#define INT_ERROR (1U << 15)
#define HOST_4BIT (1U << 1)
#define HOST_HIGH_SPEED (1U << 2)
#define HOST_8BIT (1U << 5)
#define RESET_CMD (1U << 25)
#define RESET_DAT (1U << 26)

/* Transfer mode bits (bit 0, DMA, is never set). */
#define TM_BLOCK_COUNT (1U << 1)
#define TM_AUTO_CMD12 (1U << 2)
#define TM_READ (1U << 4)
#define TM_MULTI (1U << 5)

/* Command: index, and response and checks. */
#define CMD(i) ((u32)(i) << 8)
#define RESP_NONE 0U
#define RESP_136 1U
#define RESP_48 (2U | (1U << 3) | (1U << 4)) /* CRC and index checked */
#define RESP_48_NOCHECK 2U                    /* R3: neither */
#define RESP_48_BUSY (3U | (1U << 3) | (1U << 4))
#define DATA_PRESENT (1U << 5)

#define WAIT_MS 1000

static struct {
	uintptr_t base;
	bool block_addressed; /* SDHC/SDXC: arguments are sectors, not bytes */
} sd;
static struct disk_dev dev;

#define rd(off) disk_rd(sd.base, off)
#define wr(off, v) disk_wr(sd.base, off, v)

/* Waits until (reg & mask) == want; false after WAIT_MS. */
static bool wait_for(u32 reg, u32 mask, u32 want)
{
	u64 deadline = arch_counter() + WAIT_MS * (arch_counter_freq() / 1000);

	while ((rd(reg) & mask) != want) {
		if (arch_counter() > deadline) {
			return false;
		}
	}
	return true;
}

/* Failures in a row; after FAILS_MAX the card is used no more. */
#define FAILS_MAX 3
static u32 fails;

static void reset_lines(void)
{
	wr(R_CLOCK, rd(R_CLOCK) | RESET_CMD | RESET_DAT);
	(void)wait_for(R_CLOCK, RESET_CMD | RESET_DAT, 0);
	wr(R_INT, 0xffffffff);
}

/* After an error: the command and data lines reset and the status
 * cleared; in the middle of a transfer (mid_data), the card is told to
 * stop it (CMD12), and the lines reset again if it did not answer. */
static s64 failed_at(bool mid_data)
{
	reset_lines();
	if (mid_data) {
		wr(R_ARG, 0);
		wr(R_CMD, (CMD(12) | RESP_48_BUSY) << 16);
		if (!wait_for(R_INT, INT_CMD_DONE | INT_ERROR, INT_CMD_DONE)) {
			reset_lines();
		}
		wr(R_INT, 0xffffffff);
	}
	if (++fails >= FAILS_MAX && dev.rw != NULL) {
		log_warn("SD card: %u failures in a row; no boot disk for the VMM\n", fails);
		__atomic_store_n(&dev.failed, true, __ATOMIC_RELEASE);
	}
	return HV_E_IO;
}

static s64 failed(void)
{
	return failed_at(false);
}

/* Waits for interrupt status bit `bit` (or an error) and clears it. */
static bool wait_int(u32 bit)
{
	u64 deadline = arch_counter() + WAIT_MS * (arch_counter_freq() / 1000);
	u32 st;

	while (((st = rd(R_INT)) & (bit | INT_ERROR)) == 0) {
		if (arch_counter() > deadline) {
			return false;
		}
	}
	if ((st & INT_ERROR) != 0) {
		return false;
	}
	wr(R_INT, bit);
	return true;
}

/* Sends a command with its argument (mode: the transfer mode, for data);
 * HV_OK with the response in *resp, or HV_E_IO. */
static s64 command(u32 cmd, u32 arg, u32 mode, u32 *resp)
{
	u32 inhibit = PRESENT_CMD_INHIBIT | ((cmd & DATA_PRESENT) != 0 ? PRESENT_DAT_INHIBIT : 0);

	if (!wait_for(R_PRESENT, inhibit, 0)) {
		return failed();
	}
	wr(R_INT, 0xffffffff);
	wr(R_ARG, arg);
	wr(R_CMD, mode | cmd << 16); /* mode's bit 0, DMA, is always clear */
	if (!wait_int(INT_CMD_DONE)) {
		return failed();
	}
	if (resp != NULL) {
		*resp = rd(R_RESP0);
	}
	return HV_OK;
}

static s64 app_command(u32 cmd, u32 arg, u32 *resp)
{
	s64 st = command(CMD(55) | RESP_48, 0, 0, NULL);

	return st == HV_OK ? command(cmd, arg, 0, resp) : st;
}

/*
 * The card's size from its CSD (the response to CMD9). The controller
 * keeps response bits [127:8] in RESP0..RESP3, so CSD bit b is bit b - 8
 * of that 120-bit value.
 */
static u64 csd_bits(u32 hi, u32 lo)
{
	u64 v = 0;

	for (u32 b = hi; b + 1 > lo; b--) {
		u32 s = b - 8;

		v = v << 1 | ((rd(R_RESP0 + 4 * (s / 32)) >> (s % 32)) & 1);
	}
	return v;
}

/* The card's sectors, or 0 for a CSD it does not trust. A byte-addressed
 * card's addresses are 32 bits: at most 4 GiB. */
static u64 csd_sectors(void)
{
	u64 v = csd_bits(127, 126);
	u64 bl = csd_bits(83, 80);

	if (v == 1 && sd.block_addressed) {
		return (csd_bits(69, 48) + 1) << 10; /* version 2: (C_SIZE + 1) * 512 KiB */
	}
	if (v != 0 || sd.block_addressed || bl < 9 || bl > 11) {
		return 0;
	}
	/* version 1: (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN */
	v = ((csd_bits(73, 62) + 1) << (csd_bits(49, 47) + 2)) << bl >> 9;
	return v <= UINT64_C(1) << 23 ? v : 0;
}

/* The card from idle to the transfer state, 1-bit bus, 512-byte blocks. */
static bool card_init(void)
{
	u32 r = 0;
	u32 rca;
	u64 deadline;

	wr(R_INT_ENABLE, 0xffff00ff); /* every error, the normal events polled */
	wr(R_INT_SIGNAL, 0);
	wr(R_HOST, rd(R_HOST) & ~(HOST_4BIT | HOST_8BIT | HOST_HIGH_SPEED));
	if (command(CMD(0) | RESP_NONE, 0, 0, NULL) != HV_OK ||
	    command(CMD(8) | RESP_48, 0x1aa, 0, &r) != HV_OK || (r & 0xfff) != 0x1aa) {
		return false; /* not an SD card of version 2 or later */
	}
	deadline = arch_counter() + arch_counter_freq();
	do {
		/* ACMD41: high capacity supported, 3.2-3.4 V */
		if (app_command(CMD(41) | RESP_48_NOCHECK, 0x40300000, &r) != HV_OK ||
		    arch_counter() > deadline) {
			return false;
		}
	} while ((r & (1U << 31)) == 0);
	sd.block_addressed = (r & (1U << 30)) != 0;
	if (command(CMD(2) | RESP_136, 0, 0, NULL) != HV_OK ||
	    command(CMD(3) | RESP_48, 0, 0, &r) != HV_OK) {
		return false;
	}
	rca = r & 0xffff0000;
	if (command(CMD(9) | RESP_136, rca, 0, NULL) != HV_OK) {
		return false;
	}
	dev.sectors = csd_sectors();
	return dev.sectors != 0 &&
	       command(CMD(7) | RESP_48_BUSY, rca, 0, NULL) == HV_OK &&
	       command(CMD(16) | RESP_48, 512, 0, NULL) == HV_OK;
}

static s64 sd_rw(u32 op, u64 sector, u64 pa, u32 n)
{
	bool read = op == HV_DISK_READ;
	u32 *buf = (u32 *)(uintptr_t)pa;
	u32 cmd;
	u32 mode = TM_BLOCK_COUNT | (read ? TM_READ : 0);

	if (op == HV_DISK_FLUSH) {
		return HV_OK; /* every block is written when its transfer ends */
	}
	if (n > 1) {
		mode |= TM_MULTI | TM_AUTO_CMD12;
	}
	cmd = CMD(read ? (n > 1 ? 18 : 17) : (n > 1 ? 25 : 24)) | RESP_48 | DATA_PRESENT;
	wr(R_BLOCK, 512 | n << 16);
	if (command(cmd, (u32)(sd.block_addressed ? sector : sector * 512), mode, NULL) != HV_OK) {
		return HV_E_IO;
	}
	for (u32 b = 0; b < n; b++) {
		if (!wait_int(read ? INT_READ_READY : INT_WRITE_READY)) {
			return failed_at(true);
		}
		for (u32 w = 0; w < 128; w++) {
			if (read) {
				buf[b * 128 + w] = rd(R_DATA);
			} else {
				wr(R_DATA, buf[b * 128 + w]);
			}
		}
	}
	if (!wait_int(INT_XFER_DONE)) {
		return failed_at(true);
	}
	fails = 0;
	return HV_OK;
}

struct disk_dev *disk_sd_probe(void)
{
	const struct platform *p = &hyp_plat;

	for (u32 i = 0; i < p->num_sdhci; i++) {
		sd.base = (uintptr_t)p->sdhci[i].base;
		if ((rd(R_PRESENT) & PRESENT_CARD) == 0) {
			continue;
		}
		if (!card_init()) {
			log_warn("SD card at 0x%lx: not set up\n", (unsigned long)sd.base);
			continue;
		}
		fails = 0; /* (those of a controller tried before) */
		dev.name = "SD card (programmed I/O)";
		dev.base = sd.base;
		dev.rw = sd_rw;
		return &dev;
	}
	return NULL;
}
