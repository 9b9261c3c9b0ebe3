/*
 * The memory core's shared state, for its parts: mem_state.c (the state
 * and its accessors), mem_host.c (the VMM's stage 2 filled on demand, its
 * splits and merges, and the queries), mem_share.c (grant and revoke) and
 * mem.c (ownership, VMs, prot_and_map and clear). Each uses only the ones
 * before it: mem.c takes frames out of the VMM's map through mem_host.c,
 * and nothing calls back. Not an interface: only these include it.
 */
#ifndef HYP_CORE_MEM_PRIV_H
#define HYP_CORE_MEM_PRIV_H

#include <hyp/arch.h>
#include <lib/lib.h>
#include <hyp/mem.h>
#include <hyp/regions.h>

#ifdef __aarch64__
#include <hyp/log.h>
#define MEM_BUG(what) hyp_panic("mem: %s", what)
#else
#include <stdlib.h>
#define MEM_BUG(what) abort()
#endif

#define VM_ATTRS (S2_MEMATTR_NORMAL | S2_AP_RW | PTE_SH_INNER)
#define HOST_RAM (S2_MEMATTR_NORMAL | S2_AP_RW | PTE_SH_INNER)
#define HOST_RO (S2_MEMATTR_NORMAL | S2_AP_RO | PTE_SH_INNER | PTE_XN)
#define HOST_DEV (S2_MEMATTR_DEVICE | S2_AP_RW | PTE_XN)
/* A VMM frame lent to a VM: it reads, never writes or executes. */
#define LENT_ATTRS (S2_MEMATTR_NORMAL | S2_AP_RO | PTE_SH_INNER | PTE_XN)
#define PAGES_PER_BLOCK 512U
#define VTTBR_VMID_SHIFT 48
/* Owners with a frame counter: host, VMs 1..MAX, hyp. */
#define COUNTER_HYP (CONFIG_MAX_VMS + 1)
/* A set of VM states, for mem_vm_find. */
#define VM_IN(state) (1U << (state))

/** A bank of RAM: frames [base, base + num) and their records. */
struct bank {
	pfn_t base;
	u64 num;
	struct s2page *pages;
};

/** A VM slot. */
struct vm {
	u32 state;
	u32 loaded;     /* its vCPUs on a physical CPU now (mem_vm_enter) */
	ipa_t ram_base; /* its RAM: [ram_base, ram_base + ram_size), fixed */
	u64 ram_size;
	struct pgtable s2;
	bool lent;      /* a VMM frame is lent to it: lend_pa at lend_ipa */
	ipa_t lend_ipa;
	pa_t lend_pa;
};

/** The whole memory state, under mem_lock. */
struct mem_state {
	u32 num_banks;
	struct bank banks[PLAT_MAX_MEM];
	struct hv_region host_ro;
	u32 num_dev;
	struct hv_region dev[4];
	struct pt_pool pool;
	u32 ipa_bits;
	u32 vm_pt_limit;
	struct pgtable host;
	struct vm vms[CONFIG_MAX_VMS + 1]; /* index 0 unused */
	u64 frames[COUNTER_HYP + 1];
};

extern struct mem_state m;
extern spinlock_t mem_lock;

/*
 * The VMM's stage 2 is the identity: the VMM reaches a frame at the IPA
 * equal to its physical address. These two are the only conversions
 * between the two spaces in the memory core.
 */
static inline ipa_t mem_host_ipa(pa_t pa)
{
	return ipa_of(pa_val(pa));
}

static inline pa_t mem_host_pa(ipa_t ipa)
{
	return pa_of(ipa_val(ipa));
}

/* mem_state.c */
/** The ownership record of frame pfn, or NULL outside RAM. */
struct s2page *mem_page_of(pfn_t pfn);
/**
 * The records of frames [pfn, pfn + *num) as one array, as far as pfn's
 * bank goes: *num becomes how many that is (at least 1). NULL if pfn is
 * not RAM. One bank search for a run of frames.
 */
struct s2page *mem_run_of(pfn_t pfn, u64 *num);
/** Whether [ipa, ipa + size) lies in the VM's RAM (size > 0, no wrap). */
bool mem_vm_ram_holds(const struct vm *vm, ipa_t ipa, u64 size);
/** The slot of a vmid known to be in 0..CONFIG_MAX_VMS, also under speculation. */
struct vm *mem_vm_slot(u64 vmid);
/** VM vmid if it exists, else NULL. */
struct vm *mem_vm_of(u64 vmid);
/**
 * With mem_lock held: VM vmid if it is in one of `states` (VM_IN bits).
 * HV_OK with *vm set; HV_E_NOT_FOUND if there is no such VM, HV_E_BUSY if
 * it is in another state.
 */
s64 mem_vm_find(u64 vmid, u32 states, struct vm **vm) __must_check;
/** The VTTBR value of owner vmid's stage 2 (0: the VMM). */
u64 mem_vttbr_of(u32 vmid);

/* mem_host.c */
/**
 * Commit step: takes frame pfn out of the VMM's stage 2, first splitting a
 * block around it with break-before-make (the caller checked the table
 * pages, pgt_unmap_cost). Returns whether a page entry went: the caller
 * invalidates its TLB entries before the call ends.
 */
bool mem_host_unmap(pfn_t pfn);
/**
 * After frames of [pfn, pfn + num) came back to the VMM: each 2 MiB
 * region there whose frames are all the VMM's again, and which its stage 2
 * maps through a level-3 table, is made one block again and the table
 * freed (break-before-make).
 */
void mem_host_merge_range(pfn_t pfn, u64 num);

/* mem_share.c */
/**
 * Commit step: the VM's lend is over (the caller took the page out of its
 * map and invalidated its TLB entries): the frame is the VMM's alone.
 */
void mem_lend_over(struct vm *vm);

#endif /* HYP_CORE_MEM_PRIV_H */
