/*
 * Boot sequence of the hyp on the boot CPU: device tree, console, EL2 MMU,
 * entropy, secondary CPUs (which go on in cpu.c), then the VMM server at
 * EL1.
 */
#include <generated/autoconf.h>
#include <hyp/arch.h>
#include <hyp/disk.h>
#include <lib/fdt.h>
#include <hyp/gic.h>
#include <hyp/host.h>
#include <hyp/hyp.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/regions.h>
#include <hyp/rng.h>

/* A device tree larger than this is refused. */
#define FDT_MAX_SIZE (2U << 20)

/* Image layout symbols (linker script), taken PC-relatively. */
extern char _text_end[], _rodata_end[], _end[];

static void set_layout(paddr_t load)
{
	hyp_layout.base = load;
	hyp_layout.text_end = (paddr_t)(uintptr_t)_text_end; /* PC-relative */
	hyp_layout.rodata_end = (paddr_t)(uintptr_t)_rodata_end;
	hyp_layout.end = (paddr_t)(uintptr_t)_end;
	hyp_layout.reserved.base = ALIGN_DOWN(load, BLOCK_SIZE);
	hyp_layout.reserved.size =
		ALIGN_UP(hyp_layout.end, BLOCK_SIZE) - hyp_layout.reserved.base;
}

static void parse_fdt(paddr_t fdt)
{
	const u8 *blob = (const u8 *)(uintptr_t)fdt;
	u32 size;
	s64 err;

	if (fdt == 0 || (fdt & 7) != 0 || fdt_be32(blob) != FDT_MAGIC) {
		log_err("no device tree at 0x%lx (x0 at entry)\n", (unsigned long)fdt);
		cpu_halt();
	}
	size = fdt_be32(blob + 4);
	hyp_fdt = (struct hv_region){ fdt, size };
	err = platform_parse(&hyp_plat, blob, MIN(size, FDT_MAX_SIZE));
	if (err != HV_OK) {
		log_err("device tree at 0x%lx: %s\n", (unsigned long)fdt,
			hyp_plat.error);
		cpu_halt();
	}
}

/*
 * Seeds the generator (MMU on) from the boot loader's seeds, which leave
 * the device tree the VMM can read, and from the CPU's and the board's
 * generators (the RNG200 was read with the MMU off: arch_entropy_early).
 * Returns the number of non-zero device-tree seeds mixed in: 0 means no
 * byte of the tree but zeros went into the generator.
 */
static u32 entropy_boot(void)
{
	u64 t = arch_counter();
	u32 dt = rng_take_dt_seeds((u8 *)(uintptr_t)hyp_fdt.base,
				   MIN(hyp_fdt.size, FDT_MAX_SIZE), &hyp_plat);
	struct arch_seed seeds[ARCH_SEEDS];
	u32 hw = arch_entropy_boot(seeds);

	for (u32 i = 0; i < hw; i++) {
		rng_mix(seeds[i].name, seeds[i].words, sizeof(seeds[i].words));
	}
	memset(seeds, 0, sizeof(seeds));
	rng_mix(NULL, &t, sizeof(t)); /* makes states differ; no entropy */
	if (rng_ready()) {
		log_info("entropy: %u device-tree seed%s (removed from the tree), %u hardware "
			 "source%s; TRNG served\n",
			 dt, dt == 1 ? "" : "s", hw, hw == 1 ? "" : "s");
	} else {
		log_warn("entropy: no seed in the device tree, no RNDR, no RNG200: TRNG "
			 "answers NOT_SUPPORTED\n");
	}
	return dt;
}

/*
 * The boot loaders' other copies of the device tree (QEMU's at the start
 * of RAM, U-Boot's control tree) hold the same seeds, in RAM the VMM gets:
 * every tree in that RAM loses them too. Not scanned: the hyp's image, the
 * bundle, and reserved ranges (the VMM never gets those; secure firmware
 * may sit there, where a read would fault). With the MMU on (cached
 * reads): about a second per GiB under QEMU. Not run when the tree held
 * no non-zero seed: the hyp then mixed in none that a copy could hold (a
 * copy may still hold seeds a boot loader kept from the hyp's tree; the
 * hyp never used those).
 */
