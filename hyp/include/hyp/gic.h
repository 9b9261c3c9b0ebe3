/*
 * The physical GIC at EL2 and the virtual CPU interface of guests: all
 * physical interrupts are taken by the hyp; a guest's virtual timer
 * interrupt is forwarded to it through a list register. GICv3 through the
 * ICC/ICH system registers, GICv2 (GIC-400) through GICC/GICH, with GICV
 * mapped at the guest's GICC address.
 */
#ifndef HYP_GIC_H
#define HYP_GIC_H

#include <lib/types.h>

/* The guest-physical address of the GICv2 CPU interface (GICV) in VMs. */
#define VGIC_GICC_IPA UINT64_C(0x08010000)
#define VGIC_GICC_SIZE UINT64_C(0x2000)
/* INTIDs (Arm GIC architecture: PPIs 16-31). */
#define INTID_VTIMER 27
#define INTID_HTIMER 26 /* EL2 physical timer: the vCPU time slice */
#define INTID_WAKE 0      /* SGI that ends a CPU's HV_FN_CPU_IDLE */
#define INTID_MAINT 25    /* the virtual interface's maintenance interrupt */
#define INTID_SPURIOUS 1023

#define VGIC_LRS 4

/** A vCPU's virtual CPU interface state while it does not run. */
struct vgic_state {
	u64 lr[VGIC_LRS];
	u64 vmcr;
	u64 apr;
};

/** Distributor set-up, on the boot CPU. */
void gic_init(void);
/** This CPU's interface (and GICv3 redistributor); enables the timer PPI. */
void gic_init_cpu(void);
/** Acknowledges the highest pending interrupt; INTID_SPURIOUS if none. */
u32 gic_ack(void);
/** Ends (drops priority and deactivates) an acknowledged interrupt. */
void gic_eoi(u32 intid);
/** Loads a vCPU's virtual interface and enables it (guest entry). */
void gic_vcpu_load(const struct vgic_state *s);
/** Saves it and disables the virtual interface (guest exit). */
void gic_vcpu_save(struct vgic_state *s);
/** Makes virtual interrupt intid pending in a free list register (live). */
bool gic_inject(u32 intid);
/** The list register value that makes intid pending (for saved state). */
u64 gic_lr_pending_value(u32 intid);
/** Whether a saved list register is free. */
bool gic_lr_free(u64 lr);
/**
 * Asks for the maintenance interrupt once at most one list register is in
 * use (on), or no more (off): while a vCPU's injected interrupts wait for
 * a free one (live; every load and save turns it off).
 */
void gic_underflow_irq(bool on);
/** Whether a list register holds a pending interrupt (live). */
bool gic_pending(void);
/** Sends INTID_WAKE to CPU `cpu` (an index of hyp_plat.cpus). */
void gic_send_wake(u32 cpu);
/** The GIC version in use (2 or 3), 0 if none. */
u32 gic_version(void);
/** Physical address of GICV for GICv2 (mapped into VMs), or 0. */
u64 gic_vcpu_base(void);

#endif /* HYP_GIC_H */
