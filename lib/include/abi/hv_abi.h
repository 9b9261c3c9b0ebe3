/*
 * The hypervisor's call interface: function ids, error codes and the boot
 * information the hyp hands to the VMM server.
 *
 * This is the one ABI header. The hyp, the VMM, the test guests and the
 * host tests all compile it; it depends on <stddef.h> and <stdint.h> only.
 * docs/ipc.md is its reference, call by call; abi/hv_call.h makes the
 * calls from EL1.
 *
 * Calls follow the Arm SMC Calling Convention (DEN0028) over HVC #0:
 * function id in x0, arguments in x1..x6, status in x0 (HV_OK or a
 * negative HV_E_* code), results in x1..x3.
 */
#ifndef HV_ABI_H
#define HV_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Interface version: major changes break callers, minor ones add calls. */
#define HV_ABI_VERSION_MAJOR 1
#define HV_ABI_VERSION_MINOR 4

/*
 * SMCCC function id: bit 31 fast call, bit 30 SMC64, bits 29:24 the owning
 * entity number. OEN 6 is "Vendor Specific Hypervisor Service Calls"
 * (DEN0028, table 6-2).
 */
#define HV_SMCCC_FAST_CALL   (UINT32_C(1) << 31)
#define HV_SMCCC_SMC64       (UINT32_C(1) << 30)
#define HV_SMCCC_OEN_SHIFT   24
#define HV_SMCCC_OEN_VENDOR_HYP UINT32_C(6)
#define HV_FN(n)                                                              \
	(HV_SMCCC_FAST_CALL | HV_SMCCC_SMC64 |                                \
	 (HV_SMCCC_OEN_VENDOR_HYP << HV_SMCCC_OEN_SHIFT) | (uint32_t)(n))

/*
 * HV_FN_VERSION: () -> x1 = (major << 16) | minor, x2 = build id (the low
 * 64 bits of the hyp's build identifier, for logs only). Callable by the
 * VMM and by guests.
 */
#define HV_FN_VERSION HV_FN(0x00)

/*
 * HV_FN_CPU_INFO: () -> x1 = number of physical CPUs online, x2 = index of
 * the calling CPU. Callable by the VMM.
 */
#define HV_FN_CPU_INFO HV_FN(0x01)

/*
 * VM life cycle (VMM only). States: created (accepting memory), running,
 * off. A vmid is 1..HV_MAX_VMS.
 *
 * HV_FN_VM_CREATE: (x1 = RAM base IPA, x2 = RAM size, x3 = HV_VM_* flags)
 *   -> x1 = vmid. The RAM range (page-aligned, within the IPA space) is
 *   fixed for the VM's life: only there can memory be given, granted and
 *   revoked, and a stage-2 fault there is never an MMIO exit
 *   (HV_EXIT_ABORT, no data). Unknown flags: HV_E_INVALID.
 * HV_FN_VM_DESTROY: (x1 = vmid). The VM must be off, own no frames and
 *   have no vCPU on a CPU (else HV_E_BUSY).
 * HV_FN_VM_START: (x1 = vmid). created -> running.
 * HV_FN_VM_STOP: (x1 = vmid). any state -> off; returns once none of its
 *   vCPUs is on a physical CPU (they are kicked out) and its TLB entries
 *   are gone.
 */
#define HV_FN_VM_CREATE HV_FN(0x10)
/* Its vCPUs each have a PMU of their own (else the PMU reads as zero). */
#define HV_VM_PMU (UINT64_C(1) << 0)
#define HV_VM_FLAGS HV_VM_PMU
#define HV_FN_VM_DESTROY HV_FN(0x11)
#define HV_FN_VM_START HV_FN(0x12)
#define HV_FN_VM_STOP HV_FN(0x13)

