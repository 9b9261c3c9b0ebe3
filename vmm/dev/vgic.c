/*
 * Emulated GIC distributor and redistributors. See vmm/vgic.h.
 */
#include <lib/lib.h>
#include <vmm/vgic.h>

/* Distributor registers (common to v2 and v3 unless noted). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800 /* v2 */
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00      /* v2 */
#define GICD_IROUTER 0x6000  /* v3 */
#define GICD_PIDR2_V2 0xfe8
#define GICD_PIDR2_V3 0xffe8

/* Redistributor: RD frame, then the SGI frame at +64 KiB. */
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_SGI 0x10000

#define IIDR_ARM 0x43b /* implementer: Arm */

void vgic_init(struct vgic_dist *d, u32 version, u32 nvcpus)
{
	memset(d, 0, sizeof(*d));
	d->version = version;
	d->nvcpus = MIN(nvcpus, VGIC_MAX_VCPUS);
	for (u32 v = 0; v < VGIC_MAX_VCPUS; v++) {
		/* GICv2 SGIs are always enabled; GICv3 ones start disabled. */
		d->enabled[v] = version == 2 ? 0xffff : 0;
		d->waker[v] = 1U << 1;  /* ProcessorSleep */
		d->cfg[v] = 0xaaaaaaaaU; /* PPIs: level or edge as the SoC says; RO */
	}
}

static u32 bits_reg(u32 *spi_words, u32 *priv, u32 self, u32 index)
{
	if (index == 0) {
		return priv[self];
	}
	return index - 1 < VGIC_SPIS / 32 ? spi_words[index - 1] : 0;
}

static void set_bits(u32 *spi_words, u32 *priv, u32 self, u32 index, u32 v, bool set,
		     u32 private_writable)
{
	u32 *w;

	if (index == 0) {
		w = &priv[self];
		v &= private_writable;
	} else if (index - 1 < VGIC_SPIS / 32) {
		w = &spi_words[index - 1];
	} else {
		return;
	}
	*w = set ? (*w | v) : (*w & ~v);
}

/* Byte-indexed registers (priorities, targets) for `size` bytes at n. */
static u64 bytes_read(const u8 *priv, const u8 *spi, u32 n, u32 size)
{
	u64 v = 0;

	for (u32 i = 0; i < size; i++) {
		u32 id = n + i;
		u8 b = id < 32 ? priv[id] : id < VGIC_IRQS ? spi[id - 32] : 0;

		v |= (u64)b << (8 * i);
	}
	return v;
}

static void bytes_write(u8 *priv, u8 *spi, u32 n, u32 size, u64 v, bool priv_ok)
{
	for (u32 i = 0; i < size; i++) {
		u32 id = n + i;
		u8 b = (u8)(v >> (8 * i));

		if (id < 32 && priv_ok) {
			priv[id] = b;
		} else if (id >= 32 && id < VGIC_IRQS) {
			spi[id - 32] = b;
		}
	}
}

static u32 lowest_bit(u32 v)
{
	for (u32 i = 0; i < 32; i++) {
		if ((v & (1U << i)) != 0) {
			return i;
		}
	}
	return 0;
}

static void sgir(const struct vgic_dist *d, u32 self, u64 v, struct vgic_sgi *sgi)
{
	u32 all = (1U << d->nvcpus) - 1;

	switch ((v >> 24) & 3) {
	case 0:
		sgi->targets = (u32)(v >> 16) & 0xff & all;
		break;
	case 1:
		sgi->targets = all & ~(1U << self);
		break;
	case 2:
		sgi->targets = 1U << self;
		break;
	default:
		sgi->targets = 0;
		break;
	}
	sgi->intid = (u32)v & 0xf;
}

