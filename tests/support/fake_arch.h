/*
 * The simulated machine of the host tests of hyp/core/mem.c.
 */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <lib/types.h>

#define FAKE_BANK0 UINT64_C(0x40000000)
#define FAKE_BANK0_SIZE (UINT64_C(8) << 20)
#define FAKE_BANK1 UINT64_C(0x80000000)
#define FAKE_BANK1_SIZE (UINT64_C(4) << 20)
#define FAKE_HYP_SIZE (UINT64_C(2) << 20)
#define FAKE_RO UINT64_C(0x40600000)
#define FAKE_RO_SIZE (UINT64_C(64) << 10)
#define FAKE_DEV UINT64_C(0x09000000)

/* The layout of the host tests' VMs (fake_vm_create): RAM over the first
 * 8 GiB of IPA space; with a device page, FAKE_DEV at FAKE_VM_DEV_IPA
 * (the GICv2 case: a leaf that is not RAM). */
#define FAKE_VM_RAM_SIZE (UINT64_C(8) << 30)
#define FAKE_VM_DEV_IPA (UINT64_C(8) << 30)

extern u64 fake_tlb_ipa_count;
extern u64 fake_tlb_vmid_count;
extern u64 fake_scrub_count;

/* fake_tlb_vmid_count when the first frame was scrubbed since the reset
 * (0: none yet). */
extern u64 fake_tlb_vmid_at_first_scrub;

/* Cache maintenance since the last reset (fake_machine_init or
 * fake_reset_log): frames cleaned to PoC, I-cache invalidations. */
extern u64 fake_clean_count;
extern u64 fake_icache_count;

/* The maintenance log since the last reset: each operation in order, with
 * the level of the VMM's leaf at fake_watch_ipa at that moment (0: none). */
enum fake_op { FAKE_TLBI_IPA, FAKE_TLBI_VMID, FAKE_CLEAN, FAKE_IC_INVAL };
struct fake_event {
	enum fake_op op;
	u64 vttbr;
	u64 addr; /* the IPA (FAKE_TLBI_IPA) or first frame (FAKE_CLEAN) */
	u32 watch_level;
};
#define FAKE_EVENTS_MAX 2048U
extern struct fake_event fake_events[FAKE_EVENTS_MAX];
extern u32 fake_num_events;
extern u64 fake_watch_ipa;

/** Clears the cache counters, the cleaned marks and the log. */
void fake_reset_log(void);
/** Whether frame pfn was cleaned to PoC since the last reset. */
bool fake_frame_cleaned(pfn_t pfn);
/** The level of the VMM's leaf at fake_watch_ipa now (0: none). */
u32 fake_watch_level(void);

/** mem_vm_create with the host tests' layout, with or without the device page. */
s64 fake_vm_create(u32 *vmid, bool with_dev);

/** Resets the memory state to a fresh machine; returns mem_init's result. */
s64 fake_machine_init(u32 pool_pages, u32 host_limit, u32 vm_limit);
/**
 * fake_machine_init(64, 32, 16) with the core told of bank 0 as two banks,
 * [FAKE_BANK0, split) and [split + gap, end): adjacent banks (gap 0), or
 * RAM with a hole in it, inside one 2 MiB region. Frames in the hole have
 * no record (so mem_invariant_violations does not apply with a gap).
 */
s64 fake_machine_init_split(u64 split, u64 gap);
/** Pages in the table pool of the current machine. */
u32 fake_pool_pages(void);
/** The simulated contents of a RAM frame, or NULL. */
u8 *fake_frame(pfn_t pfn);

#endif /* FAKE_ARCH_H */