/*
 * Memory (VMM only); docs/ipc.md has the full contract.
 *
 * HV_FN_PROT_AND_MAP: (x1 = vmid, x2 = gpa, x3 = pte, x4 = level) gives the
 *   frame(s) at pte's output address to the VM and maps them at gpa:
 *   level 3 one 4 KiB page, level 2 one 2 MiB block (512 frames).
 * HV_FN_CLEAR_VM_RANGE: (x1 = vmid, x2 = pfn, x3 = num) scrubs every frame
 *   of [pfn, pfn + num) the VM owns and gives it back to the VMM. The VM
 *   must be off with no vCPU on a CPU (HV_E_BUSY otherwise).
 * HV_FN_MEM_INFO: (x1 = owner) -> x1 = frames it owns, x2 = table pages its
 *   stage 2 uses, x3 = free table pages in the pool. Owner 0 is the VMM,
 *   1..HV_MAX_VMS a VM, HV_OWNER_HYP the hyp.
 * HV_FN_PAGE_INFO: (x1 = pfn) -> x1 = owner, x2 = count, x3 = gfn. The
 *   count of a VM's frame is its grants; of the VMM's, 1 while it is lent.
 * HV_FN_LEND: (x1 = vmid, x2 = gpa, x3 = pa) lends the VMM's frame at pa
 *   to a created or running VM: mapped read-only and not executable at
 *   gpa, a page outside its RAM it does not map (an emulated device's
 *   registers its guest reads without an exit; a write still exits as
 *   MMIO). One lend per VM and per frame; the frame can be given to no VM
 *   while lent. Destroying the VM ends its lend.
 * HV_FN_UNLEND: (x1 = vmid) ends the VM's lend, if it has one: out of its
 *   map and its TLBs when the call returns.
 */
#define HV_FN_PROT_AND_MAP HV_FN(0x20)
#define HV_FN_CLEAR_VM_RANGE HV_FN(0x21)
#define HV_FN_MEM_INFO HV_FN(0x22)
#define HV_FN_PAGE_INFO HV_FN(0x23)
#define HV_FN_LEND HV_FN(0x24)
#define HV_FN_UNLEND HV_FN(0x25)

/*
 * HV_FN_DISK_IO: (x1 = HV_DISK_*, x2 = sector, x3 = pa, x4 = sectors) the
 * boot disk (QEMU virt's virtio-blk, a Pi 4's SD card), which the hyp
 * drives for the VMM so that its controller's DMA reaches nothing else:
 * the device moves the data to or from a buffer of the hyp's, copied from
 * or to the VMM's frames at pa (512-byte aligned, up to HV_DISK_MAX_SECTORS
 * of 512 bytes) once the hyp has checked they are the VMM's. HV_DISK_INFO
 * -> x1 = its size in sectors, x2 = the first sector of the partitions the
 * VMM may write (its size if none), x3 = bit 0 read-only. A write that is
 * not all inside one primary partition not marked bootable, on a disk with
 * exactly one marked bootable and no GPT or extended partition, is
 * HV_E_DENIED (the partition table and the boot partition with the hyp's
 * own image stay as they are), as is a frame that is not the VMM's (or,
 * for a read, is its read-only bundle). HV_E_IO if the device failed the
 * request; one that stops answering, or fails three in a row, is used no
 * more: HV_E_NOT_SUPPORTED, as without a boot disk.
 */
#define HV_FN_DISK_IO HV_FN(0x26)
#define HV_DISK_INFO 0
#define HV_DISK_READ 1
#define HV_DISK_WRITE 2
#define HV_DISK_FLUSH 3
#define HV_DISK_MAX_SECTORS 128

/*
 * Guest calls, acting on the calling VM's own pages.
 *
 * HV_FN_GRANT: (x1 = gpa, x2 = size) lets the VMM map the VM's pages in
 *   [gpa, gpa + size rounded up to pages) until they are revoked.
 * HV_FN_REVOKE: (x1 = gpa, x2 = size) takes one grant of each page back.
 *
 * Both do at most HV_SHARE_STEPS steps per call (a page the VM maps, or an
 * unmapped stretch, skipped a table entry at a time). x0 = HV_OK: the
 * whole range is done; x0 > 0: the first x0 bytes (whole pages, less than
 * size) are done and the caller calls again with gpa + x0, size - x0;
 * x0 < 0: refused, nothing of this call's part changed (parts that
 * earlier calls did stay done).
 */
