/*
 * GIC driver of the hyp. Register offsets and fields: Arm GIC
 * Architecture Specification v3/v4 (IHI 0069) and GIC-400 / GICv2
 * (IHI 0048), cited per block below.
 */
#include <hyp/arch.h>
#include <hyp/gic.h>
#include <hyp/hyp.h>
#include <hyp/log.h>

#include "sysreg.h"

/* GICD (IHI 0069 12.9, IHI 0048 4.3). */
#define GICD_CTLR 0x0000
#define GICD_CTLR_RWP (1U << 31)
#define GICD_V3_ENABLE (1U << 4 | 1U << 1) /* ARE, EnableGrp1 (one security state) */
#define GICD_V2_ENABLE 1U
#define GICD_ISENABLER0 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800
#define GICD_SGIR 0x0f00
#define GICD_SGIR_TARGETS_SHIFT 16 /* CPUTargetList [23:16] (IHI 0048B 4.3.15) */

/* GICR (IHI 0069 12.10-12.11): 64 KiB RD frame + 64 KiB SGI frame. */
#define GICR_STRIDE 0x20000
#define GICR_TYPER 0x0008
#define GICR_TYPER_LAST (1U << 4)
#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP (1U << 1)
#define GICR_WAKER_ASLEEP (1U << 2)
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

/* GICC and GICH (IHI 0048 4.4, 5.3). */
#define GICC_CTLR 0x0000
#define GICC_PMR 0x0004
#define GICC_IAR 0x000c
#define GICC_EOIR 0x0010
#define GICH_HCR 0x0000
#define GICH_VMCR 0x0008
#define GICH_ELRSR0 0x0030
#define GICH_APR 0x00f0
#define GICH_LR0 0x0100
#define GICH_LR_PENDING (1U << 28)
#define GICH_LR_STATE_MASK (3U << 28)
#define GICH_LR_PRIO_SHIFT 23

/* ICH_LR<n>_EL2 (IHI 0069 12.5.10). */
#define ICH_LR_PENDING (UINT64_C(1) << 62)
#define ICH_LR_STATE_MASK (UINT64_C(3) << 62)
#define ICH_LR_GROUP1 (UINT64_C(1) << 60)
#define ICH_LR_PRIO_SHIFT 48
/* ICH_HCR_EL2 and GICH_HCR alike: En, and UIE (the underflow interrupt). */
#define HCR_EN 1U
#define HCR_UIE (1U << 1)
#define ICC_SRE_EL2_VALUE 0xfU /* SRE, DFB, DIB, Enable (EL1 may use SRE) */

#define PRIORITY 0xa0U
/* The slice's timer above the rest: a guest that keeps wake SGIs coming
 * (its SGIs, posted with no exit) cannot keep its run from ending. */
#define PRIORITY_SLICE 0x90U
#define IAR_INTID_MASK 0xffffffU

#define SYSREG_RW(name, enc)                                                  \
	static inline u64 read_##name(void)                                   \
	{                                                                     \
		u64 v;                                                        \
		__asm__ volatile("mrs %0, " enc : "=r"(v));                   \
		return v;                                                     \
	}                                                                     \
	static inline void write_##name(u64 v)                               \
	{                                                                     \
		__asm__ volatile("msr " enc ", %0" : : "r"(v) : "memory");    \
	}

SYSREG_RW(icc_sre_el2, "S3_4_C12_C9_5")
SYSREG_RW(icc_pmr, "S3_0_C4_C6_0")
SYSREG_RW(icc_igrpen1, "S3_0_C12_C12_7")
SYSREG_RW(icc_iar1, "S3_0_C12_C12_0")
SYSREG_RW(icc_eoir1, "S3_0_C12_C12_1")
SYSREG_RW(icc_sgi1r, "S3_0_C12_C11_5")
SYSREG_RW(ich_hcr, "S3_4_C12_C11_0")
SYSREG_RW(ich_vmcr, "S3_4_C12_C11_7")
SYSREG_RW(ich_elrsr, "S3_4_C12_C11_5")
SYSREG_RW(ich_ap1r0, "S3_4_C12_C9_0")
SYSREG_RW(ich_lr0, "S3_4_C12_C12_0")
SYSREG_RW(ich_lr1, "S3_4_C12_C12_1")
SYSREG_RW(ich_lr2, "S3_4_C12_C12_2")
SYSREG_RW(ich_lr3, "S3_4_C12_C12_3")

