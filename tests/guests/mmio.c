/*
 * mmio: loads and stores of every size to the VMM's test device, with
 * sign- and zero-extending loads into 32- and 64-bit registers.
 *
 * Test device (emulated by the VMM at GUEST_TESTDEV): a read at offset
 * 0x00 returns 0xf1e2d3c4b5a69788 truncated to the access size; a write
 * at 0x00 is remembered: a read at 0x100 returns its value, at 0x108 its
 * size in bytes.
 */
#include "lib/guest.h"

#define PATTERN 0xf1e2d3c4b5a69788UL

static u64 last_value(void)
{
	return *(volatile u64 *)(GUEST_TESTDEV + 0x100);
}

static u64 last_size(void)
{
	return *(volatile u64 *)(GUEST_TESTDEV + 0x108);
}

void guest_main(void)
{
	u64 dev = GUEST_TESTDEV;
	u64 x;
	u32 w;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(w) : "r"(dev));
	result("ldrb", w == 0x88, "0x%x", w);
	__asm__ volatile("ldrh %w0, [%1]" : "=r"(w) : "r"(dev));
	result("ldrh", w == 0x9788, "0x%x", w);
	__asm__ volatile("ldr %w0, [%1]" : "=r"(w) : "r"(dev));
	result("ldr_w", w == 0xb5a69788, "0x%x", w);
	__asm__ volatile("ldr %0, [%1]" : "=r"(x) : "r"(dev));
	result("ldr_x", x == PATTERN, "0x%lx", (unsigned long)x);
	__asm__ volatile("ldrsb %0, [%1]" : "=r"(x) : "r"(dev));
	result("ldrsb_x", x == 0xffffffffffffff88UL, "0x%lx", (unsigned long)x);
	__asm__ volatile("mov %0, #-1\n\tldrsb %w0, [%1]" : "=&r"(x) : "r"(dev));
	result("ldrsb_w", x == 0xffffff88UL, "0x%lx (upper half cleared)", (unsigned long)x);
	__asm__ volatile("ldrsh %0, [%1]" : "=r"(x) : "r"(dev));
	result("ldrsh_x", x == 0xffffffffffff9788UL, "0x%lx", (unsigned long)x);
	__asm__ volatile("ldrsw %0, [%1]" : "=r"(x) : "r"(dev));
	result("ldrsw", x == 0xffffffffb5a69788UL, "0x%lx", (unsigned long)x);

	__asm__ volatile("strb %w0, [%1]" : : "r"(0x1234abcdU), "r"(dev) : "memory");
	result("strb", last_value() == 0xcd && last_size() == 1, "0x%lx/%lu",
	       (unsigned long)last_value(), (unsigned long)last_size());
	__asm__ volatile("strh %w0, [%1]" : : "r"(0x1234abcdU), "r"(dev) : "memory");
	result("strh", last_value() == 0xabcd && last_size() == 2, "0x%lx/%lu",
	       (unsigned long)last_value(), (unsigned long)last_size());
	__asm__ volatile("str %w0, [%1]" : : "r"(0x1234abcdU), "r"(dev) : "memory");
	result("str_w", last_value() == 0x1234abcd && last_size() == 4, "0x%lx/%lu",
	       (unsigned long)last_value(), (unsigned long)last_size());
	__asm__ volatile("str %0, [%1]" : : "r"(0x0123456789abcdefUL), "r"(dev) : "memory");
	result("str_x", last_value() == 0x0123456789abcdefUL && last_size() == 8,
	       "0x%lx/%lu", (unsigned long)last_value(), (unsigned long)last_size());
	__asm__ volatile("str xzr, [%0]" : : "r"(dev) : "memory");
	result("str_xzr", last_value() == 0 && last_size() == 8, "0x%lx/%lu",
	       (unsigned long)last_value(), (unsigned long)last_size());
}