#define HV_FN_GRANT HV_FN(0x30)
#define HV_FN_REVOKE HV_FN(0x31)
#define HV_SHARE_STEPS 512

/*
 * vCPUs (VMM only); docs/ipc.md has the full contract.
 *
 * HV_FN_VCPU_CREATE: (x1 = vmid, x2 = vcpu) while the VM is created; the
 *   vCPU is off.
 * HV_FN_VCPU_INIT: (x1 = vmid, x2 = vcpu, x3 = entry, x4 = x0 value) while
 *   the VM is created only (HV_E_BUSY after HV_FN_VM_START): resets the
 *   vCPU to EL1h, MMU off, interrupts masked, at `entry`, which must be an
 *   address of the VM's RAM that it maps, and turns it on. After start
 *   only the guest turns vCPUs on and off (PSCI, served by the hyp).
 * HV_FN_VCPU_RUN: (x1 = vmid, x2 = vcpu | flags, x3..x6 = reply) runs the
 *   vCPU (which must be on) on the calling CPU until it needs the VMM;
 *   returns x0 = status, x1 = exit reason (HV_EXIT_*), x2..x6 = exit
 *   details. The reply completes only the exit it answers: for an
 *   HV_EXIT_MMIO read x3 is the value read; for HV_EXIT_HVC x3..x6 become
 *   the guest's x0..x3. HV_RUN_RETRY runs the access of an HV_EXIT_ABORT
 *   again (after the VMM gave memory there), and is the only answer to
 *   one besides HV_RUN_ABORT; HV_RUN_ABORT makes the guest take an
 *   external abort for an HV_EXIT_MMIO or HV_EXIT_ABORT access. Any other
 *   flag for the pending exit is HV_E_INVALID, with nothing changed.
 *   HV_RUN_WAIT_IN_GUEST, with any of them, lets the guest's WFI and WFE
 *   wait on the physical CPU for this run instead of exiting with
 *   HV_EXIT_WFI: its timer's interrupt is delivered by the hyp, and the
 *   run ends as any other does (the time slice, a kick, an exit).
 */
#define HV_FN_VCPU_CREATE HV_FN(0x40)
#define HV_FN_VCPU_INIT HV_FN(0x41)
#define HV_FN_VCPU_RUN HV_FN(0x42)
/*
 * HV_FN_IRQ_INJECT: (x1 = vmid, x2 = vcpu, x3 = INTID) makes a virtual
 * interrupt pending for a vCPU (SGIs, device interrupts of the VMM's
 * emulated devices), in any state: one in VCPU_RUN on another CPU takes
 * it at once, with no exit; any other as it next enters. A vCPU does not
 * wait (no HV_EXIT_WFI) while one is on its way. HV_E_INVALID for an
 * INTID of 1020 or more.
 */
#define HV_FN_IRQ_INJECT HV_FN(0x43)
/*
 * HV_FN_SGI_DIRECT: (x1 = vmid, x2 = vcpu, x3 = mask, bit n for SGI n)
 * names the SGIs the VMM's interrupt controller model would deliver to
 * that vCPU now (enabled, the distributor on). A GICv3 guest's
 * ICC_SGI1R_EL1 write is then posted by the hyp to each target whose mask
 * has the SGI and which is on, as IRQ_INJECT would: a target in VCPU_RUN
 * takes it with no exit anywhere. The sender exits with HV_EXIT_SGI only
 * for the targets left: those without the SGI in their mask (the VMM
 * decides) and those posted to but not in VCPU_RUN (the VMM runs them).
 * HV_E_INVALID for a bit above 15. Every mask is 0 when a vCPU is made.
 * GICv2's SGIs (GICD_SGIR) are always the VMM's.
 */
#define HV_FN_SGI_DIRECT HV_FN(0x44)
#define HV_SGI_MASK UINT64_C(0xffff)

#define HV_MAX_VCPUS 8
#define HV_RUN_VCPU_MASK UINT64_C(0xffff)
#define HV_RUN_RETRY (UINT64_C(1) << 16)
/* Instead of completing an MMIO or abort exit, the access takes a
 * synchronous external abort in the guest (no device there). */
