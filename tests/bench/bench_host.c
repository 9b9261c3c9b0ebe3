/*
 * Nanoseconds per operation of hyp/core/mem.c compiled for the build
 * machine, on the simulated machine of tests/unit/fake_arch.c. Prints
 * "HOST <name> <ns per op> <iterations>" lines for tools/build/bench.py.
 * Wall-clock figures: they vary with the machine and its load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hyp/mem.h>

#include "fake_arch.h"

#define ROUNDS 200
#define PAGES 256
#define BLOCKS 2
#define FIRST_PAGE (FAKE_BANK0 + (UINT64_C(2) << 20))  /* after the hyp */
#define FIRST_BLOCK FAKE_BANK1

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double sums[7];
static unsigned long counts[7];
enum { NUL, MAP4K, MAP2M, GRANT, REVOKE, CLEAR4K, CLEAR2M };

static void must(s64 r, const char *what)
{
	if (r != HV_OK) {
		fprintf(stderr, "bench_host: %s failed (%lld)\n", what, (long long)r);
		exit(1);
	}
}

#define TIMED(slot, expr)                                                     \
	do {                                                                  \
		double t0_ = now_ns();                                        \
		s64 r_ = (expr);                                              \
		sums[slot] += now_ns() - t0_;                                 \
		counts[slot]++;                                               \
		must(r_, #expr);                                              \
	} while (0)

static void round_once(void)
{
	u32 vmid = 0;
	u64 info[3];
	const char *why;

	if (fake_machine_init(256, 128, 64) != 0) {
		exit(1);
	}
	/* The VMM has its memory mapped, as after loading a guest image. */
	for (u64 a = FIRST_PAGE; a < FIRST_PAGE + PAGES * PAGE_SIZE; a += BLOCK_SIZE) {
		must(mem_host_fault(ipa_of(a), true, &why), "host fault");
	}
	for (u32 i = 0; i < 64; i++) {
		TIMED(NUL, mem_page_info(pfn_of(i), info));
	}
	must(fake_vm_create(&vmid, false), "create");
	for (u32 i = 0; i < PAGES; i++) {
		TIMED(MAP4K, mem_prot_and_map(vmid, ipa_of(i * PAGE_SIZE),
					      FIRST_PAGE + i * PAGE_SIZE, 3));
	}
	for (u32 i = 0; i < BLOCKS; i++) {
		TIMED(MAP2M, mem_prot_and_map(vmid, ipa_of((u64)(i + 1) << 30),
					      FIRST_BLOCK + i * BLOCK_SIZE, 2));
	}
	for (u32 i = 0; i < PAGES; i++) {
		TIMED(GRANT, mem_grant(vmid, ipa_of(i * PAGE_SIZE), PAGE_SIZE));
	}
	for (u32 i = 0; i < PAGES; i++) {
		TIMED(REVOKE, mem_revoke(vmid, ipa_of(i * PAGE_SIZE), PAGE_SIZE));
	}
	must(mem_vm_stop(vmid), "stop");
	for (u32 i = 0; i < PAGES; i++) {
		TIMED(CLEAR4K, mem_clear_vm_range(vmid, pfn_of((FIRST_PAGE >> PAGE_SHIFT) + i), 1));
	}
	for (u32 i = 0; i < BLOCKS; i++) {
		TIMED(CLEAR2M, mem_clear_vm_range(vmid,
						  pfn_of((FIRST_BLOCK >> PAGE_SHIFT) + i * 512), 512));
	}
	must(mem_vm_destroy(vmid), "destroy");
}

int main(void)
{
	static const char *const names[] = {
		"page_info", "prot_and_map_4k", "prot_and_map_2m", "grant_4k",
		"revoke_4k", "clear_4k", "clear_2m",
	};

	for (int r = 0; r < ROUNDS; r++) {
		round_once();
	}
	for (int i = 0; i < 7; i++) {
		printf("HOST %s %.1f %lu\n", names[i], sums[i] / (double)counts[i],
		       counts[i]);
	}
	return 0;
}
