/*
 * What the hyp learns about the machine from the device tree: memory,
 * CPUs, the interrupt controller, the console UART, timer interrupts and the
 * boot loader's hand-over (initrd = guest bundle). Parsed once at boot by
 * plain C that is also unit-tested on the build machine.
 */
#ifndef HYP_PLATFORM_H
#define HYP_PLATFORM_H

#include <abi/hv_abi.h>
#include <lib/types.h>

#define PLAT_MAX_MEM 8
#define PLAT_MAX_VIRTIO 32
#define PLAT_MAX_RESV 16
#define PLAT_MAX_CPUS 8

/** How a secondary CPU is started (Linux Documentation/arm64/booting). */
enum cpu_method {
	CPU_METHOD_NONE = 0,
	CPU_METHOD_PSCI = 1,
	CPU_METHOD_SPIN_TABLE = 2,
};

/** The instruction that reaches PSCI firmware. */
enum psci_conduit {
	PSCI_CONDUIT_NONE = 0,
	PSCI_CONDUIT_HVC = 1,
	PSCI_CONDUIT_SMC = 2,
};

/** One CPU node of /cpus. */
struct plat_cpu {
	u64 mpidr;        /* affinity fields as in the reg property */
	u32 method;       /* enum cpu_method */
	paddr_t release;  /* cpu-release-addr for the spin table */
};

/** The GIC: distributor plus either redistributors (v3) or CPU interface (v2). */
struct plat_gic {
	u32 version;              /* 2 or 3; 0 if none was found */
	struct hv_region dist;
	struct hv_region redist;  /* v3 */
	struct hv_region cpu;     /* v2: GICC */
	struct hv_region hyp;     /* v2: GICH */
	struct hv_region vcpu;    /* v2: GICV */
	u32 maint_irq;            /* INTID of the maintenance interrupt */
};

/** Index of each architected timer interrupt in plat_timer.irq[]. */
enum timer_irq {
	TIMER_SEC_PHYS = 0,
	TIMER_PHYS = 1,
	TIMER_VIRT = 2,
	TIMER_HYP = 3,
};

/** Where a property's value sits in the blob (len 0: absent). */
struct plat_prop {
	u32 off;
	u32 len;
};

/** Everything parsed from the device tree. */
struct platform {
	char model[48];
	u32 num_mem;
	struct hv_region mem[PLAT_MAX_MEM];
	u32 num_resv;
	struct hv_region resv[PLAT_MAX_RESV];
	u32 num_cpus;
	struct plat_cpu cpus[PLAT_MAX_CPUS];
	u32 psci;                /* enum psci_conduit */
	struct plat_gic gic;
	u32 uart_kind;           /* enum hv_uart_kind */
	struct hv_region uart;
	u32 uart_irq;
	u32 timer_irq[4];        /* INTIDs, by enum timer_irq */
	paddr_t initrd_start;    /* the guest bundle; 0 if none */
	paddr_t initrd_end;
	struct plat_prop rng_seed;   /* /chosen/rng-seed */
	struct plat_prop kaslr_seed; /* /chosen/kaslr-seed */
	struct hv_region rng;        /* brcm,bcm2711-rng200; size 0 if none */
	u32 num_virtio;              /* virtio,mmio transports (QEMU virt's disk) */
	struct hv_region virtio[PLAT_MAX_VIRTIO];
	u32 num_sdhci;               /* a Pi 4's SD controllers (its SD card) */
	struct hv_region sdhci[2];
	const char *error;       /* why platform_parse failed */
};

/**
 * Parses the device tree blob at `blob` (at most `max` bytes readable) into
 * `p`. Returns HV_OK, or HV_E_INVALID with p->error saying what was wrong.
 * Missing optional parts (GIC, UART, initrd) leave their fields zero; a
 * tree without memory or CPUs is an error.
 */
s64 platform_parse(struct platform *p, const void *blob, size_t max) __must_check;

#endif /* HYP_PLATFORM_H */