static inline u32 rd32(u64 a)
{
	return *(volatile u32 *)(uintptr_t)a;
}

static inline void wr32(u64 a, u32 v)
{
	*(volatile u32 *)(uintptr_t)a = v;
}

static inline u64 rd64(u64 a)
{
	return *(volatile u64 *)(uintptr_t)a;
}

static inline void wr8(u64 a, u8 v)
{
	*(volatile u8 *)(uintptr_t)a = v;
}

/* GICv2: each CPU's interface mask (its byte of GICD_ITARGETSR0). */
static u8 v2_cpu_mask[PLAT_MAX_CPUS];

u32 gic_version(void)
{
	return hyp_plat.gic.version;
}

u64 gic_vcpu_base(void)
{
	return gic_version() == 2 ? hyp_plat.gic.vcpu.base : 0;
}

void gic_init(void)
{
	u64 d = hyp_plat.gic.dist.base;

	if (gic_version() == 3) {
		wr32(d + GICD_CTLR, GICD_V3_ENABLE);
		for (u32 i = 0; i < 1000000 && (rd32(d + GICD_CTLR) & GICD_CTLR_RWP) != 0; i++) {
		}
	} else if (gic_version() == 2) {
		wr32(d + GICD_CTLR, GICD_V2_ENABLE);
	}
}

/* This CPU's GICv3 redistributor, found by affinity (GICR_TYPER[63:32]). */
static u64 my_redist(void)
{
	u64 mpidr = read_mpidr_el1();
	u64 aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
	u64 r = hyp_plat.gic.redist.base;
	u64 end = r + hyp_plat.gic.redist.size;

	for (; r + GICR_STRIDE <= end; r += GICR_STRIDE) {
		u64 typer = rd64(r + GICR_TYPER);

		if ((typer >> 32) == aff) {
			return r;
		}
		if ((typer & GICR_TYPER_LAST) != 0) {
			break;
		}
	}
	return 0;
}

static void write_lr(u32 i, u64 v);

/*
 * Every list register empty, as gic_vcpu_load expects between runs (their
 * reset values are UNKNOWN: firmware or an earlier program may have left
 * one pending).
 */
static void empty_lrs(void)
{
	for (u32 i = 0; i < VGIC_LRS; i++) {
		write_lr(i, 0);
	}
}

void gic_init_cpu(void)
{
	if (gic_version() == 3) {
		u64 r = my_redist();

		write_icc_sre_el2(ICC_SRE_EL2_VALUE);
		isb();
		empty_lrs();
		write_ich_vmcr(0);
		write_ich_ap1r0(0);
		if (r == 0) {
			log_warn("no GICv3 redistributor for this CPU\n");
			return;
		}
		wr32(r + GICR_WAKER, rd32(r + GICR_WAKER) & ~GICR_WAKER_SLEEP);
		for (u32 i = 0; i < 1000000 && (rd32(r + GICR_WAKER) & GICR_WAKER_ASLEEP) != 0; i++) {
		}
		wr32(r + GICR_SGI + GICR_IGROUPR0, 0xffffffffU);
		wr8(r + GICR_SGI + GICR_IPRIORITYR + INTID_VTIMER, PRIORITY);
		wr8(r + GICR_SGI + GICR_IPRIORITYR + INTID_HTIMER, PRIORITY_SLICE);
		wr8(r + GICR_SGI + GICR_IPRIORITYR + INTID_WAKE, PRIORITY);
		wr8(r + GICR_SGI + GICR_IPRIORITYR + INTID_MAINT, PRIORITY);
		wr32(r + GICR_SGI + GICR_ISENABLER0, (1U << INTID_VTIMER) | (1U << INTID_HTIMER) |
							     (1U << INTID_WAKE) | (1U << INTID_MAINT));
		write_icc_pmr(0xff);
		write_icc_igrpen1(1);
		write_ich_hcr(0);
		isb();
	} else if (gic_version() == 2) {
		u64 d = hyp_plat.gic.dist.base;
		u64 c = hyp_plat.gic.cpu.base;

		wr8(d + GICD_IPRIORITYR + INTID_VTIMER, PRIORITY);
		wr8(d + GICD_IPRIORITYR + INTID_HTIMER, PRIORITY_SLICE);
		wr8(d + GICD_IPRIORITYR + INTID_WAKE, PRIORITY);
		wr8(d + GICD_IPRIORITYR + INTID_MAINT, PRIORITY);
		/* banked per CPU; SGIs are always enabled on GIC-400 */
		wr32(d + GICD_ISENABLER0, (1U << INTID_VTIMER) | (1U << INTID_HTIMER) |
						  (1U << INTID_WAKE) | (1U << INTID_MAINT));
		/* Reads of GICD_ITARGETSR0-7 return this CPU's own interface bit. */
		v2_cpu_mask[arch_cpu_index() % PLAT_MAX_CPUS] =
			(u8)rd32(d + GICD_ITARGETSR);
		wr32(c + GICC_PMR, 0xff);
		wr32(c + GICC_CTLR, 1);
		wr32(hyp_plat.gic.hyp.base + GICH_HCR, 0);
		empty_lrs();
		wr32(hyp_plat.gic.hyp.base + GICH_VMCR, 0);
		wr32(hyp_plat.gic.hyp.base + GICH_APR, 0);
	}
}

