/*
 * The VM loader: places the kernel as the arm64 boot protocol says
 * (Documentation/arch/arm64/booting.rst: a 2 MiB-aligned base plus
 * text_offset, image_size bytes free from there), the ramdisk and a device
 * tree the VMM writes for the VM (memory, CPUs with PSCI over HVC, the GIC
 * of the host's version, timer, PL011, /chosen), and gives the VM its
 * memory in 2 MiB blocks, each zeroed first. With memory_on_demand only
 * the blocks the loader writes are given now; the rest on first touch.
 *
 * RAM layout from the base: the I/O window if the configuration has one
 * (io_window MiB below VM_RAM_IPA, which the VM grants to the VMM at boot:
 * docs/io.md); the kernel at VM_RAM_IPA; the ramdisk ending 2 MiB below
 * the top; the device tree in the last 2 MiB (it must not share a 2 MiB
 * region with anything mapped differently, and must fit in 2 MiB),
 * followed there by the few instructions that grant the window and enter
 * the kernel.
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/console.h>
#include <vmm/fdtw.h>
#include <vmm/images.h>
#include <vmm/loader.h>
#include <vmm/palloc.h>
#include <vmm/vm.h>
#include <vmm/vmm.h>

#define DT_MAX 8192

/* Bytes of the guest's /chosen/rng-seed; /chosen/kaslr-seed adds 8. */
#define GUEST_RNG_SEED_LEN 64

/*
 * Fills out with words from the hyp's TRNG (TRNG_RND64, 192 bits a call;
 * n a multiple of 3). False if the hyp serves none (it had no entropy).
 */
static bool trng_words(u64 *out, u32 n)
{
	for (u32 i = 0; i + 3 <= n; i += 3) {
		if (hv_trng_rnd64(192, &out[i]) != SMCCC_RET_SUCCESS) {
			return false;
		}
	}
	return true;
}

static u64 le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* A free block of VMM RAM, zeroed: the VM sees nothing it held before. */
static u64 zeroed_block(void)
{
	u64 pa = palloc_block();

	if (pa != 0) {
		memset((void *)(uintptr_t)pa, 0, BLOCK_SIZE);
	}
	return pa;
}

bool vm_give_block(struct vm *vm, u32 b)
{
	u64 pa;

	if (b >= vm->nblocks) {
		return false;
	}
	if (vm->blocks[b] != 0) {
		return true;
	}
	pa = zeroed_block();
	if (pa == 0) {
		return false;
	}
	if (hv_prot_and_map(vm->vmid, vm->ram_ipa + (u64)b * BLOCK_SIZE, pa | 3, 2) != HV_OK) {
		palloc_free(pa);
		return false;
	}
	vm->blocks[b] = pa;
	vm->given++;
	return true;
}

/*
 * Copies src into the VM's RAM at offset off: each block is filled while
 * the VMM still owns it, then given to the VM.
 */
static bool copy_in(struct vm *vm, u64 off, const void *src, u64 len)
{
	const u8 *s = src;

	while (len > 0) {
		u32 b = (u32)(off / BLOCK_SIZE);
		u64 o = off % BLOCK_SIZE;
		u64 n = MIN(len, BLOCK_SIZE - o);
		u64 pa;

		if (b >= vm->nblocks) {
			return false;
		}
		pa = vm->blocks[b];
		if (pa == 0) {
			pa = zeroed_block();
			if (pa == 0) {
				return false;
			}
			vm->blocks[b] = pa; /* given after loading */
		}
		memcpy((void *)(uintptr_t)(pa + o), s, n);
		/* The VM starts with its MMU and caches off (booting.rst). */
		clean_to_poc((const void *)(uintptr_t)(pa + o), n);
		off += n;
		s += n;
		len -= n;
	}
	return true;
}

/* Frees the blocks from `from` on that were loaded but not given. */
static void drop_loaded(struct vm *vm, u32 from)
{
	for (u32 b = from; b < vm->nblocks; b++) {
		if (vm->blocks[b] != 0) {
			palloc_free(vm->blocks[b]);
			vm->blocks[b] = 0;
		}
	}
}

