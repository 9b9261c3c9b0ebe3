/*
 * The VMM server's memory at boot: which RAM it owns, where its image and
 * boot information go, where the hyp keeps the ownership table and the
 * stage-2 table pool, and the description of all of it for mem_init.
 * Stage-2 faults of the VMM are served by mem_host_fault (core/mem.c).
 */
#include <hyp/arch.h>
#include <hyp/host.h>
#include <hyp/hyp.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/regions.h>

#define HOST_MAX_IPA_BITS 40

static struct hv_region vmm_ram[HV_BOOT_MAX_REGIONS];
static u32 vmm_ram_n;
static struct mem_config cfg;

/* The VMM image embedded in the hyp (linker script). */
extern const u8 _vmm_image_start[];
extern const u8 _vmm_image_end[];

/* Linux Image header fields of the VMM image (booting.rst). */
#define IMAGE_SIZE_OFF 16
#define IMAGE_MAGIC_OFF 56
#define IMAGE_MAGIC 0x644d5241U /* "ARM\x64" */

static u64 le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

static void subtract_or_die(const struct hv_region *h)
{
	if (region_subtract(vmm_ram, &vmm_ram_n, HV_BOOT_MAX_REGIONS, h) != HV_OK) {
		hyp_panic("too many memory regions for the VMM");
	}
}

static void keep_for_hyp(const struct hv_region *r)
{
	if (cfg.num_hyp >= ARRAY_SIZE(cfg.hyp)) {
		hyp_panic("too many hyp ranges");
	}
	cfg.hyp[cfg.num_hyp++] = *r;
	subtract_or_die(r);
}

/*
 * A 2 MiB-aligned range of `size` bytes of VMM RAM, clear of the device
 * tree and out of the top 32 MiB of its bank (where U-Boot relocated
 * itself: stores there are slow under QEMU, docs/boot.md).
 */
static paddr_t place(u64 size)
{
	const u64 top_avoid = 32ULL << 20;

	for (u32 i = 0; i < vmm_ram_n; i++) {
		const struct hv_region *r = &vmm_ram[i];
		paddr_t end = r->base + r->size;
		paddr_t bank_end = end;

		for (u32 b = 0; b < hyp_plat.num_mem; b++) {
			if (region_contains(&hyp_plat.mem[b], pa_of(r->base), r->size)) {
				bank_end = hyp_plat.mem[b].base + hyp_plat.mem[b].size;
			}
		}
		for (paddr_t a = ALIGN_UP(r->base, BLOCK_SIZE);
		     a + size <= end && a + size + top_avoid <= bank_end;
		     a += BLOCK_SIZE) {
			if (!region_overlaps(a, size, hyp_fdt.base, hyp_fdt.size)) {
				return a;
			}
		}
	}
	hyp_panic("no room for %lu bytes of boot data", (unsigned long)size);
}

static u64 ram_total(void)
{
	u64 sum = 0;

	for (u32 i = 0; i < vmm_ram_n; i++) {
		sum += vmm_ram[i].size;
	}
	return sum;
}

static void fill_info(struct hv_boot_info *bi, paddr_t image, u64 size)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = HV_BOOT_INFO_MAGIC;
	bi->abi_major = HV_ABI_VERSION_MAJOR;
	bi->abi_minor = HV_ABI_VERSION_MINOR;
	bi->num_cpus = hyp_cpus_online;
	bi->gic_version = hyp_plat.gic.version;
	bi->uart_kind = hyp_plat.uart_kind;
	bi->uart_base = hyp_plat.uart.base;
	bi->num_ram = vmm_ram_n;
	memcpy(bi->ram, vmm_ram, sizeof(vmm_ram));
	bi->hyp = hyp_layout.reserved;
	bi->image = (struct hv_region){ image, size };
	bi->bundle = cfg.host_ro;
	memcpy(bi->platform, CONFIG_PLATFORM_NAME,
	       MIN(sizeof(CONFIG_PLATFORM_NAME), sizeof(bi->platform) - 1));
}

/* Carves the hyp's data (ownership table, table pool) out of VMM RAM. */
static void place_hyp_data(void)
{
	u64 frames = mem_frames(hyp_plat.mem, hyp_plat.num_mem);
	u64 table = ALIGN_UP(frames * sizeof(struct s2page), PAGE_SIZE);
	u64 pool = (u64)CONFIG_S2_POOL_PAGES * PAGE_SIZE;
	struct hv_region r;

	r.size = ALIGN_UP(table + pool, BLOCK_SIZE);
	r.base = place(r.size);
	keep_for_hyp(&r);
	cfg.pages = (struct s2page *)(uintptr_t)r.base;
	cfg.pool_pages = (u64(*)[PTES_PER_TABLE])(uintptr_t)(r.base + table);
	cfg.pool_num = CONFIG_S2_POOL_PAGES;
	log_info("ownership table %lu KiB for %lu frames, table pool %u pages, "
		 "at 0x%lx\n",
		 (unsigned long)(table >> 10), (unsigned long)frames,
		 CONFIG_S2_POOL_PAGES, (unsigned long)r.base);
}

