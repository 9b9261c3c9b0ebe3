/*
 * Page ownership and stage-2 management: the ownership record of every RAM
 * frame, the VMM's and each VM's stage-2 tables, and the operations that
 * move frames between them (shared/spec/MemoryOpsRefine.md as refined in
 * docs/security.md). Plain C over the arch hooks below; it runs in the hyp
 * and, unchanged, in the host tests.
 *
 * Every operation checks its whole request first and either refuses it
 * with a negative HV_E_* code, changing nothing, or performs it in full
 * (grant and revoke: the part of the range one call covers). Addresses are
 * typed (lib/types.h): a VM's or the VMM's addresses are ipa_t, frames
 * pa_t and pfn_t; a call handler makes them from its registers.
 * Lock order: mem_lock only (one lock for the whole memory state); the boot
 * disk's disk_lock (disk.c) is taken before it.
 */
#ifndef HYP_MEM_H
#define HYP_MEM_H

#include <abi/hv_abi.h>
#include <lib/pgtable.h>
#include <hyp/platform.h>
#include <lib/types.h>

#ifndef CONFIG_MAX_VMS
#define CONFIG_MAX_VMS 8
#endif
_Static_assert(CONFIG_MAX_VMS >= 1 && CONFIG_MAX_VMS <= HV_MAX_VMS,
	       "CONFIG_MAX_VMS must fit the ABI's vmid range");

#define COUNT_INVALID 0xffU

/** The ownership record of one 4 KiB frame of RAM. */
struct s2page {
	u8 owner;  /* HV_OWNER_HOST, a vmid, or HV_OWNER_HYP */
	u8 count;  /* grants outstanding (VM frames), COUNT_INVALID, or 0 */
	u16 pad;
	u32 gfn;   /* guest frame a VM frame is mapped at (a gfn_t's value) */
};

/** VM states; see HV_FN_VM_* in the ABI. */
enum vm_state {
	VM_FREE = 0,
	VM_CREATED = 1,
	VM_RUNNING = 2,
	VM_OFF = 3,
};

/** How the boot code (or a test) describes memory to mem_init. */
struct mem_config {
	u32 num_banks;
	struct hv_region banks[PLAT_MAX_MEM];  /* RAM */
	u32 num_hyp;
	struct hv_region hyp[32];              /* frames the hyp keeps */
	struct hv_region host_ro;              /* host-owned, mapped read-only */
	u32 num_dev;
	struct hv_region dev[4];               /* device ranges the VMM may use */
	struct s2page *pages;                  /* one per RAM frame */
	u64 (*pool_pages)[PTES_PER_TABLE];     /* table page pool */
	u32 pool_num;
	u32 ipa_bits;                          /* stage-2 input size, 32..40 */
	u32 host_pt_limit;                     /* table pages for the VMM */
	u32 vm_pt_limit;                       /* table pages per VM */
};

/**
 * Sets up the whole memory state: every RAM frame host-owned, count 0.
 * HV_E_INVALID for a configuration out of range.
 */
s64 mem_init(const struct mem_config *c) __must_check;

/** Frames needed in mem_config.pages for these banks. */
u64 mem_frames(const struct hv_region *banks, u32 num);

/**
 * A VM's guest-physical layout, fixed at HV_FN_VM_CREATE: where its RAM is
 * (the only IPAs prot_and_map, grant and revoke accept, and where a stage-2
 * fault is never MMIO), and the one range of device pages the hyp maps for
 * it (the GICv2 virtual CPU interface; dev_size 0 for none).
 */
struct mem_vm_layout {
	ipa_t ram_base;
	u64 ram_size;
	ipa_t dev_ipa;
	pa_t dev_pa;
	u64 dev_size;
};

/**
 * Creates a VM with layout l in one critical section (its device pages
 * mapped) and sets *vmid. HV_E_INVALID for a bad layout, HV_E_NO_MEMORY
 * if no slot or table page is left.
 */
s64 mem_vm_create(const struct mem_vm_layout *l, u32 *vmid) __must_check;
/** Destroys an off VM that owns no frame and has no vCPU on a CPU. */
s64 mem_vm_destroy(u32 vmid) __must_check;
s64 mem_vm_start(u32 vmid) __must_check;
/**
 * Turns a VM off (from any state; again is no change): no vCPU of it can
 * enter from now on. vCPUs already on a CPU run until they exit; the
 * caller waits for mem_vm_loaded() == 0 and then calls mem_vm_flush().
 */
s64 mem_vm_stop(u32 vmid) __must_check;
/**
 * Counts a vCPU of vmid onto this physical CPU if the VM is running;
 * false (nothing counted) otherwise. mem_vm_leave undoes it at exit.
 */