static int fail(char *why, size_t len, int err, const char *msg, const char *arg)
{
	fmt_format(why, len, msg, arg);
	return err;
}

/*
 * The first code a VM with an I/O window runs (in the last 2 MiB, after
 * the device tree): it grants the window to the VMM, call after call (a
 * grant does a bounded part of the range and returns how far it got; 0
 * when done, an error ends the loop too), then enters the kernel as the
 * boot protocol says (x0 = device tree, x1-x3 = 0).
 *
 *	ldr x19, =window; ldr x20, =size
 *   1:	ldr x0, =HV_FN_GRANT; mov x1, x19; mov x2, x20; hvc #0
 *	cmp x0, #0; b.le 2f; add x19, x19, x0; sub x20, x20, x0; b 1b
 *   2:	ldr x0, =dtb; mov x1, xzr; mov x2, xzr; mov x3, xzr
 *	ldr x4, =entry; br x4
 */
static void write_shim(u32 *code, u64 window, u64 size, u64 dtb, u64 entry)
{
	static const u32 insns[18] = {
		0x58000293, /* ldr x19, 0x50 */
		0x580002b4, /* ldr x20, 0x58 */
		0x58000200, /* 1: ldr x0, 0x48 */
		0xaa1303e1, /* mov x1, x19 */
		0xaa1403e2, /* mov x2, x20 */
		0xd4000002, /* hvc #0 */
		0xf100001f, /* cmp x0, #0 */
		0x5400008d, /* b.le 2f */
		0x8b000273, /* add x19, x19, x0 */
		0xcb000294, /* sub x20, x20, x0 */
		0x17fffff8, /* b 1b */
		0x580001a0, /* 2: ldr x0, 0x60 */
		0xaa1f03e1, /* mov x1, xzr */
		0xaa1f03e2, /* mov x2, xzr */
		0xaa1f03e3, /* mov x3, xzr */
		0x58000164, /* ldr x4, 0x68 */
		0xd61f0080, /* br x4 */
		0xd503201f, /* nop */
	};
	u64 lit[5] = { HV_FN_GRANT, window, size, dtb, entry };

	memcpy(code, insns, sizeof(insns));
	memcpy(code + 18, lit, sizeof(lit));
}

#define SHIM_SIZE (18 * 4 + 5 * 8)

