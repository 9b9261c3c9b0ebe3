/*
 * The VMM's device tree writer and its guests' device tree, read back by
 * the hyp's own parser and checked by dtc.
 */
#define _DEFAULT_SOURCE /* readlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyp/platform.h>
#include <vmm/fdtw.h>

#include "harness.h"

static u8 blob[8192];
static struct platform p;

static void check_guest(u32 gic, u32 ncpus)
{
	struct guest_dt c = { .ram_base = 0x40000000, .ram_size = 256ULL << 20, .ncpus = ncpus,
			      .gic_version = gic, .bootargs = "console=ttyAMA0 quiet",
			      .initrd_start = 0x48000000, .initrd_end = 0x48400000 };
	s32 n = guest_dt_build(blob, sizeof(blob), &c);

	CHECK(n > 0);
	if (n <= 0) {
		return;
	}
	CHECK_EQ(platform_parse(&p, blob, (size_t)n), 0);
	CHECK_EQ(p.num_mem, 1);
	CHECK_EQ(p.mem[0].base, 0x40000000);
	CHECK_EQ(p.mem[0].size, 256ULL << 20);
	CHECK_EQ(p.num_cpus, ncpus);
	for (u32 i = 0; i < ncpus; i++) {
		CHECK_EQ(p.cpus[i].mpidr, i);
		CHECK_EQ(p.cpus[i].method, CPU_METHOD_PSCI);
	}
	CHECK_EQ(p.psci, PSCI_CONDUIT_HVC);
	CHECK_EQ(p.gic.version, gic);
	CHECK_EQ(p.gic.dist.base, 0x08000000);
	if (gic == 3) {
		CHECK_EQ(p.gic.redist.base, 0x080a0000);
		CHECK_EQ(p.gic.redist.size, ncpus * 0x20000ULL);
	} else {
		CHECK_EQ(p.gic.cpu.base, 0x08010000);
	}
	CHECK_EQ(p.uart_kind, HV_UART_PL011);
	CHECK_EQ(p.uart.base, 0x09000000);
	CHECK_EQ(p.uart_irq, 33);
	CHECK_EQ(p.timer_irq[TIMER_VIRT], 27);
	CHECK_EQ(p.initrd_start, 0x48000000);
	CHECK_EQ(p.initrd_end, 0x48400000);
	CHECK(strcmp(p.model, "hyp protected VM") == 0);
}

TEST(fdtw_guest_tree_reads_back)
{
	check_guest(3, 2);
	check_guest(2, 4);
	check_guest(3, 1);
}

TEST(fdtw_guest_tree_passes_dtc)
{
	/* With virtio devices in slots 0 and 2 on a bus whose DMA reaches a
	 * 32 MiB window below the kernel's RAM. */
	struct guest_dt c = { .ram_base = 0x3e000000, .ram_size = 64ULL << 20, .ncpus = 2,
			      .gic_version = 3, .bootargs = "console=ttyAMA0",
			      .virtio_slots = 5, .virtio_base = 0x0a010000, .virtio_stride = 0x200,
			      .virtio_spi = 8, .dma_base = 0x3e000000, .dma_size = 32ULL << 20 };
	s32 n = guest_dt_build(blob, sizeof(blob), &c);
	char cmd[4096];
	char path[512];
	ssize_t len;
	FILE *f;

	CHECK(n > 0);
	/* The blob and dtc's output go beside the test program (under build/),
	 * wherever it is run from. */
	len = readlink("/proc/self/exe", path, sizeof(path) - 32);
	CHECK(len > 0 && memchr(path, '/', (size_t)len) != NULL);
	if (len <= 0 || memchr(path, '/', (size_t)len) == NULL) {
		return;
	}
	path[len] = '\0';
	strcpy(strrchr(path, '/'), "/guest-generated.dtb");
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL || n <= 0) {
		return;
	}
	CHECK_EQ(fwrite(blob, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	/* dtc fails on a malformed blob; -q is off so warnings show too. */
	snprintf(cmd, sizeof(cmd),
		 "dtc -I dtb -O dts -o %s.dts %s 2>&1 | grep -q . && exit 1; "
		 "grep -q 'arm,gic-v3' %s.dts && "
		 "test $(grep -c 'virtio,mmio' %s.dts) = 2 && "
		 "grep -q 'virtio_mmio@a010400' %s.dts && "
		 "grep -q 'interrupts = <0x00 0x0a 0x04>' %s.dts && "
		 "grep -q 'dma-ranges = <0x00 0x3e000000 0x00 0x3e000000 0x00 0x2000000>' %s.dts",
		 path, path, path, path, path, path, path);
	CHECK_EQ(system(cmd), 0);
}

TEST(fdtw_overflow_is_refused)
{
	struct guest_dt c = { .ram_base = 0x40000000, .ram_size = 64ULL << 20, .ncpus = 8,
			      .gic_version = 3, .bootargs = "console=ttyAMA0" };

	for (u32 size = 0; size < 600; size += 7) {
		CHECK(guest_dt_build(blob, size, &c) == -1);
	}
	CHECK(guest_dt_build(blob, sizeof(blob), &c) > 600);
}

TEST(fdtw_guest_tree_carries_the_seeds)
{
	u8 seed[64];
	struct guest_dt c = { .ram_base = 0x40000000, .ram_size = 64ULL << 20, .ncpus = 1,
			      .gic_version = 3, .rng_seed = seed, .rng_seed_len = sizeof(seed),
			      .kaslr_seeded = true, .kaslr_seed = 0x0123456789abcdefULL };
	s32 n;

	for (u32 i = 0; i < sizeof(seed); i++) {
		seed[i] = (u8)(0xa0 + i);
	}
	n = guest_dt_build(blob, sizeof(blob), &c);
	CHECK(n > 0);
	if (n <= 0) {
		return;
	}
	CHECK_EQ(platform_parse(&p, blob, (size_t)n), 0);
	CHECK_EQ(p.rng_seed.len, 64);
	CHECK(memcmp(blob + p.rng_seed.off, seed, sizeof(seed)) == 0);
	CHECK_EQ(p.kaslr_seed.len, 8);
	CHECK_EQ(blob[p.kaslr_seed.off], 0x01); /* big-endian, as Linux reads it */
	CHECK_EQ(blob[p.kaslr_seed.off + 7], 0xef);
	/* Without seeds from the hyp, no property at all. */
	c.rng_seed_len = 0;
	c.kaslr_seeded = false;
	n = guest_dt_build(blob, sizeof(blob), &c);
	CHECK(n > 0 && platform_parse(&p, blob, (size_t)n) == 0);
	CHECK(p.rng_seed.len == 0 && p.kaslr_seed.len == 0);
}
