/*
 * The hypervisor's call interface: function ids, error codes and the boot
 * information the hyp hands to the VMM server.
 *
 * This is the one ABI header. The hyp, the VMM, the test guests and the
 * host tests all compile it; it depends on <stdint.h> only. docs/ipc.md is
 * its reference, call by call.
 *
 * Calls follow the Arm SMC Calling Convention (DEN0028) over HVC #0:
 * function id in x0, arguments in x1..x6, status in x0 (HV_OK or a
 * negative HV_E_* code), results in x1..x3.
 */
#ifndef HV_ABI_H
#define HV_ABI_H

#include <stdint.h>

/* Interface version: major changes break callers, minor ones add calls. */
#define HV_ABI_VERSION_MAJOR 0
#define HV_ABI_VERSION_MINOR 1

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

#endif /* HV_ABI_H */