#define HV_RUN_ABORT (UINT64_C(1) << 17)
/* The guest waits (WFI, WFE) on the CPU, not in the VMM: for a VMM CPU
 * with no other vCPU to run. */
#define HV_RUN_WAIT_IN_GUEST (UINT64_C(1) << 18)

/* Exit reasons, in x1 of HV_FN_VCPU_RUN's return. */
#define HV_EXIT_MMIO 1  /* x2 = IPA, x3 = size | HV_MMIO_WRITE, x4 = value */
#define HV_EXIT_ABORT 2 /* x2 = IPA, x3 = HV_ABORT_* flags: no syndrome */
#define HV_EXIT_HVC 3   /* x2..x5 = guest x0..x3, x6 = 0 HVC or 1 SMC */
#define HV_EXIT_WFI 4   /* the vCPU waits for an interrupt; x2 = the counter
			 * value its virtual timer fires at, or 0 if none;
			 * HV_WAIT_EVENT for a WFE, which an event the VMM
			 * does not see ends: a yield, run it again soon */
#define HV_WAIT_EVENT 1
#define HV_EXIT_FAULT 5 /* x2 = ESR_EL2: an exception the hyp cannot handle */
#define HV_EXIT_SGI 6   /* x2 = the ICC_SGI1R_EL1 value the guest wrote (GICv3),
			 * x3 = the targets the hyp posted it to (a bit per
			 * vCPU, HV_FN_SGI_DIRECT): the VMM only makes those
			 * run, and decides for the others */
#define HV_EXIT_IRQ 7   /* x2 = INTID: a physical interrupt for the VMM, or the
			 * end of the vCPU's time slice (HV_INTID_TICK) */
#define HV_EXIT_POWER 8 /* x2 = HV_POWER_*: the guest changed power state (PSCI,
			 * done by the hyp); for HV_POWER_CPU_ON x3 = the vCPU
			 * it turned on, now runnable */
#define HV_INTID_TICK 26 /* the EL2 physical timer's PPI */
#define HV_INTID_KICK 0  /* an SGI: the vCPU was kicked out (its VM stops) */

/* Events of HV_EXIT_POWER. */
#define HV_POWER_CPU_ON 1       /* the guest started vCPU x3 (this one goes on) */
#define HV_POWER_CPU_OFF 2      /* this vCPU is off: runs are refused until a CPU_ON */
#define HV_POWER_SYSTEM_OFF 3   /* the VM is off (the hyp stopped it) */
#define HV_POWER_SYSTEM_RESET 4 /* the VM is off and asks to be started anew */

#define HV_MMIO_WRITE (UINT64_C(1) << 8)
#define HV_ABORT_WRITE (UINT64_C(1) << 0)
#define HV_ABORT_EXEC (UINT64_C(1) << 1)

/*
 * HV_FN_VCPU_RUN's result, x0..x6 in order: the status, the exit reason
 * and the reason's details. The hyp fills it and returns it in registers;
 * the VMM's call wrapper stores the registers into it.
 */
struct hv_exit {
	int64_t status;  /* x0: 0 or HV_E_* */
	uint64_t reason; /* x1: HV_EXIT_* */
	union {
		uint64_t raw[5]; /* x2..x6 */
		struct {
			uint64_t ipa;
			uint64_t size_flags; /* size in bytes | HV_MMIO_WRITE */
			uint64_t value;      /* what a write writes */
		} mmio;
		struct {
			uint64_t ipa;
			uint64_t flags; /* HV_ABORT_* */
		} abort;
		struct {
			uint64_t x[4];  /* the guest's x0..x3 */
			uint64_t smc;   /* 0 HVC, 1 SMC */
		} hvc;
		struct {
			uint64_t timer_deadline; /* or 0: no timer armed */
		} wfi;
		struct {
			uint64_t esr;
		} fault;
		struct {
			uint64_t sgi1r;
			uint64_t posted; /* vCPUs it is posted to already */
		} sgi;
		struct {
			uint64_t intid;
		} irq;
		struct {
			uint64_t event; /* HV_POWER_* */
			uint64_t vcpu;  /* HV_POWER_CPU_ON: the vCPU turned on */
		} power;
	};
};

