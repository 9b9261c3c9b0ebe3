/*
 * The test guests' library: console through the emulated PL011, calls to
 * the hyp and the VMM, result lines, power off.
 *
 * Guest memory map (what the VMM gives every test guest):
 *   0x09000000  PL011 console (emulated by the VMM)
 *   0x0a000000  test device (emulated by the VMM, see mmio.c)
 *   0x40000000  RAM, 16 MiB; the image is loaded at its start
 */
#ifndef GUEST_H
#define GUEST_H

#include <abi/hv_call.h>
#include <lib/lib.h>
#include <lib/types.h>

#define GUEST_UART 0x09000000UL
#define GUEST_TESTDEV 0x0a000000UL
#define GUEST_RAM 0x40000000UL
#define GUEST_RAM_SIZE (16UL << 20)

/* PSCI function ids (DEN0022): the VMM implements them. */
#define PSCI_VERSION 0x84000000UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_SYSTEM_RESET 0x84000009UL

/** x0..x3 after a call by id. */
struct hvc_res {
	u64 x0, x1, x2, x3;
};

/**
 * A call by function id over HVC, through the ABI's one stub: for PSCI,
 * the firmware calls over both conduits, and calls made wrong on purpose
 * (unknown ids, VMM-only calls). The hyp's own calls have typed wrappers
 * (abi/hv_call.h).
 */
static inline struct hvc_res hvc(u64 fn, u64 a1, u64 a2, u64 a3)
{
	struct hv_regs r = { { fn, a1, a2, a3 } };

	(void)hv_hvc(&r);
	return (struct hvc_res){ r.x[0], r.x[1], r.x[2], r.x[3] };
}

/** The same over SMC (the hyp traps it and answers as for HVC). */
static inline struct hvc_res smc(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (struct hvc_res){ x0, x1, x2, x3 };
}
/** The virtual counter, read in order with what comes before it. */
static inline u64 guest_counter(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

/** Loads/stores 64 bits at addr; 0, or -1 if the access took an abort. */
int probe_read(u64 addr, u64 *out);
int probe_write(u64 addr, u64 value);
/** ESR_EL1 of the last abort a probe absorbed. */
extern u64 probe_esr;
/**
 * The VMM's test device: this VM's id; a yield to other VMs; GIC version;
 * a barrier (a write: this VM has reached it; a read: how many running VMs
 * have); how many of its SGIs reached the VMM (HV_EXIT_SGI); how many of
 * its UART accesses did (MMIO exits); how many times the VMM restarted it
 * (its on_reboot, on_poweroff or on_crash policy) before this boot.
 */
#define TESTDEV_VMID 0x300
#define TESTDEV_YIELD 0x308
#define TESTDEV_GIC_VERSION 0x310
#define TESTDEV_BARRIER 0x320
#define TESTDEV_SGI_EXITS 0x328
#define TESTDEV_UART_EXITS 0x330
#define TESTDEV_BOOTS 0x338
/* The GICv2 CPU interface in every VM (GICv3 uses system registers). */
#define GUEST_GICC 0x08010000UL

/**
 * The GIC as a driver would set it up: the distributor on (call once), and
 * on each vCPU its CPU interface plus the SGIs/PPIs in `private_mask`
 * (GICv3: its redistributor woken and the SGI frame enables set). Returns
 * the GIC version.
 */
u32 gic_setup_dist(void);
void gic_setup_cpu(u32 private_mask);
/** Disables this vCPU's SGIs and PPIs in mask (ICENABLER0; GICv2's SGIs stay). */
void gic_disable_private(u32 mask);
/** Acknowledge and end an interrupt on this vCPU's CPU interface. */
u64 gic_ack(void);
void gic_eoi(u64 id);

/** Called for each IRQ (vector "current EL, SP_ELx, IRQ"); weak default
 * reports an unexpected interrupt. */
void guest_irq(void);
void putc(char c);
void puts(const char *s);
void printf(const char *fmt, ...) __printf(1, 2);
/** Prints "RESULT <name> PASS|FAIL <detail>". */
void result(const char *name, bool pass, const char *fmt, ...) __printf(3, 4);
/** Asks the VMM to power the VM off; does not return. */
__noreturn void poweroff(void);

/** The test's body, called by the library's start code. */
void guest_main(void);
/** Entry of secondary vCPUs for PSCI CPU_ON; calls guest_secondary(ctx). */
void secondary_entry(void);
/**
 * Lets the VMM run other vCPUs (a write to the test device, which always
 * exits; WFE does not trap under QEMU's TCG).
 */
void guest_yield(void);
/** A secondary vCPU's body; weak default in lib.c powers nothing off. */
void guest_secondary(u64 context);

#define PSCI_CPU_OFF 0x84000002UL
#define PSCI_CPU_ON 0xc4000003UL
#define PSCI_AFFINITY_INFO 0xc4000004UL
#define PSCI_FEATURES 0x8400000aUL

/** Counts of checks, for a closing result line. */
extern int guest_failures;

#endif /* GUEST_H */
