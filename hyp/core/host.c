/*
 * The VMM server's memory and stage 2.
 *
 * The VMM may reach: all RAM except the hyp's own 2 MiB-aligned range and
 * the ranges the device tree reserves (read-write, executable); the guest
 * bundle (read-only); and the console UART (device). Its stage 2 is an
 * identity map (IPA == PA) that starts empty and is filled on the first
 * access to each 2 MiB block (or 4 KiB page where a block would cover
 * something else). Every other access is refused and reported to the VMM
 * as an abort.
 */
#include <hyp/arch.h>
#include <hyp/host.h>
#include <hyp/hyp.h>
#include <hyp/lib.h>
#include <hyp/log.h>
#include <hyp/pgtable.h>
#include <hyp/regions.h>
#include <hyp/trap.h>

#define HOST_MAX_IPA_BITS 40

#define VMM_RAM (S2_MEMATTR_NORMAL | S2_AP_RW | PTE_SH_INNER)
#define VMM_RO (S2_MEMATTR_NORMAL | S2_AP_RO | PTE_SH_INNER | PTE_XN)
#define VMM_DEV (S2_MEMATTR_DEVICE | S2_AP_RW | PTE_XN)

/* Root: up to 2 concatenated level-1 tables, aligned to their size. */
static u64 host_root[2 * PTES_PER_TABLE] __aligned(8192);
static u64 host_pool_pages[CONFIG_HOST_S2_POOL_PAGES][PTES_PER_TABLE] __aligned(4096);
static struct pt_pool host_pool = { host_pool_pages, CONFIG_HOST_S2_POOL_PAGES, 0 };
static struct pgtable host_s2;
static u32 host_ipa_bits;
static spinlock_t host_lock;

/* What the VMM may reach. */
static struct hv_region vmm_ram[HV_BOOT_MAX_REGIONS];
static u32 vmm_ram_n;
static struct hv_region vmm_bundle;
static struct hv_region vmm_uart;

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

static bool in_list(const struct hv_region *l, u32 n, u64 a, u64 size)
{
	for (u32 i = 0; i < n; i++) {
		if (region_contains(&l[i], a, size)) {
			return true;
		}
	}
	return false;
}

static void subtract_or_die(struct hv_region *l, u32 *n, const struct hv_region *h)
{
	if (!region_subtract(l, n, HV_BOOT_MAX_REGIONS, h)) {
		hyp_panic("too many memory regions for the VMM");
	}
}

/* Picks a 2 MiB-aligned place for the VMM image clear of everything. */
static paddr_t place_vmm(u64 size, paddr_t fdt, u64 fdt_size)
{
	/* Stay out of the top 32 MiB of each bank: U-Boot's relocated code. */
	const u64 top_avoid = 32ULL << 20;

	for (u32 i = 0; i < vmm_ram_n; i++) {
		const struct hv_region *r = &vmm_ram[i];
		paddr_t end = r->base + r->size;

		for (paddr_t a = ALIGN_UP(r->base, BLOCK_SIZE);
		     a + size <= end && a + size + top_avoid <= end;
		     a += BLOCK_SIZE) {
			if (!region_overlaps(a, size, fdt, fdt_size) &&
			    !region_overlaps(a, size, vmm_bundle.base,
					     vmm_bundle.size)) {
				return a;
			}
		}
	}
	return 0;
}

paddr_t host_s2_root(void)
{
	return (paddr_t)(uintptr_t)host_root;
}

u32 host_s2_ipa_bits(void)
{
	return host_ipa_bits;
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
	bi->bundle = vmm_bundle;
	memcpy(bi->platform, CONFIG_PLATFORM_NAME,
	       MIN(sizeof(CONFIG_PLATFORM_NAME), sizeof(bi->platform) - 1));
}