u32 gic_ack(void)
{
	if (gic_version() == 3) {
		return (u32)read_icc_iar1() & IAR_INTID_MASK;
	}
	if (gic_version() == 2) {
		/* The whole GICC_IAR: an SGI's source CPU [12:10] must go back in
		 * GICC_EOIR. PPIs and SPIs have zero there. */
		return rd32(hyp_plat.gic.cpu.base + GICC_IAR) & 0x1fff;
	}
	return INTID_SPURIOUS;
}

void gic_send_wake(u32 cpu)
{
	/* What the sender stored before (an injected interrupt, a kick) is
	 * seen by the target once the SGI is: the write to ICC_SGI1R_EL1 and
	 * the Device store to GICD_SGIR are not ordered after it otherwise. */
	dsb_ish();
	if (gic_version() == 3) {
		u64 mpidr = hyp_plat.cpus[cpu].mpidr;
		u64 aff0 = mpidr & 0xff;

		/* ICC_SGI1R_EL1 (IHI 0069 12.2.21): Aff3 [55:48], RS [47:44],
		 * Aff2 [39:32], INTID [27:24], Aff1 [23:16], TargetList [15:0]. */
		write_icc_sgi1r(((mpidr >> 32) & 0xff) << 48 | (aff0 >> 4) << 44 |
				((mpidr >> 16) & 0xff) << 32 | (u64)INTID_WAKE << 24 |
				((mpidr >> 8) & 0xff) << 16 | UINT64_C(1) << (aff0 & 0xf));
		isb();
	} else if (gic_version() == 2) {
		wr32(hyp_plat.gic.dist.base + GICD_SGIR,
		     (u32)v2_cpu_mask[cpu] << GICD_SGIR_TARGETS_SHIFT | INTID_WAKE);
	}
}

void gic_eoi(u32 intid)
{
	if (gic_version() == 3) {
		write_icc_eoir1(intid);
		isb();
	} else if (gic_version() == 2) {
		wr32(hyp_plat.gic.cpu.base + GICC_EOIR, intid);
	}
}

static u64 read_lr(u32 i)
{
	if (gic_version() == 2) {
		return rd32(hyp_plat.gic.hyp.base + GICH_LR0 + 4 * i);
	}
	switch (i) {
	case 0:
		return read_ich_lr0();
	case 1:
		return read_ich_lr1();
	case 2:
		return read_ich_lr2();
	default:
		return read_ich_lr3();
	}
}

static void write_lr(u32 i, u64 v)
{
	if (gic_version() == 2) {
		wr32(hyp_plat.gic.hyp.base + GICH_LR0 + 4 * i, (u32)v);
		return;
	}
	switch (i) {
	case 0:
		write_ich_lr0(v);
		break;
	case 1:
		write_ich_lr1(v);
		break;
	case 2:
		write_ich_lr2(v);
		break;
	default:
		write_ich_lr3(v);
		break;
	}
}

_Static_assert(VGIC_LRS == 4, "four list registers (read_lr, write_lr, save_lrs)");

/*
 * Between guest runs every list register is empty (its state invalid, as
 * gic_vcpu_save leaves it): only the vCPU's non-empty ones are written,
 * and an empty one may keep an old INTID, which only the hyp can read.
 */
static void load_lrs(const struct vgic_state *s)
{
	if ((s->lr[0] | s->lr[1] | s->lr[2] | s->lr[3]) == 0) {
		return; /* the usual entry: none */
	}
	for (u32 i = 0; i < VGIC_LRS; i++) {
		if (s->lr[i] != 0) {
			write_lr(i, s->lr[i]);
		}
	}
}

