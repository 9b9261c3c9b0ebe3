/*
 * The C side of the differential model test: hyp/core/mem.c on the
 * simulated machine of tests/unit/fake_arch.c, built as a shared library
 * that model_test.py drives through ctypes. Besides the mem_* calls
 * themselves it exports dumps of the whole state in flat arrays, so that
 * every step can be compared with the model byte for byte.
 */
#include <string.h>

#include <hyp/mem.h>

#include "fake_arch.h"
#include "mem_invariants.h"

/*
 * test_model.py passes the addresses and frame numbers of the mem_* calls
 * as 64-bit integers: ipa_t and pfn_t are one u64 in a structure, passed
 * in a register as the integer is (x86-64 SysV and AAPCS64 alike).
 */
_Static_assert(sizeof(ipa_t) == sizeof(u64) && sizeof(pfn_t) == sizeof(u64),
	       "the model passes addresses as 64-bit integers");

#define NFRAMES ((FAKE_BANK0_SIZE + FAKE_BANK1_SIZE) >> PAGE_SHIFT)
#define WINDOW_PAGES 4096U /* guest addresses the test uses: [0, 16 MiB) */

/* Attribute codes of the VMM's mappings in bridge_dump_host. */
#define CODE_RW 1
#define CODE_RO 2
#define CODE_DEV 3

int bridge_init(u32 pool, u32 host_limit, u32 vm_limit);
u32 bridge_nframes(void);
u32 bridge_window_pages(void);
void bridge_dump_pages(u8 *owner, u8 *count, u32 *gfn);
int bridge_dump_host(u8 *code, u8 *dev_mapped);
int bridge_dump_vm(u32 vmid, u32 *pfn_of_gfn);
int bridge_invariants(void);
s64 bridge_vm_create(void);
s64 bridge_vm_enter(u32 vmid);
s64 bridge_vm_leave(u32 vmid);

int bridge_init(u32 pool, u32 host_limit, u32 vm_limit)
{
	return (int)fake_machine_init(pool, host_limit, vm_limit);
}

u32 bridge_nframes(void)
{
	return NFRAMES;
}

u32 bridge_window_pages(void)
{
	return WINDOW_PAGES;
}

static u64 frame_index_pfn(u32 i)
{
	u32 n0 = FAKE_BANK0_SIZE >> PAGE_SHIFT;

	return i < n0 ? (FAKE_BANK0 >> PAGE_SHIFT) + i
		      : (FAKE_BANK1 >> PAGE_SHIFT) + (i - n0);
}

/* Index of a RAM frame in the flat arrays, or -1. */
static s64 pfn_index(u64 pfn)
{
	u64 b0 = FAKE_BANK0 >> PAGE_SHIFT;
	u64 b1 = FAKE_BANK1 >> PAGE_SHIFT;
	u64 n0 = FAKE_BANK0_SIZE >> PAGE_SHIFT;
	u64 n1 = FAKE_BANK1_SIZE >> PAGE_SHIFT;

	if (pfn >= b0 && pfn < b0 + n0) {
		return (s64)(pfn - b0);
	}
	if (pfn >= b1 && pfn < b1 + n1) {
		return (s64)(n0 + pfn - b1);
	}
	return -1;
}

void bridge_dump_pages(u8 *owner, u8 *count, u32 *gfn)
{
	for (u32 i = 0; i < NFRAMES; i++) {
		const struct s2page *p = mem_page(pfn_of(frame_index_pfn(i)));

		owner[i] = p->owner;
		count[i] = p->count;
		gfn[i] = p->gfn;
	}
}

static struct pt_leaf buf[1U << 16];

/*
 * The VMM's map, page by page: code[i] for RAM frame i (0 unmapped, 1
 * read-write, 2 read-only, 3 device), *dev_mapped for the device page.
 * Returns -1 if anything else is mapped (never legal), else 0.
 */