bool mem_vm_enter(u32 vmid) __must_check;
void mem_vm_leave(u32 vmid);
/** vCPUs of vmid on a physical CPU now. */
u32 mem_vm_loaded(u32 vmid);
/** Invalidates every TLB entry of VM vmid (after it stopped). */
void mem_vm_flush(u32 vmid);
/** Whether ipa lies in VM vmid's RAM (as created). */
bool mem_vm_in_ram(u32 vmid, ipa_t ipa);
/**
 * Gives VM vmid the frame(s) of the descriptor pte at ipa (level 3: one
 * page; level 2: a 2 MiB block), taking them from the VMM, or maps frames
 * it owns there again.
 */
s64 mem_prot_and_map(u32 vmid, ipa_t ipa, u64 pte, u64 level) __must_check;
/** Scrubs the frames of [pfn, pfn + num) an off VM owns and gives them back. */
s64 mem_clear_vm_range(u32 vmid, pfn_t pfn, u64 num) __must_check;
/**
 * Grant and revoke over at most HV_SHARE_STEPS steps of the range: HV_OK
 * when the whole range is done, a positive count of bytes done when the
 * steps ran out (the caller goes on from there), or an error with this
 * call's part unchanged.
 */
s64 mem_grant(u32 vmid, ipa_t ipa, u64 size) __must_check;
s64 mem_revoke(u32 vmid, ipa_t ipa, u64 size) __must_check;
/**
 * Lends the VMM's frame at pa to VM vmid, mapped read-only and not
 * executable at ipa, a page outside its RAM that it does not map; one lend
 * per VM, one VM per frame. HV_E_INVALID for an unaligned or out-of-space
 * ipa, one in its RAM, or pa not RAM; HV_E_DENIED for a frame not the
 * VMM's (or its read-only bundle); HV_E_BUSY if the frame is lent, the VM
 * has a lend or maps ipa.
 */
s64 mem_lend(u32 vmid, ipa_t ipa, pa_t pa) __must_check;
/** Ends VM vmid's lend, if any (also when it is off): the frame is the VMM's alone. */
s64 mem_unlend(u32 vmid) __must_check;
/** Whether VM vmid's lend is the page of ipa now (a vCPU's fault, without mem_lock). */
bool mem_vm_lent_at(u32 vmid, ipa_t ipa);
/** out[0] frames owned, out[1] table pages, out[2] free pool pages. */
s64 mem_info(u64 owner, u64 out[3]) __must_check;
/** out[0] owner, out[1] count, out[2] gfn. */
s64 mem_page_info(pfn_t pfn, u64 out[3]) __must_check;

/**
 * A stage-2 fault of the VMM at ipa: maps it (identity) if the VMM may
 * reach it and returns HV_OK, else returns an error and sets *why.
 */
s64 mem_host_fault(ipa_t ipa, bool write, const char **why) __must_check;

/**
 * Copies len bytes between the VMM's frames at [pa, pa + len) and the
 * hyp's buffer buf (into the frames if to_vmm), if every frame there is
 * the VMM's and, when written, not its read-only bundle: HV_OK, or
 * HV_E_DENIED (HV_E_INVALID for an empty or wrapping range) with nothing
 * copied. The check and the copy are one step under mem_lock.
 */
s64 mem_host_copy(pa_t pa, void *buf, u64 len, bool to_vmm) __must_check;

/* Read-only views for the invariant checks of the tests. */
const struct s2page *mem_page(pfn_t pfn);
u32 mem_vm_state(u32 vmid);
const struct pgtable *mem_vm_s2(u32 vmid);
const struct pgtable *mem_host_s2(void);
u64 mem_host_vttbr(void);
/** VTTBR_EL2 value of a VM's stage 2 (root and VMID). */
u64 mem_vm_vttbr(u32 vmid);
/** Whether the frame at pa is the VMM's (host-owned RAM). */
bool mem_host_owns(pa_t pa);
/** VM vmid's lend: whether it has one, where, and which frame (without mem_lock). */
bool mem_vm_lend(u32 vmid, ipa_t *ipa, pa_t *pa);
/** Whether the VM's stage 2 maps ipa. */
bool mem_vm_maps(u32 vmid, ipa_t ipa);

/* What the core needs from the architecture (hyp: arch/aarch64/cache.c). */
/** Invalidates the stage-2 TLB entries of one IPA page under VTTBR value `vttbr`. */
void arch_s2_tlb_inval_ipa(u64 vttbr, ipa_t ipa);
/** Invalidates every TLB entry of the VMID in `vttbr`. */
void arch_s2_tlb_inval_vmid(u64 vttbr);
/** Zeroes a frame and cleans it to the point of coherency. */
void arch_scrub_frame(pa_t pa);
/** The hyp's pointer to the frame of RAM at pa (page aligned). */
void *arch_frame(pa_t pa);
/**
 * Cleans and invalidates the data cache lines of the num frames from pa
 * (physically contiguous) to the point of coherency, with one DSB.
 */
void arch_clean_frames(pa_t pa, u64 num);
/** Invalidates every instruction cache of the inner shareable domain. */
void arch_icache_inval_all(void);

#endif /* HYP_MEM_H */