void gic_vcpu_load(const struct vgic_state *s)
{
	u64 h = hyp_plat.gic.hyp.base;

	if (gic_version() == 3) {
		load_lrs(s);
		write_ich_vmcr(s->vmcr);
		write_ich_ap1r0(s->apr);
		write_ich_hcr(HCR_EN);
		isb();
	} else if (gic_version() == 2) {
		load_lrs(s);
		wr32(h + GICH_VMCR, (u32)s->vmcr);
		wr32(h + GICH_APR, (u32)s->apr);
		wr32(h + GICH_HCR, HCR_EN);
	}
}

/* Reads and empties the list registers ELRSR does not show empty. */
static void save_lrs(struct vgic_state *s, u32 empty)
{
	if ((empty & ((1U << VGIC_LRS) - 1)) == (1U << VGIC_LRS) - 1) {
		/* The usual exit: the guest took them all. */
		s->lr[0] = s->lr[1] = s->lr[2] = s->lr[3] = 0;
		return;
	}
	for (u32 i = 0; i < VGIC_LRS; i++) {
		if ((empty & (1U << i)) != 0) {
			s->lr[i] = 0;
		} else {
			s->lr[i] = read_lr(i);
			write_lr(i, 0);
		}
	}
}

void gic_vcpu_save(struct vgic_state *s)
{
	u64 h = hyp_plat.gic.hyp.base;

	if (gic_version() == 3) {
		save_lrs(s, (u32)read_ich_elrsr());
		s->vmcr = read_ich_vmcr();
		s->apr = read_ich_ap1r0();
		write_ich_hcr(0);
		isb();
	} else if (gic_version() == 2) {
		save_lrs(s, rd32(h + GICH_ELRSR0));
		s->vmcr = rd32(h + GICH_VMCR);
		s->apr = rd32(h + GICH_APR);
		wr32(h + GICH_HCR, 0);
	}
}

u64 gic_lr_pending_value(u32 intid)
{
	if (gic_version() == 3) {
		return ICH_LR_PENDING | ICH_LR_GROUP1 | ((u64)PRIORITY << ICH_LR_PRIO_SHIFT) |
		       intid;
	}
	return GICH_LR_PENDING | ((PRIORITY >> 3) << GICH_LR_PRIO_SHIFT) | intid;
}

bool gic_lr_free(u64 lr)
{
	return gic_version() == 3 ? (lr & ICH_LR_STATE_MASK) == 0
				  : (lr & GICH_LR_STATE_MASK) == 0;
}

/*
 * An INTID may be in one list register only (IHI 0069 4.9.3): one the
 * guest has not taken yet is pending already; one it is handling becomes
 * active and pending.
 */
bool gic_inject(u32 intid)
{
	const u64 state = gic_version() == 3 ? ICH_LR_STATE_MASK : GICH_LR_STATE_MASK;
	const u64 pending = gic_version() == 3 ? ICH_LR_PENDING : GICH_LR_PENDING;
	const u64 id_mask = gic_version() == 3 ? 0xffffffffU : 0x3ffU;
	u32 free = VGIC_LRS;

	for (u32 i = 0; i < VGIC_LRS; i++) {
		u64 lr = read_lr(i);

		if ((lr & state) == 0) {
			free = MIN(free, i);
		} else if ((lr & id_mask) == intid) {
			if ((lr & pending) == 0) {
				write_lr(i, lr | pending);
				isb();
			}
			return true;
		}
	}
	if (free == VGIC_LRS) {
		return false;
	}
	write_lr(free, gic_lr_pending_value(intid));
	isb();
	return true;
}

void gic_underflow_irq(bool on)
{
	if (gic_version() == 3) {
		write_ich_hcr(HCR_EN | (on ? HCR_UIE : 0));
		isb();
	} else if (gic_version() == 2) {
		wr32(hyp_plat.gic.hyp.base + GICH_HCR, HCR_EN | (on ? HCR_UIE : 0));
	}
}

bool gic_pending(void)
{
	for (u32 i = 0; i < VGIC_LRS; i++) {
		u64 lr = read_lr(i);

		if (gic_version() == 3 && (lr & ICH_LR_PENDING) != 0) {
			return true;
		}
		if (gic_version() == 2 && (lr & GICH_LR_PENDING) != 0) {
			return true;
		}
	}
	return false;
}