int bridge_dump_host(u8 *code, u8 *dev_mapped)
{
	u32 n = pt_leaves(mem_host_s2(), buf, sizeof(buf) / sizeof(buf[0]));
	int bad = 0;

	memset(code, 0, NFRAMES);
	*dev_mapped = 0;
	if (n > sizeof(buf) / sizeof(buf[0])) {
		return -1;
	}
	for (u32 l = 0; l < n; l++) {
		u64 desc = buf[l].desc;
		u8 c = (desc & S2_MEMATTR_NORMAL) == S2_MEMATTR_DEVICE ? CODE_DEV
		       : (desc & S2_AP_RW) == S2_AP_RO		 ? CODE_RO
									 : CODE_RW;

		for (u64 p = 0; p < buf[l].pages; p++) {
			u64 va = buf[l].va + (p << PAGE_SHIFT);
			s64 idx = pfn_index(va >> PAGE_SHIFT);

			if ((desc & PTE_ADDR_MASK) + (p << PAGE_SHIFT) != va) {
				bad = -1; /* not the identity */
			} else if (idx >= 0) {
				code[idx] = c;
			} else if (va == FAKE_DEV) {
				*dev_mapped = c;
			} else {
				bad = -1;
			}
		}
	}
	return bad;
}

/*
 * A VM's map, page by page over the window: pfn_of_gfn[g] is the frame
 * gfn g maps (0 if none). Returns -1 if the VM maps anything outside the
 * window or is not in use, else 0.
 */
int bridge_dump_vm(u32 vmid, u32 *pfn_of_gfn)
{
	const struct pgtable *pt = mem_vm_s2(vmid);
	u32 n;
	int bad = 0;

	memset(pfn_of_gfn, 0, WINDOW_PAGES * sizeof(u32));
	if (pt == NULL) {
		return -1;
	}
	n = pt_leaves(pt, buf, sizeof(buf) / sizeof(buf[0]));
	if (n > sizeof(buf) / sizeof(buf[0])) {
		return -1;
	}
	for (u32 l = 0; l < n; l++) {
		for (u64 p = 0; p < buf[l].pages; p++) {
			u64 gfn = (buf[l].va >> PAGE_SHIFT) + p;

			if (gfn >= WINDOW_PAGES) {
				bad = -1;
				continue;
			}
			pfn_of_gfn[gfn] =
				(u32)(((buf[l].desc & PTE_ADDR_MASK) >> PAGE_SHIFT) + p);
		}
	}
	return bad;
}

int bridge_invariants(void)
{
	return mem_invariant_violations();
}

/* The model's VMs: RAM [0, 14 MiB), FAKE_DEV mapped at 15 MiB (as GICv2's
 * GICV), all inside the window the dumps compare. */
#define MODEL_RAM_SIZE (UINT64_C(14) << 20)
#define MODEL_DEV_IPA (UINT64_C(15) << 20)

/* mem_vm_create with the vmid folded into the result: vmid or error. */
s64 bridge_vm_create(void)
{
	const struct mem_vm_layout l = { ipa_of(0), MODEL_RAM_SIZE, ipa_of(MODEL_DEV_IPA),
					 pa_of(FAKE_DEV), PAGE_SIZE };
	u32 vmid = 0;
	s64 r = mem_vm_create(&l, &vmid);

	return r == HV_OK ? (s64)vmid : r;
}

/* A vCPU of vmid goes onto a CPU: HV_OK, or HV_E_BUSY if the VM is not
 * running (nothing counted). */
s64 bridge_vm_enter(u32 vmid)
{
	return mem_vm_enter(vmid) ? HV_OK : HV_E_BUSY;
}

/* One of its vCPUs leaves: HV_E_BUSY (no change) if none is on a CPU. */
s64 bridge_vm_leave(u32 vmid)
{
	if (mem_vm_loaded(vmid) == 0) {
		return HV_E_BUSY;
	}
	mem_vm_leave(vmid);
	return HV_OK;
}