int vm_load(struct vm *vm, char *why, size_t whylen)
{
	const struct vm_config *c = &vm->cfg;
	u64 ram = (u64)vm->nblocks * BLOCK_SIZE;
	u64 window = (u64)c->io_window_mib << 20;
	u64 dt_off = ram - BLOCK_SIZE;
	u64 shim_off = dt_off + DT_MAX;
	const u8 *img;
	const u8 *rd = NULL;
	u64 len;
	u64 rd_len = 0;
	u64 rd_off = dt_off;
	u64 text_offset;
	u64 image_size;
	static u8 dt[DT_MAX];
	static char bootargs[VMCFG_CMDLINE_MAX + 48];
	u32 shim[SHIM_SIZE / 4];
	struct guest_dt g;
	s32 dt_len;
	u64 seed[(GUEST_RNG_SEED_LEN + 8) / 8]; /* three TRNG_RND64 calls */

	vm->ram_ipa = VM_RAM_IPA - window;
	if (!image_find(c->kernel, &img, &len)) {
		return fail(why, whylen, -VM_E_NO_IMAGE, "no image '%s' uploaded or in the bundle", c->kernel);
	}
	if (c->ramdisk[0] != '\0' && !image_find(c->ramdisk, &rd, &rd_len)) {
		return fail(why, whylen, -VM_E_NO_IMAGE, "no image '%s' uploaded or in the bundle", c->ramdisk);
	}
	if (len < 64 || memcmp(img + 56, "ARM\x64", 4) != 0) {
		return fail(why, whylen, -VM_E_BAD_IMAGE, "'%s' is not an arm64 Image", c->kernel);
	}
	text_offset = le64(img + 8);
	image_size = le64(img + 16);
	if (image_size == 0) {
		text_offset = 0x80000; /* images before Linux 3.17 */
		image_size = len;
	}
	/* The kernel at VM_RAM_IPA, above the window (a multiple of 2 MiB). */
	text_offset += window;
	rd_off = ALIGN_DOWN(dt_off - MIN(rd_len, dt_off), PAGE_SIZE);
	if (image_size < len || text_offset > ram || image_size > rd_off - MIN(rd_off, text_offset)) {
		return fail(why, whylen, -VM_E_BAD_IMAGE,
			    "'%s' and its ramdisk do not fit in the VM's memory", c->kernel);
	}
	fmt_format(bootargs, sizeof(bootargs), "%s", c->cmdline);
	if (window != 0) {
		/* Linux's bounce buffers take half the window (2 KiB slots);
		 * no CMA area there (its pages would serve any allocation). */
		fmt_format(bootargs, sizeof(bootargs), "%s%sswiotlb=%lu cma=0", c->cmdline,
			   c->cmdline[0] != '\0' ? " " : "", (unsigned long)(window / 2 / 2048));
	}
	g = (struct guest_dt){
		.ram_base = vm->ram_ipa,
		.ram_size = ram,
		.ncpus = c->vcpus,
		.gic_version = vmm_boot->gic_version,
		.bootargs = bootargs[0] != '\0' ? bootargs : NULL,
		.initrd_start = rd != NULL ? vm->ram_ipa + rd_off : 0,
		.initrd_end = rd != NULL ? vm->ram_ipa + rd_off + rd_len : 0,
		.virtio_base = VM_VIRTIO_IPA,
		.virtio_stride = VM_VIRTIO_STRIDE,
		.virtio_spi = VM_VIRTIO_INTID - 32,
		.dma_base = vm->ram_ipa,
		.dma_size = window,
		.pmu = c->pmu,
	};
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		g.virtio_slots |= vm->vdev[s].present ? 1U << s : 0;
	}
	if (trng_words(seed, ARRAY_SIZE(seed))) {
		g.rng_seed = (const u8 *)seed;
		g.rng_seed_len = GUEST_RNG_SEED_LEN;
		g.kaslr_seeded = true;
		g.kaslr_seed = seed[GUEST_RNG_SEED_LEN / 8];
	}
	dt_len = guest_dt_build(dt, sizeof(dt), &g);
	memset(seed, 0, sizeof(seed));
	if (dt_len < 0) {
		return fail(why, whylen, -VM_E_BAD_IMAGE, "the device tree is too large", "");
	}
	vm->entry = vm->ram_ipa + text_offset;
	vm->dt_ipa = vm->ram_ipa + dt_off;
	write_shim(shim, vm->ram_ipa, window, vm->dt_ipa, vm->entry);
	if (!copy_in(vm, text_offset, img, len) ||
	    (rd != NULL && !copy_in(vm, rd_off, rd, rd_len)) ||
	    !copy_in(vm, dt_off, dt, (u64)dt_len) ||
	    (window != 0 && !copy_in(vm, shim_off, shim, sizeof(shim)))) {
		drop_loaded(vm, 0);
		return fail(why, whylen, -VM_E_NO_MEMORY, "out of memory", "");
	}
	if (window != 0) {
		vm->entry = vm->ram_ipa + shim_off;
	}
	/* Give the loaded blocks, then (unless on demand) all the others. */
	for (u32 b = 0; b < vm->nblocks; b++) {
		if (vm->blocks[b] != 0) {
			s64 st = hv_prot_and_map(vm->vmid, vm->ram_ipa + (u64)b * BLOCK_SIZE,
						 vm->blocks[b] | 3, 2);

			if (st != HV_OK) {
				drop_loaded(vm, b);
				fmt_format(why, whylen, "prot_and_map refused (%ld)", (long)st);
				return -VM_E_HYP;
			}
			vm->given++;
		}
	}
	for (u32 b = 0; b < vm->nblocks && !c->on_demand; b++) {
		if (vm->blocks[b] == 0 && !vm_give_block(vm, b)) {
			return fail(why, whylen, -VM_E_NO_MEMORY, "out of memory", "");
		}
	}
	return 0;
}