static void scrub_dt_copies(void)
{
	struct hv_region ram[HV_BOOT_MAX_REGIONS];
	struct hv_region skip[2 + PLAT_MAX_RESV] = {
		hyp_layout.reserved,
		{ ALIGN_DOWN(hyp_plat.initrd_start, PAGE_SIZE),
		  ALIGN_UP(hyp_plat.initrd_end, PAGE_SIZE) -
			  ALIGN_DOWN(hyp_plat.initrd_start, PAGE_SIZE) },
	};
	u32 n = MIN(hyp_plat.num_mem, HV_BOOT_MAX_REGIONS);
	u64 t = arch_counter();
	u32 wiped = 0;

	memcpy(&skip[2], hyp_plat.resv, hyp_plat.num_resv * sizeof(skip[0]));
	memcpy(ram, hyp_plat.mem, n * sizeof(ram[0]));
	for (u32 i = 0; i < 2 + hyp_plat.num_resv; i++) {
		struct hv_region r = { ALIGN_DOWN(skip[i].base, PAGE_SIZE),
				       ALIGN_UP(skip[i].base + skip[i].size, PAGE_SIZE) -
					       ALIGN_DOWN(skip[i].base, PAGE_SIZE) };

		if (skip[i].size != 0 && region_subtract(ram, &n, HV_BOOT_MAX_REGIONS, &r) != HV_OK) {
			hyp_panic("too many memory regions");
		}
	}
	for (u32 i = 0; i < n; i++) {
		wiped += rng_scrub_dt_copies((u8 *)(uintptr_t)ram[i].base, ram[i].size);
	}
	log_info("entropy: %u more copies of the seeds removed from RAM (%lu ms)\n", wiped,
		 (unsigned long)((arch_counter() - t) * 1000 / arch_counter_freq()));
}

static u64 ram_size(void)
{
	u64 sum = 0;

	for (u32 i = 0; i < hyp_plat.num_mem; i++) {
		sum += hyp_plat.mem[i].size;
	}
	return sum;
}

static void banner(void)
{
	const struct platform *p = &hyp_plat;

	log_printf("\nhyp %s (ABI %u.%u) on %s: %s\n", hyp_version,
		   HV_ABI_VERSION_MAJOR, HV_ABI_VERSION_MINOR,
		   CONFIG_PLATFORM_NAME, p->model[0] != '\0' ? p->model : "?");
	log_info("GICv%u, %u CPUs, RAM %lu MiB in %u bank%s, PA %u bits\n",
		 p->gic.version, p->num_cpus, (unsigned long)(ram_size() >> 20),
		 p->num_mem, p->num_mem == 1 ? "" : "s", hyp_pa_bits);
	log_info("hyp image %lu KiB at 0x%lx, footprint %lu KiB reserved at "
		 "0x%lx\n",
		 (unsigned long)((hyp_layout.end - hyp_layout.base) >> 10),
		 (unsigned long)hyp_layout.base,
		 (unsigned long)(hyp_layout.reserved.size >> 10),
		 (unsigned long)hyp_layout.reserved.base);
	log_info("console %s at 0x%lx, device tree at 0x%lx (%lu bytes)\n",
		 p->uart_kind == HV_UART_PL011 ? "PL011" : "BCM2711 mini UART",
		 (unsigned long)p->uart.base, (unsigned long)hyp_fdt.base,
		 (unsigned long)hyp_fdt.size);
	if (CONFIG_TEST_HOOKS) {
		/* Whatever the log level: such a build must never pass for a
		 * release (HV_FN_TEST_* break the isolation of VMs). */
		log_printf("hyp: TEST BUILD: test-only calls are on; VMs are not "
			   "protected\n");
	}
}

void hyp_main(paddr_t fdt, paddr_t load)
{
	paddr_t info;
	paddr_t entry;

	arch_set_cpu_index(0);
	log_init(CONFIG_EARLY_UART_KIND, CONFIG_EARLY_UART_BASE);
	parse_fdt(fdt);
	if (hyp_plat.uart_kind != HV_UART_NONE) {
		log_init(hyp_plat.uart_kind, hyp_plat.uart.base);
	}
	set_layout(load);
	arch_entropy_early();
	hyp_pa_bits = arch_pa_bits();
	arch_mmu_init();
	log_enable_locking();
	banner();
	if (entropy_boot() != 0) {
		scrub_dt_copies();
	} else {
		log_info("entropy: no device-tree seed mixed in: RAM not scanned for copies\n");
	}

	arch_set_cpu_index(arch_own_cpu_index());
	arch_cpu_init_el2();
	cpu_spectre_init(arch_cpu_index(), true);
	gic_init();
	gic_init_cpu();
	hyp_cpus_online = arch_start_secondaries();
	log_info("%u of %u CPUs online\n", hyp_cpus_online, hyp_plat.num_cpus);
	disk_init();

	hyp_cpu_state[arch_cpu_index()] = CPU_VMM;
	entry = host_init(&info);
	arch_load_host_s2(host_s2_vttbr(), host_s2_ipa_bits());
	log_info("starting the VMM at EL1 (entry 0x%lx)\n", (unsigned long)entry);
	arch_enter_el1(entry, info);
}
