/*
 * `bench`: instruction counts of the hyp's calls as the VMM sees them,
 * from the PMU cycle counter, which under QEMU's -icount shift=0 advances
 * by one per instruction (the hyp makes it count at EL2 too). Each figure
 * is the median of many calls; lines "BENCH <name> <median> <samples>" are
 * read by tools/build/bench.py.
 */
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/bench.h>
#include <vmm/console.h>
#include <vmm/hvcall.h>
#include <vmm/vmm.h>

#define PAGES 256
#define BLOCKS 8
#define NULL_CALLS 1001

static u64 samples[NULL_CALLS];

static inline u64 cycles(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

static void pmu_start(void)
{
	u64 pmcr;

	__asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
	pmcr |= (1U << 0) | (1U << 2); /* E: enable; C: reset the cycle counter */
	__asm__ volatile("msr pmcr_el0, %0" : : "r"(pmcr));
	__asm__ volatile("msr pmcntenset_el0, %0" : : "r"(UINT64_C(1) << 31));
	__asm__ volatile("isb");
}

/* One call to the hyp, timed; returns the status, *took the cycles. */
static s64 hv(u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 *took)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;
	register u64 x4 __asm__("x4") = a4;
	u64 t0 = cycles();

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)
			 :
			 : "memory");
	*took = cycles() - t0;
	return (s64)x0;
}

static void report(const char *name, u64 *a, u32 n)
{
	sort_u64(a, n);
	con_printf("BENCH %s %lu %u\n", name, (unsigned long)a[n / 2], n);
}

/* A 2 MiB-aligned stretch of VMM RAM of `size` bytes, clear of the image. */
static u64 find_ram(u64 size)
{
	const struct hv_boot_info *bi = vmm_boot;

	for (u32 i = 0; i < bi->num_ram; i++) {
		u64 a = ALIGN_UP(bi->ram[i].base, BLOCK_SIZE);
		u64 end = bi->ram[i].base + bi->ram[i].size;

		for (; a + size <= end; a += BLOCK_SIZE) {
			if (a + size <= bi->image.base || a >= bi->image.base + bi->image.size) {
				return a;
			}
		}
	}
	return 0;
}

static bool failed(const char *what, s64 st)
{
	if (st != HV_OK) {
		con_printf("bench: %s failed (%ld)\n", what, (long)st);
		return true;
	}
	return false;
}

void cmd_bench(int argc, char **argv)
{
	u64 base = find_ram(PAGES * PAGE_SIZE + BLOCKS * BLOCK_SIZE + BLOCK_SIZE);
	u64 blocks;
	u64 t;
	u64 vmid;
	u64 r[4];

	(void)argc;
	(void)argv;
	if (base == 0) {
		con_printf("bench: not enough free RAM\n");
		return;
	}
	blocks = ALIGN_UP(base + PAGES * PAGE_SIZE, BLOCK_SIZE);
	pmu_start();
	for (u32 i = 0; i < NULL_CALLS; i++) {
		(void)hv(HV_FN_VERSION, 0, 0, 0, 0, &samples[i]);
	}
	report("null_hypercall", samples, NULL_CALLS);

	/* The VMM loads the pages first, as it would a guest image. */
	for (u64 a = base; a < blocks + BLOCKS * BLOCK_SIZE; a += PAGE_SIZE) {
		(void)probe_write64(a, a);
	}
	/* RAM from 0 to past the last block's GiB (see prot_and_map_2m). */
	hvc_call(HV_FN_VM_CREATE, 0, (u64)(BLOCKS + 1) << 30, 0, r);
	if (failed("vm_create", (s64)r[0])) {
		return;
	}
	vmid = r[1];
	for (u32 i = 0; i < PAGES; i++) {
		if (failed("prot_and_map 4K",
			   hv(HV_FN_PROT_AND_MAP, vmid, (u64)i * PAGE_SIZE,
			      base + (u64)i * PAGE_SIZE, 3, &samples[i]))) {
			return;
		}
	}
	report("prot_and_map_4k", samples, PAGES);
	for (u32 i = 0; i < BLOCKS; i++) {
		if (failed("prot_and_map 2M",
			   hv(HV_FN_PROT_AND_MAP, vmid, (u64)(i + 1) << 30,
			      blocks + (u64)i * BLOCK_SIZE, 2, &samples[i]))) {
			return;
		}
	}
	report("prot_and_map_2m", samples, BLOCKS);
	for (u32 i = 0; i < PAGES; i++) {
		(void)hv(HV_FN_TEST_GRANT, vmid, (u64)i * PAGE_SIZE, PAGE_SIZE, 0,
			 &samples[i]);
	}
	report("grant_4k", samples, PAGES);
	for (u32 i = 0; i < PAGES; i++) {
		(void)hv(HV_FN_TEST_REVOKE, vmid, (u64)i * PAGE_SIZE, PAGE_SIZE, 0,
			 &samples[i]);
	}
	report("revoke_4k", samples, PAGES);
	(void)hv(HV_FN_VM_STOP, vmid, 0, 0, 0, &t);
	for (u32 i = 0; i < PAGES; i++) {
		(void)hv(HV_FN_CLEAR_VM_RANGE, vmid, (base >> PAGE_SHIFT) + i, 1, 0,
			 &samples[i]);
	}
	report("clear_4k", samples, PAGES);
	for (u32 i = 0; i < BLOCKS; i++) {
		(void)hv(HV_FN_CLEAR_VM_RANGE, vmid,
			 (blocks >> PAGE_SHIFT) + (u64)i * 512, 512, 0, &samples[i]);
	}
	report("clear_2m", samples, BLOCKS);
	if (failed("vm_destroy", hv(HV_FN_VM_DESTROY, vmid, 0, 0, 0, &t))) {
		return;
	}
	con_printf("BENCH done\n");
}
