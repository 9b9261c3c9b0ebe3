/*
 * The GIC distributor a guest sees (and, for GICv3, its redistributors),
 * emulated by the VMM: enables, priorities, configuration, routing and
 * SGI generation, so a guest's GIC driver (Linux's among them) finds the
 * registers it programs. Delivery goes through the hyp's list registers
 * (HV_FN_IRQ_INJECT); this model decides what may be delivered, where.
 * Register maps: GICv2 IHI 0048 4.3, GICv3 IHI 0069 12.9-12.11. Plain C,
 * host-tested.
 */
#ifndef VMM_VGIC_H
#define VMM_VGIC_H

#include <lib/types.h>

#define VGIC_SPIS 96                  /* INTIDs 32..127 */
#define VGIC_IRQS (32 + VGIC_SPIS)
#define VGIC_MAX_VCPUS 8
#define VGIC_REDIST_STRIDE 0x20000    /* RD + SGI frame per vCPU */

/** An SGI the guest asked for: a bit per target vCPU, and its INTID. */
struct vgic_sgi {
	u32 targets;
	u32 intid;
};

struct vgic_dist {
	u32 version;  /* 2 or 3 */
	u32 nvcpus;
	u32 ctlr;
	u32 enabled[VGIC_MAX_VCPUS]; /* SGIs and PPIs, banked per vCPU */
	u32 enabled_spi[VGIC_SPIS / 32];
	u32 group[VGIC_MAX_VCPUS];
	u32 group_spi[VGIC_SPIS / 32];
	u8 prio[VGIC_MAX_VCPUS][32];
	u8 prio_spi[VGIC_SPIS];
	u32 cfg[VGIC_MAX_VCPUS];     /* ICFGR1: PPI configuration */
	u32 cfg_spi[VGIC_SPIS / 16];
	u8 targets_spi[VGIC_SPIS];   /* GICv2 ITARGETSR */
	u64 router_spi[VGIC_SPIS];   /* GICv3 IROUTER */
	u32 waker[VGIC_MAX_VCPUS];   /* GICv3 GICR_WAKER */
};

/** A distributor for `nvcpus` vCPUs of GIC `version`, in its reset state. */
void vgic_init(struct vgic_dist *d, u32 version, u32 nvcpus);

/**
 * An access by vCPU `self` at offset `off` of the distributor frame;
 * returns the value read (0 for writes). A GICv2 write of GICD_SGIR fills
 * *sgi (targets 0 otherwise). Reserved registers read as zero and ignore
 * writes.
 */
u64 vgic_dist_access(struct vgic_dist *d, u32 self, u64 off, u32 size, bool write,
		     u64 value, struct vgic_sgi *sgi);

/** GICv3: an access at offset `off` of the redistributor region. */
u64 vgic_redist_access(struct vgic_dist *d, u64 off, u32 size, bool write, u64 value);

/** Whether INTID intid may be delivered to vCPU `vcpu` now. */
bool vgic_deliverable(const struct vgic_dist *d, u32 vcpu, u32 intid);

/** The SGIs (bit n: SGI n) vgic_deliverable allows for vCPU `vcpu` now. */
u32 vgic_sgi_mask(const struct vgic_dist *d, u32 vcpu);

/** The vCPU an SPI is routed to (its lowest target on GICv2). */
u32 vgic_spi_target(const struct vgic_dist *d, u32 intid);

#endif /* VMM_VGIC_H */
