/*
 * ondemand: RAM the VMM has not given yet (memory_on_demand) is never
 * emulated as MMIO. A store of a pattern into one untouched block and a
 * load from another must behave as memory: the load reads 0 (fresh,
 * scrubbed memory) and the stored pattern reads back, whatever the VMM
 * answers. The VMM's exits show it no value (tests/hostile checks the
 * VMM's count of MMIO exits in RAM).
 */
#include "lib/guest.h"

#define PATTERN UINT64_C(0x4f4e44454d414e44) /* "ONDEMAND" */

void guest_main(void)
{
	volatile u64 *store = (volatile u64 *)(GUEST_RAM + (10UL << 20) + 0x128);
	volatile u64 *load = (volatile u64 *)(GUEST_RAM + (12UL << 20) + 0x3f8);
	u64 v;
	u32 w;

	*store = PATTERN;
	v = *load;
	result("fresh_load_reads_zero", v == 0, "0x%lx", (unsigned long)v);
	v = *store;
	result("store_reads_back", v == PATTERN, "0x%lx", (unsigned long)v);
	/* a 32-bit load with sign extension into a block not given yet */
	__asm__ volatile("ldrsw %0, [%1]" : "=r"(v) : "r"(GUEST_RAM + (6UL << 20) + 0x10) : "memory");
	result("fresh_ldrsw_reads_zero", v == 0, "0x%lx", (unsigned long)v);
	w = *(volatile u32 *)(GUEST_RAM + (8UL << 20) + 0x44);
	result("fresh_ldr_w_reads_zero", w == 0, "0x%x", w);
}
