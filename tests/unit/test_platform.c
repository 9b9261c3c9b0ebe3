/*
 * Device tree parsing: hand-written trees that exercise bus address
 * translation, aliases, reservations and disabled nodes; the trees QEMU and
 * the Raspberry Pi 4 really boot with; and malformed blobs, which must be
 * refused without any read out of bounds (the build runs this under ASan).
 */
#include <stdlib.h>
#include <string.h>

#include <lib/fdt.h>
#include <hyp/platform.h>

#include "harness.h"

static struct platform p;

static s64 parse_file(const char *name)
{
	size_t size = 0;
	void *blob = test_read_file(name, &size);
	s64 err;

	if (blob == NULL) {
		return -100;
	}
	err = platform_parse(&p, blob, size);
	free(blob);
	return err;
}

TEST(platform_ranges_and_aliases)
{
	CHECK_EQ(parse_file("ranges.dtb"), 0);
	CHECK(strcmp(p.model, "Unit test board") == 0);
	CHECK_EQ(p.num_mem, 2);
	CHECK_EQ(p.mem[0].base, 0);
	CHECK_EQ(p.mem[0].size, 0x3b400000);
	CHECK_EQ(p.mem[1].base, 0x40000000);
	CHECK_EQ(p.mem[1].size, 0x40000000);
	/* memreserve first, then /reserved-memory */
	CHECK_EQ(p.num_resv, 2);
	CHECK_EQ(p.resv[0].base, 0);
	CHECK_EQ(p.resv[0].size, 0x1000);
	CHECK_EQ(p.resv[1].base, 0x3b400000);
	CHECK_EQ(p.resv[1].size, 0x4c00000);
	CHECK_EQ(p.num_cpus, 3);
	CHECK_EQ(p.cpus[0].method, CPU_METHOD_SPIN_TABLE);
	CHECK_EQ(p.cpus[0].release, 0xd8);
	CHECK_EQ(p.cpus[1].mpidr, 1);
	CHECK_EQ(p.cpus[1].release, 0xe0);
	CHECK_EQ(p.cpus[2].mpidr, 0x100);
	CHECK_EQ(p.cpus[2].method, CPU_METHOD_PSCI);
	/* stdout-path names alias serial1, behind two buses */
	CHECK_EQ(p.uart_kind, HV_UART_BCM_AUX);
	CHECK_EQ(p.uart.base, 0xfe215040);
	CHECK_EQ(p.uart.size, 0x40);
	CHECK_EQ(p.uart_irq, 32 + 93);
	CHECK_EQ(p.gic.version, 2);
	CHECK_EQ(p.gic.dist.base, 0xff841000);
	CHECK_EQ(p.gic.cpu.base, 0xff842000);
	CHECK_EQ(p.gic.hyp.base, 0xff844000);
	CHECK_EQ(p.gic.vcpu.base, 0xff846000);
	CHECK_EQ(p.gic.vcpu.size, 0x2000);
	CHECK_EQ(p.gic.maint_irq, 16 + 9);
	CHECK_EQ(p.timer_irq[TIMER_PHYS], 16 + 14);
	CHECK_EQ(p.timer_irq[TIMER_VIRT], 16 + 11);
	CHECK_EQ(p.timer_irq[TIMER_HYP], 16 + 10);
	CHECK_EQ(p.initrd_start, 0x2700000);
	CHECK_EQ(p.initrd_end, 0x2800000);
	CHECK_EQ(p.psci, PSCI_CONDUIT_NONE);
}

TEST(platform_minimal_defaults)
{
	CHECK_EQ(parse_file("minimal.dtb"), 0);
	CHECK_EQ(p.num_mem, 1); /* the disabled bank is ignored */
	CHECK_EQ(p.mem[0].base, 0x40000000);
	CHECK_EQ(p.num_cpus, 1);
	CHECK_EQ(p.cpus[0].method, CPU_METHOD_NONE);
	CHECK_EQ(p.psci, PSCI_CONDUIT_HVC);
	/* no stdout-path: the first PL011 */
	CHECK_EQ(p.uart_kind, HV_UART_PL011);
	CHECK_EQ(p.uart.base, 0x9000000);
	CHECK_EQ(p.gic.version, 0);
	CHECK_EQ(p.initrd_start, 0);
}

TEST(platform_no_memory_is_an_error)
{
	CHECK(parse_file("nomem.dtb") < 0);
	CHECK(p.error != NULL && strcmp(p.error, "no memory node") == 0);
}