_Static_assert(sizeof(struct hv_exit) == 7 * 8, "hv_exit is x0..x6");
_Static_assert(offsetof(struct hv_exit, reason) == 1 * 8, "reason is x1");
_Static_assert(offsetof(struct hv_exit, raw) == 2 * 8, "details from x2");
_Static_assert(offsetof(struct hv_exit, mmio.value) == 4 * 8, "MMIO value is x4");
_Static_assert(offsetof(struct hv_exit, hvc.smc) == 6 * 8, "HVC/SMC flag is x6");
_Static_assert(offsetof(struct hv_exit, power.vcpu) == 3 * 8, "CPU_ON target is x3");

/*
 * HV_FN_TEST_GRANT / HV_FN_TEST_REVOKE (test builds only): (x1 = vmid,
 * x2 = gpa, x3 = size) grant or revoke on behalf of a VM, so the VMM can
 * test grants before VMs run code; results as HV_FN_GRANT's (a positive
 * x0: done that far). HV_E_NOT_SUPPORTED in release builds.
 */
#define HV_FN_TEST_REVOKE HV_FN(0x7d)
#define HV_FN_TEST_GRANT HV_FN(0x7e)

#define HV_MAX_VMS 16
#define HV_MAX_SHARE_COUNT 100
/* Owners reported by HV_FN_PAGE_INFO besides the VMM (0) and VMs. */
#define HV_OWNER_HOST 0
#define HV_OWNER_HYP 0xfe
#define HV_OWNER_NOT_RAM 0xff

/*
 * HV_FN_CPU_START: (x1 = cpu, x2 = entry, x3 = arg) starts the VMM on an
 * idle physical CPU: EL1h at `entry` (an address of VMM memory), MMU off,
 * interrupts masked, x0 = arg, under the VMM's stage 2. HV_E_INVALID for
 * the calling CPU or one out of range, HV_E_BUSY if it is not idle,
 * HV_E_DENIED if entry is not VMM memory.
 */
#define HV_FN_CPU_START HV_FN(0x02)

/*
 * HV_FN_CPU_IDLE: (x1 = microseconds, 1 to HV_IDLE_MAX_US) lets the calling
 * CPU sleep (WFI) until that time has passed or an interrupt arrives, for
 * a VMM thread with nothing to run. HV_E_INVALID for a time out of range.
 */
#define HV_FN_CPU_IDLE HV_FN(0x03)
#define HV_IDLE_MAX_US 10000

/*
 * HV_FN_CPU_WAKE: (x1 = cpu) ends HV_FN_CPU_IDLE on that CPU now (or makes
 * its next one return at once). HV_E_INVALID for the calling CPU or one
 * out of range.
 */
#define HV_FN_CPU_WAKE HV_FN(0x04)

/*
 * HV_FN_TEST_FAULT (test builds only, CONFIG_TEST_HOOKS): (x1 = cpu) makes
 * idle physical CPU `cpu` take a data abort at EL2, which the hyp reports
 * before stopping that CPU. HV_E_INVALID if cpu is the caller's, out of
 * range or not idle; HV_E_NOT_SUPPORTED in release builds.
 */
#define HV_FN_TEST_FAULT HV_FN(0x7f)

/* Status codes, returned in x0. SMCCC fixes -1 as "not supported". */
#define HV_OK            0
#define HV_E_NOT_SUPPORTED (-1) /* unknown function id */
#define HV_E_INVALID     (-2)   /* an argument is out of range */
#define HV_E_DENIED      (-3)   /* the caller may not make this call */
#define HV_E_BUSY        (-4)   /* the object is in the wrong state */
#define HV_E_NO_MEMORY   (-5)   /* a fixed pool is exhausted */
#define HV_E_NOT_FOUND   (-6)   /* no such VM */
#define HV_E_LIMIT       (-7)   /* a page is at HV_MAX_SHARE_COUNT grants */
#define HV_E_NOT_GRANTED (-8)   /* revoke of a page with no grant left */
#define HV_E_IO          (-9)   /* the device failed */