u64 vgic_dist_access(struct vgic_dist *d, u32 self, u64 off, u32 size, bool write,
		     u64 value, struct vgic_sgi *sgi)
{
	u32 v32 = (u32)value;
	bool v2 = d->version == 2;
	/* With affinity routing (v3), SGIs and PPIs live in the redistributors. */
	bool private_here = v2;

	sgi->targets = 0;
	if (self >= d->nvcpus) {
		return 0;
	}
	if (off == GICD_CTLR) {
		if (write) {
			d->ctlr = v2 ? (v32 & 1) : (v32 & 0x3) | (1U << 4); /* ARE RAO */
		}
		return write ? 0 : d->ctlr | (v2 ? 0 : 1U << 4);
	}
	if (off == GICD_TYPER && !write) {
		/* ITLinesNumber, CPUNumber (v2), IDbits = 9 (v3) */
		return (VGIC_IRQS / 32 - 1) | (v2 ? (d->nvcpus - 1) << 5 : 9U << 19);
	}
	if (off == GICD_IIDR && !write) {
		return IIDR_ARM;
	}
	if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
		u32 i = (u32)(off - GICD_IGROUPR) / 4;

		if (write) {
			if (i != 0 || private_here) {
				set_bits(d->group_spi, d->group, self, i, 0xffffffffU, false, ~0U);
				set_bits(d->group_spi, d->group, self, i, v32, true, ~0U);
			}
			return 0;
		}
		return i == 0 && !private_here ? 0 : bits_reg(d->group_spi, d->group, self, i);
	}
	if (off >= GICD_ISENABLER && off < GICD_ICENABLER + 0x80) {
		bool set = off < GICD_ICENABLER;
		u32 i = (u32)(off - (set ? GICD_ISENABLER : GICD_ICENABLER)) / 4;

		if (i == 0 && !private_here) {
			return 0;
		}
		if (write) {
			/* GICv2 SGIs cannot be disabled. */
			set_bits(d->enabled_spi, d->enabled, self, i, v32, set, 0xffff0000U);
			return 0;
		}
		return bits_reg(d->enabled_spi, d->enabled, self, i);
	}
	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
		u32 n = (u32)(off - GICD_IPRIORITYR);

		if (write) {
			bytes_write(d->prio[self], d->prio_spi, n, size, value, private_here);
			return 0;
		}
		return n < 32 && !private_here ? 0 : bytes_read(d->prio[self], d->prio_spi, n, size);
	}
	if (v2 && off >= GICD_ITARGETSR && off < GICD_ITARGETSR + 0x400) {
		u32 n = (u32)(off - GICD_ITARGETSR);
		u8 self_mask[32];

		memset(self_mask, (int)(1U << self), sizeof(self_mask));
		if (write) {
			bytes_write(self_mask, d->targets_spi, n, size, value, false);
			return 0;
		}
		return bytes_read(self_mask, d->targets_spi, n, size);
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
		u32 i = (u32)(off - GICD_ICFGR) / 4;

		if (i < 2) {
			return write ? 0 : (i == 0 ? 0xaaaaaaaaU : d->cfg[self]);
		}
		if (i - 2 < VGIC_SPIS / 16) {
			if (write) {
				d->cfg_spi[i - 2] = v32 & 0xaaaaaaaaU; /* edge/level bits */
				return 0;
			}
			return d->cfg_spi[i - 2];
		}
		return 0;
	}
	if (v2 && off == GICD_SGIR) {
		if (write) {
			sgir(d, self, value, sgi);
		}
		return 0;
	}
	if (!v2 && off >= GICD_IROUTER + 32 * 8 && off < GICD_IROUTER + VGIC_IRQS * 8) {
		u32 id = (u32)(off - GICD_IROUTER) / 8;

		if (write) {
			d->router_spi[id - 32] = value & 0xff00ffffffULL;
			return 0;
		}
		return d->router_spi[id - 32];
	}
	if (!write && off == (v2 ? GICD_PIDR2_V2 : GICD_PIDR2_V3)) {
		return v2 ? 0x20 : 0x30; /* ArchRev */
	}
	return 0;
}

u64 vgic_redist_access(struct vgic_dist *d, u64 off, u32 size, bool write, u64 value)
{
	u32 cpu = (u32)(off / VGIC_REDIST_STRIDE);
	u64 r = off % VGIC_REDIST_STRIDE;
	u32 v32 = (u32)value;

	if (d->version != 3 || cpu >= d->nvcpus) {
		return 0;
	}
	switch (r) {
	case GICR_IIDR:
		return write ? 0 : IIDR_ARM;
	case GICR_TYPER:
		/* Affinity = vCPU index (Aff0), Processor_Number, Last. */
		return write ? 0
			     : ((u64)cpu << 32) | ((u64)cpu << 8) |
				       (cpu + 1 == d->nvcpus ? 1U << 4 : 0);
	case GICR_TYPER + 4:
		return write ? 0 : cpu; /* upper half read as 32 bits */
	case GICR_WAKER:
		if (write) {
			d->waker[cpu] = v32 & (1U << 1);
			return 0;
		}
		/* ChildrenAsleep follows ProcessorSleep at once. */
		return d->waker[cpu] | ((d->waker[cpu] & 2) << 1);
	case GICR_PIDR2:
		return write ? 0 : 0x30;
	case GICR_SGI + GICD_IGROUPR:
		if (write) {
			d->group[cpu] = v32;
		}
		return write ? 0 : d->group[cpu];
	case GICR_SGI + GICD_ISENABLER:
	case GICR_SGI + GICD_ICENABLER:
		if (write) {
			d->enabled[cpu] = r == GICR_SGI + GICD_ISENABLER ? d->enabled[cpu] | v32
									 : d->enabled[cpu] & ~v32;
			return 0;
		}
		return d->enabled[cpu];
	case GICR_SGI + GICD_ICFGR:
		return write ? 0 : 0xaaaaaaaaU;
	case GICR_SGI + GICD_ICFGR + 4:
		return write ? 0 : d->cfg[cpu];
	default:
		if (r >= GICR_SGI + GICD_IPRIORITYR && r < GICR_SGI + GICD_IPRIORITYR + 32) {
			u32 n = (u32)(r - GICR_SGI - GICD_IPRIORITYR);

			if (write) {
				bytes_write(d->prio[cpu], d->prio_spi, n, size, value, true);
				return 0;
			}
			return bytes_read(d->prio[cpu], d->prio_spi, n, size);
		}
		return 0;
	}
}

bool vgic_deliverable(const struct vgic_dist *d, u32 vcpu, u32 intid)
{
	if (vcpu >= d->nvcpus || intid >= VGIC_IRQS || (d->ctlr & 3) == 0) {
		return false;
	}
	if (intid < 32) {
		return (d->enabled[vcpu] & (1U << intid)) != 0;
	}
	return (d->enabled_spi[(intid - 32) / 32] & (1U << (intid % 32))) != 0 &&
	       vgic_spi_target(d, intid) == vcpu;
}

u32 vgic_sgi_mask(const struct vgic_dist *d, u32 vcpu)
{
	if (vcpu >= d->nvcpus || (d->ctlr & 3) == 0) {
		return 0;
	}
	return d->enabled[vcpu] & 0xffffU;
}

u32 vgic_spi_target(const struct vgic_dist *d, u32 intid)
{
	u32 t;

	if (intid < 32 || intid >= VGIC_IRQS) {
		return 0;
	}
	if (d->version == 2) {
		return lowest_bit(d->targets_spi[intid - 32]);
	}
	t = (u32)(d->router_spi[intid - 32] & 0xff);
	return t < d->nvcpus ? t : 0;
}