paddr_t host_init(paddr_t *info)
{
	const struct platform *p = &hyp_plat;
	u64 image_len = (u64)(_vmm_image_end - _vmm_image_start);
	u64 image_size;
	u64 region_size;
	paddr_t vmm;
	struct hv_boot_info *bi;
	u32 pa_bits = hyp_pa_bits;

	if (image_len < 64 || le64(_vmm_image_start + IMAGE_MAGIC_OFF) % (1ULL << 32) !=
				       IMAGE_MAGIC) {
		hyp_panic("no VMM image in the hyp");
	}
	image_size = le64(_vmm_image_start + IMAGE_SIZE_OFF);
	if (image_size < image_len) {
		hyp_panic("VMM image header is inconsistent");
	}

	vmm_ram_n = MIN(p->num_mem, HV_BOOT_MAX_REGIONS);
	memcpy(vmm_ram, p->mem, vmm_ram_n * sizeof(vmm_ram[0]));
	subtract_or_die(vmm_ram, &vmm_ram_n, &hyp_layout.reserved);
	for (u32 i = 0; i < p->num_resv; i++) {
		subtract_or_die(vmm_ram, &vmm_ram_n, &p->resv[i]);
	}
	for (u32 i = 0; i < p->num_cpus; i++) {
		/* Spin-table release words stay with the firmware. */
		if (p->cpus[i].method == CPU_METHOD_SPIN_TABLE) {
			struct hv_region pg = { ALIGN_DOWN(p->cpus[i].release, PAGE_SIZE),
						PAGE_SIZE };

			subtract_or_die(vmm_ram, &vmm_ram_n, &pg);
		}
	}
	/* Frame 0 is never handed out (it can mean "no mapping"). */
	subtract_or_die(vmm_ram, &vmm_ram_n, &(struct hv_region){ 0, PAGE_SIZE });
	if (p->initrd_end > p->initrd_start) {
		vmm_bundle.base = ALIGN_DOWN(p->initrd_start, PAGE_SIZE);
		vmm_bundle.size = ALIGN_UP(p->initrd_end, PAGE_SIZE) - vmm_bundle.base;
		subtract_or_die(vmm_ram, &vmm_ram_n, &vmm_bundle);
	}
	vmm_uart = (struct hv_region){ ALIGN_DOWN(p->uart.base, PAGE_SIZE), PAGE_SIZE };

	region_size = ALIGN_UP(image_size + PAGE_SIZE, BLOCK_SIZE);
	vmm = place_vmm(region_size, hyp_fdt.base, hyp_fdt.size);
	if (vmm == 0) {
		hyp_panic("no room for the VMM image (%lu bytes)",
			  (unsigned long)region_size);
	}
	memcpy((void *)(uintptr_t)vmm, _vmm_image_start, image_len);
	memset((void *)(uintptr_t)(vmm + image_len), 0, region_size - image_len);
	bi = (struct hv_boot_info *)(uintptr_t)(vmm + ALIGN_UP(image_size, PAGE_SIZE));
	fill_info(bi, vmm, region_size);
	/* The VMM starts with its MMU and caches off. */
	arch_dcache_clean_inval((const void *)(uintptr_t)vmm, region_size);
	__asm__ volatile("ic iallu\n\tdsb nsh\n\tisb" : : : "memory");

	if (pa_bits > HOST_MAX_IPA_BITS) {
		pa_bits = HOST_MAX_IPA_BITS;
	}
	host_ipa_bits = pa_bits;
	if (pgt_init(&host_s2, &host_pool, host_root, host_ipa_bits) != 0) {
		hyp_panic("VMM stage-2 set-up failed");
	}
	*info = (paddr_t)(uintptr_t)bi;
	log_info("VMM: %lu MiB of RAM in %u ranges, image at 0x%lx, bundle %lu KiB "
		 "at 0x%lx\n",
		 (unsigned long)(ram_total() >> 20), vmm_ram_n, (unsigned long)vmm,
		 (unsigned long)(vmm_bundle.size >> 10),
		 (unsigned long)vmm_bundle.base);
	return vmm;
}

/* Whether the whole of [a, a + size) is VMM RAM, bundle, or UART. */
static u64 access_attrs(u64 a, u64 size, bool *ok)
{
	*ok = true;
	if (in_list(vmm_ram, vmm_ram_n, a, size)) {
		return VMM_RAM;
	}
	if (vmm_bundle.size != 0 && region_contains(&vmm_bundle, a, size)) {
		return VMM_RO;
	}
	if (region_contains(&vmm_uart, a, size)) {
		return VMM_DEV;
	}
	*ok = false;
	return 0;
}

static const char *refusal(u64 ipa, bool write)
{
	const struct platform *p = &hyp_plat;

	if (region_contains(&hyp_layout.reserved, ipa, 1)) {
		return "hyp memory";
	}
	if (write && vmm_bundle.size != 0 && region_contains(&vmm_bundle, ipa, 1)) {
		return "the bundle is read-only";
	}
	if (in_list(p->mem, p->num_mem, ipa, 1)) {
		return "reserved memory";
	}
	if (ipa >> host_ipa_bits != 0) {
		return "outside the IPA space";
	}
	return "no memory or device the VMM may use";
}

enum host_fault_result host_stage2_fault(u64 ipa, bool write, const char **why)
{
	u64 block = ALIGN_DOWN(ipa, BLOCK_SIZE);
	u64 page = ALIGN_DOWN(ipa, PAGE_SIZE);
	enum host_fault_result res = HOST_FAULT_DENIED;
	bool ok;
	u64 attrs;
	int err;

	spin_lock(&host_lock);
	attrs = access_attrs(block, BLOCK_SIZE, &ok);
	if (ok && attrs == VMM_RAM) {
		err = pgt_map(&host_s2, block, block, 2, attrs);
	} else {
		attrs = access_attrs(page, PAGE_SIZE, &ok);
		err = ok ? pgt_map(&host_s2, page, page, 3, attrs) : 0;
	}
	if (!ok) {
		*why = refusal(ipa, write);
	} else if (err == 0 && (attrs != VMM_RO || !write)) {
		res = HOST_FAULT_MAPPED;
	} else if (err == 0) {
		*why = refusal(ipa, write);
	} else {
		*why = err == PGT_E_NOMEM ? "stage-2 table pool exhausted"
					  : "stage-2 mapping conflict";
	}
	spin_unlock(&host_lock);
	return res;
}