/*
 * Boot information: where the hyp left things for the VMM server. The hyp
 * writes it into VMM-owned memory and passes its address in x0 when it
 * first enters the VMM at EL1. All addresses are intermediate physical
 * addresses of the VMM, which equal physical addresses (its stage-2 is an
 * identity map).
 */
#define HV_BOOT_INFO_MAGIC UINT64_C(0x4f464e4942535948) /* "HYSBINFO" */
#define HV_BOOT_MAX_REGIONS 16

/** A physical address range [base, base + size). */
struct hv_region {
	uint64_t base;
	uint64_t size;
};

/** Kinds of console UART the VMM may be handed. */
enum hv_uart_kind {
	HV_UART_NONE = 0,
	HV_UART_PL011 = 1,   /* Arm PrimeCell PL011 */
	HV_UART_BCM_AUX = 2, /* Broadcom BCM283x/BCM2711 auxiliary mini UART */
};

/** What the VMM needs to know to start: its memory, its console, the bundle. */
struct hv_boot_info {
	uint64_t magic;        /* HV_BOOT_INFO_MAGIC */
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t num_cpus;     /* physical CPUs the hyp brought up */
	uint32_t gic_version;  /* 2 or 3 */
	uint32_t uart_kind;    /* enum hv_uart_kind */
	uint32_t num_ram;      /* entries used in ram[] */
	uint64_t uart_base;    /* MMIO base of the console UART */
	struct hv_region ram[HV_BOOT_MAX_REGIONS]; /* RAM the VMM owns */
	struct hv_region hyp;    /* the hyp's own memory: never accessible */
	struct hv_region image;  /* the VMM's image, inside ram[] */
	struct hv_region bundle; /* the guest bundle (cpio newc), read-only */
	char platform[32];       /* platform name, NUL-terminated */
};

_Static_assert(sizeof(struct hv_region) == 16, "hv_region layout");
_Static_assert(offsetof(struct hv_region, size) == 8, "hv_region layout");
_Static_assert(sizeof(struct hv_boot_info) ==
		       40 + 16 * HV_BOOT_MAX_REGIONS + 3 * 16 + 32,
	       "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, abi_major) == 8, "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, num_cpus) == 16, "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, uart_kind) == 24, "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, uart_base) == 32, "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, ram) == 40, "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, hyp) == 40 + 16 * HV_BOOT_MAX_REGIONS,
	       "hv_boot_info layout");
_Static_assert(offsetof(struct hv_boot_info, platform) == 40 + 16 * HV_BOOT_MAX_REGIONS + 3 * 16,
	       "hv_boot_info layout");

/*
 * Firmware calls the hyp answers itself, for guests and the VMM, over HVC
 * and SMC (docs/ipc.md "Firmware calls"): the Arm SMC Calling Convention's
 * architecture calls (DEN0028) and the TRNG interface (DEN0098). Function
 * ids, results in x0.
 */
#define SMCCC_VERSION 0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_ARCH_SOC_ID 0x80000002U
#define SMCCC_ARCH_WORKAROUND_1 0x80008000U
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffU
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffU
#define TRNG_VERSION 0x84000050U
#define TRNG_FEATURES 0x84000051U
#define TRNG_GET_UUID 0x84000052U
#define TRNG_RND32 0x84000053U
#define TRNG_RND64 0xc4000053U

/* Return values (DEN0028 7.x: -1 NOT_SUPPORTED, -2 NOT_REQUIRED, -3
 * INVALID_PARAMETER; ARCH_WORKAROUND_* features: 1 "this PE does not need
 * it"). TRNG (DEN0098 2.1): -2 INVALID_PARAMETERS, -3 NO_ENTROPY. */
#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)
#define SMCCC_RET_INVALID_PARAMETER (-3)
#define SMCCC_WA_UNAFFECTED 1
#define TRNG_E_INVALID_PARAMETERS (-2)
#define TRNG_E_NO_ENTROPY (-3)

#define SMCCC_VERSION_1_1 0x10001
#define TRNG_VERSION_1_0 0x10000

#endif /* HV_ABI_H */
