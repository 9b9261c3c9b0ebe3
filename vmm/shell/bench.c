/*
 * `bench`: instruction counts of the hyp's calls as the VMM sees them,
 * from the PMU cycle counter, which under QEMU's -icount shift=0 advances
 * by one per instruction (the hyp makes it count at EL2 too). Each figure
 * is the median of many calls; lines "BENCH <name> <median> <samples>" are
 * read by tools/build/bench.py.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/bench.h>
#include <vmm/console.h>
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

/* Times one call to the hyp: the status of `call`, `took` its cycles. */
#define TIMED(took, call)                                                                \
	({                                                                               \
		u64 t0_ = cycles();                                                      \
		s64 st_ = (call);                                                        \
                                                                                         \
		(took) = cycles() - t0_;                                                 \
		st_;                                                                     \
	})

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
	u64 vmid;
	struct hv_version v;

	(void)argc;
	(void)argv;
	if (base == 0) {
		con_printf("bench: not enough free RAM\n");
		return;
	}
	blocks = ALIGN_UP(base + PAGES * PAGE_SIZE, BLOCK_SIZE);
	pmu_start();
	for (u32 i = 0; i < NULL_CALLS; i++) {
		(void)TIMED(samples[i], hv_version(&v));
	}
	report("null_hypercall", samples, NULL_CALLS);

	/* The VMM loads the pages first, as it would a guest image. */
	for (u64 a = base; a < blocks + BLOCKS * BLOCK_SIZE; a += PAGE_SIZE) {
		(void)probe_write64(a, a);
	}
	/* RAM from 0 to past the last block's GiB (see prot_and_map_2m). */
	if (failed("vm_create", hv_vm_create(0, (u64)(BLOCKS + 1) << 30, 0, &vmid))) {
		return;
	}
	for (u32 i = 0; i < PAGES; i++) {
		if (failed("prot_and_map 4K",
			   TIMED(samples[i], hv_prot_and_map(vmid, (u64)i * PAGE_SIZE,
							     base + (u64)i * PAGE_SIZE, 3)))) {
			return;
		}
	}
	report("prot_and_map_4k", samples, PAGES);
	for (u32 i = 0; i < BLOCKS; i++) {
		if (failed("prot_and_map 2M",
			   TIMED(samples[i], hv_prot_and_map(vmid, (u64)(i + 1) << 30,
							     blocks + (u64)i * BLOCK_SIZE, 2)))) {
			return;
		}
	}
	report("prot_and_map_2m", samples, BLOCKS);
	for (u32 i = 0; i < PAGES; i++) {
		(void)TIMED(samples[i], hv_test_grant(vmid, (u64)i * PAGE_SIZE, PAGE_SIZE));
	}
	report("grant_4k", samples, PAGES);
	for (u32 i = 0; i < PAGES; i++) {
		(void)TIMED(samples[i], hv_test_revoke(vmid, (u64)i * PAGE_SIZE, PAGE_SIZE));
	}
	report("revoke_4k", samples, PAGES);
	(void)hv_vm_stop(vmid);
	for (u32 i = 0; i < PAGES; i++) {
		(void)TIMED(samples[i], hv_clear_vm_range(vmid, (base >> PAGE_SHIFT) + i, 1));
	}
	report("clear_4k", samples, PAGES);
	for (u32 i = 0; i < BLOCKS; i++) {
		(void)TIMED(samples[i],
			    hv_clear_vm_range(vmid, (blocks >> PAGE_SHIFT) + (u64)i * 512, 512));
	}
	report("clear_2m", samples, BLOCKS);
	if (failed("vm_destroy", hv_vm_destroy(vmid))) {
		return;
	}
	con_printf("BENCH done\n");
}