static void check_virt(const char *file, unsigned gic)
{
	CHECK_EQ(parse_file(file), 0);
	CHECK_EQ(p.num_mem, 1);
	CHECK_EQ(p.mem[0].base, 0x40000000);
	CHECK_EQ(p.mem[0].size, 0x40000000);
	CHECK_EQ(p.num_cpus, 4);
	for (unsigned i = 0; i < p.num_cpus; i++) {
		CHECK_EQ(p.cpus[i].method, CPU_METHOD_PSCI);
		CHECK_EQ(p.cpus[i].mpidr, i);
	}
	CHECK_EQ(p.psci, PSCI_CONDUIT_SMC);
	CHECK_EQ(p.uart_kind, HV_UART_PL011);
	CHECK_EQ(p.uart.base, 0x9000000);
	CHECK_EQ(p.uart_irq, 32 + 1);
	CHECK_EQ(p.gic.version, gic);
	CHECK_EQ(p.gic.dist.base, 0x8000000);
	if (gic == 3) {
		CHECK_EQ(p.gic.redist.base, 0x80a0000);
	} else {
		CHECK_EQ(p.gic.cpu.base, 0x8010000);
		CHECK_EQ(p.gic.hyp.base, 0x8030000);
		CHECK_EQ(p.gic.vcpu.base, 0x8040000);
	}
	CHECK_EQ(p.gic.maint_irq, 16 + 9);
	CHECK_EQ(p.timer_irq[TIMER_VIRT], 16 + 11);
	CHECK_EQ(p.timer_irq[TIMER_HYP], 16 + 10);
}

TEST(platform_qemu_virt_gicv3)
{
	check_virt("virt-gicv3.dtb", 3);
}

TEST(platform_qemu_virt_gicv2)
{
	check_virt("virt-gicv2.dtb", 2);
}

TEST(platform_rpi4)
{
	/* The file's memory node is empty: the firmware and U-Boot fill it. */
	CHECK(parse_file("bcm2711-rpi-4-b.dtb") < 0);
	CHECK(strcmp(p.error, "no memory node") == 0);
	CHECK_EQ(p.num_cpus, 4);
	for (unsigned i = 0; i < p.num_cpus; i++) {
		CHECK_EQ(p.cpus[i].method, CPU_METHOD_SPIN_TABLE);
		CHECK_EQ(p.cpus[i].release, 0xd8 + 8 * i);
	}
	CHECK_EQ(p.uart_kind, HV_UART_BCM_AUX);
	CHECK_EQ(p.uart.base, 0xfe215040);
	CHECK_EQ(p.gic.version, 2);
	CHECK_EQ(p.gic.dist.base, 0xff841000);
	CHECK_EQ(p.gic.vcpu.base, 0xff846000);
	CHECK_EQ(p.timer_irq[TIMER_VIRT], 16 + 11);
}

/* Every truncation of a real tree up to the end of its blocks, and every
 * single-byte corruption of them. */
TEST(platform_malformed_blobs)
{
	size_t size = 0;
	unsigned char *blob = test_read_file("virt-gicv3.dtb", &size);
	unsigned char *copy;
	struct fdt f;
	size_t used;

	if (blob == NULL) {
		return;
	}
	/* The bytes the parser reads: QEMU's tree is 1 MiB, nearly all of it
	 * free space past the strings block. */
	CHECK_EQ(fdt_open(&f, blob, size), 0);
	used = MAX((size_t)f.struct_off + f.struct_size, (size_t)f.strings_off + f.strings_size);
	CHECK(used > 1024 && used <= size);
	used = MIN(used, size);
	for (size_t n = 0; n < used + 64 && n < size; n += (n < 256 ? 1 : 7)) {
		copy = malloc(n + 1);
		memcpy(copy, blob, n);
		CHECK(platform_parse(&p, copy, n) <= 0);
		free(copy);
	}
	copy = malloc(size);
	memcpy(copy, blob, size);
	for (size_t i = 0; i < used; i++) {
		copy[i] ^= (unsigned char)(0x5a + i);
		CHECK(platform_parse(&p, copy, size) <= 0);
		copy[i] = blob[i];
	}
	free(copy);
	/* a header that claims more than there is */
	CHECK_EQ(platform_parse(&p, blob, 40), HV_E_INVALID);
	CHECK(p.error != NULL && strcmp(p.error, "truncated") == 0);
	blob[0] = 0;
	CHECK_EQ(platform_parse(&p, blob, size), HV_E_INVALID);
	CHECK(strcmp(p.error, "bad magic") == 0);
	free(blob);
}