paddr_t host_init(paddr_t *info)
{
	const struct platform *p = &hyp_plat;
	u64 image_len = (u64)(_vmm_image_end - _vmm_image_start);
	u64 image_size;
	u64 region_size;
	paddr_t vmm;
	struct hv_boot_info *bi;
	struct hv_region r;

	if (image_len < 64 ||
	    (u32)le64(_vmm_image_start + IMAGE_MAGIC_OFF) != IMAGE_MAGIC) {
		hyp_panic("no VMM image in the hyp");
	}
	image_size = le64(_vmm_image_start + IMAGE_SIZE_OFF);
	if (image_size < image_len) {
		hyp_panic("VMM image header is inconsistent");
	}

	vmm_ram_n = MIN(p->num_mem, HV_BOOT_MAX_REGIONS);
	memcpy(vmm_ram, p->mem, vmm_ram_n * sizeof(vmm_ram[0]));
	cfg.num_banks = p->num_mem;
	memcpy(cfg.banks, p->mem, sizeof(cfg.banks));
	keep_for_hyp(&hyp_layout.reserved);
	for (u32 i = 0; i < p->num_resv; i++) {
		/* U-Boot reserves the initrd too: that is the bundle, the VMM's. */
		if (region_overlaps(p->resv[i].base, p->resv[i].size, p->initrd_start,
				    p->initrd_end - p->initrd_start)) {
			continue;
		}
		keep_for_hyp(&p->resv[i]);
	}
	for (u32 i = 0; i < p->num_cpus; i++) {
		/* Spin-table release words stay with the firmware. */
		if (p->cpus[i].method == CPU_METHOD_SPIN_TABLE) {
			r = (struct hv_region){ ALIGN_DOWN(p->cpus[i].release, PAGE_SIZE),
						PAGE_SIZE };
			keep_for_hyp(&r);
		}
	}
	/* Frame 0 is never handed out (it can mean "no mapping"). */
	r = (struct hv_region){ 0, PAGE_SIZE };
	keep_for_hyp(&r);
	if (p->initrd_end > p->initrd_start) {
		cfg.host_ro.base = ALIGN_DOWN(p->initrd_start, PAGE_SIZE);
		cfg.host_ro.size = ALIGN_UP(p->initrd_end, PAGE_SIZE) - cfg.host_ro.base;
		subtract_or_die(&cfg.host_ro); /* the VMM's, but not to allocate */
	}
	cfg.num_dev = 1;
	cfg.dev[0] = (struct hv_region){ ALIGN_DOWN(p->uart.base, PAGE_SIZE), PAGE_SIZE };
	place_hyp_data();

	region_size = ALIGN_UP(image_size + PAGE_SIZE, BLOCK_SIZE);
	vmm = place(region_size);
	memcpy((void *)(uintptr_t)vmm, _vmm_image_start, image_len);
	memset((void *)(uintptr_t)(vmm + image_len), 0, region_size - image_len);
	bi = (struct hv_boot_info *)(uintptr_t)(vmm + ALIGN_UP(image_size, PAGE_SIZE));
	fill_info(bi, vmm, region_size);
	/* The VMM starts with its MMU and caches off. */
	arch_dcache_clean_inval((const void *)(uintptr_t)vmm, region_size);
	__asm__ volatile("ic iallu\n\tdsb nsh\n\tisb" : : : "memory");

	cfg.ipa_bits = MIN(hyp_pa_bits, HOST_MAX_IPA_BITS);
	cfg.host_pt_limit = CONFIG_HOST_S2_PT_PAGES;
	cfg.vm_pt_limit = CONFIG_VM_S2_PT_PAGES;
	if (mem_init(&cfg) != 0) {
		hyp_panic("memory state set-up failed");
	}
	*info = (paddr_t)(uintptr_t)bi;
	log_info("VMM: %lu MiB of RAM in %u ranges, image at 0x%lx, bundle %lu KiB "
		 "at 0x%lx\n",
		 (unsigned long)(ram_total() >> 20), vmm_ram_n, (unsigned long)vmm,
		 (unsigned long)(cfg.host_ro.size >> 10),
		 (unsigned long)cfg.host_ro.base);
	return vmm;
}

u64 host_s2_vttbr(void)
{
	return mem_host_vttbr();
}

u32 host_s2_ipa_bits(void)
{
	return cfg.ipa_bits;
}
