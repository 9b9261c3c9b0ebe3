/*
 * The VMM's emulated GIC distributor and redistributors (vmm/dev/vgic.c).
 */
#include <vmm/vgic.h>

#include "harness.h"

static struct vgic_dist d;
static struct vgic_sgi sgi;

#define D(self, off, size, w, v) vgic_dist_access(&d, (self), (off), (size), (w), (v), &sgi)

TEST(vgic_v2_distributor)
{
	vgic_init(&d, 2, 4);
	CHECK_EQ(D(0, 0x004, 4, false, 0), (128 / 32 - 1) | (3 << 5)); /* TYPER */
	CHECK_EQ(D(0, 0xfe8, 4, false, 0), 0x20);                      /* PIDR2 */
	CHECK(!vgic_deliverable(&d, 1, 5));         /* distributor off */
	D(0, 0x000, 4, true, 1);
	CHECK_EQ(D(0, 0x000, 4, false, 0), 1);
	CHECK(vgic_deliverable(&d, 1, 5));          /* SGIs always enabled */
	D(0, 0x180, 4, true, 0xffffffff);           /* ICENABLER0 */
	CHECK(vgic_deliverable(&d, 0, 5));          /* ... and stay so */
	CHECK(!vgic_deliverable(&d, 0, 27));
	D(2, 0x100, 4, true, 1U << 27);             /* PPI 27 on vCPU 2 only */
	CHECK(vgic_deliverable(&d, 2, 27));
	CHECK(!vgic_deliverable(&d, 0, 27));
	/* SPI 33: enable, target vCPU 3 */
	D(0, 0x104, 4, true, 1U << 1);
	D(0, 0x800 + 33, 1, true, 1U << 3);
	CHECK_EQ(vgic_spi_target(&d, 33), 3);
	CHECK(vgic_deliverable(&d, 3, 33));
	CHECK(!vgic_deliverable(&d, 0, 33));
	CHECK_EQ(D(1, 0x800, 4, false, 0), 0x02020202); /* own mask for private */
	/* priorities, byte and word access */
	D(0, 0x400 + 33, 1, true, 0xa0);
	CHECK_EQ(D(0, 0x420, 4, false, 0), 0xa000);
	/* SGIR: list, all but self, self */
	D(1, 0xf00, 4, true, (0x6U << 16) | 5);
	CHECK_EQ(sgi.targets, 0x6);
	CHECK_EQ(sgi.intid, 5);
	D(1, 0xf00, 4, true, (1U << 24) | 6);
	CHECK_EQ(sgi.targets, 0xd);
	D(2, 0xf00, 4, true, (2U << 24) | 7);
	CHECK_EQ(sgi.targets, 0x4);
	D(0, 0xf00, 4, true, (0xf0U << 16) | 1);      /* no such vCPUs */
	CHECK_EQ(sgi.targets, 0);
	CHECK_EQ(D(0, 0x12340, 4, false, 0), 0);      /* outside: RAZ */
	CHECK_EQ(D(9, 0x000, 4, false, 0), 0);        /* bad vCPU */
}

TEST(vgic_v3_distributor_and_redistributors)
{
	vgic_init(&d, 3, 2);
	CHECK_EQ(D(0, 0x004, 4, false, 0) & (0x1fU << 19), 9U << 19); /* IDbits */
	CHECK_EQ(D(0, 0xffe8, 4, false, 0), 0x30);
	D(0, 0x000, 4, true, 2);                      /* EnableGrp1 */
	CHECK_EQ(D(0, 0x000, 4, false, 0), 2 | (1U << 4)); /* ARE reads as one */
	/* redistributors: TYPER affinity and Last */
	CHECK_EQ(vgic_redist_access(&d, 0x8, 8, false, 0), 0);
	CHECK_EQ(vgic_redist_access(&d, 0x20008, 8, false, 0),
		 (UINT64_C(1) << 32) | (1U << 8) | (1U << 4));
	CHECK_EQ(vgic_redist_access(&d, 0x40008, 8, false, 0), 0); /* no third */
	CHECK_EQ(vgic_redist_access(&d, 0x14, 4, false, 0), 6);     /* asleep */
	vgic_redist_access(&d, 0x14, 4, true, 0);
	CHECK_EQ(vgic_redist_access(&d, 0x14, 4, false, 0), 0);
	/* SGIs enabled per vCPU in its SGI frame; the distributor's bank is RAZ/WI */
	D(0, 0x180, 4, true, 0xffffffff);
	vgic_redist_access(&d, 0x10180, 4, true, 0xffffffff);
	CHECK(!vgic_deliverable(&d, 0, 5));
	CHECK_EQ(vgic_redist_access(&d, 0x10100, 4, false, 0), 0); /* reset: off */
	vgic_redist_access(&d, 0x30100, 4, true, 1U << 5);
	CHECK(vgic_deliverable(&d, 1, 5));
	CHECK(!vgic_deliverable(&d, 0, 5));
	CHECK_EQ(D(0, 0x100, 4, false, 0), 0);
	/* SPI 40 routed to vCPU 1 by IROUTER */
	D(0, 0x6000 + 40 * 8, 8, true, 1);
	D(0, 0x104, 4, true, 1U << 8);
	CHECK(vgic_deliverable(&d, 1, 40));
	CHECK_EQ(D(0, 0x6000 + 40 * 8, 8, false, 0), 1);
	/* GICD_SGIR does not exist on v3 */
	D(0, 0xf00, 4, true, (1U << 16) | 3);
	CHECK_EQ(sgi.targets, 0);
}

/* The SGIs the hyp may post itself are exactly those vgic_deliverable
 * allows, through enables, disables and the distributor going off. */
static void check_sgi_mask(u32 nvcpus)
{
	for (u32 c = 0; c < nvcpus + 1; c++) {
		u32 want = 0;

		for (u32 i = 0; i < 16; i++) {
			want |= vgic_deliverable(&d, c, i) ? 1U << i : 0;
		}
		CHECK_EQ(vgic_sgi_mask(&d, c), want);
	}
}

TEST(vgic_v3_sgi_mask_follows_enables_and_the_distributor)
{
	vgic_init(&d, 3, 2);
	vgic_redist_access(&d, 0x10100, 4, true, 0x8421);
	check_sgi_mask(2);
	CHECK_EQ(vgic_sgi_mask(&d, 0), 0); /* the distributor is off */
	D(0, 0x000, 4, true, 2);
	check_sgi_mask(2);
	CHECK_EQ(vgic_sgi_mask(&d, 0), 0x8421);
	CHECK_EQ(vgic_sgi_mask(&d, 1), 0);
	vgic_redist_access(&d, 0x30100, 4, true, 0xffffffff); /* PPIs too: only SGIs count */
	vgic_redist_access(&d, 0x10180, 4, true, 1U << 5);   /* ICENABLER0 */
	check_sgi_mask(2);
	CHECK_EQ(vgic_sgi_mask(&d, 0), 0x8401);
	CHECK_EQ(vgic_sgi_mask(&d, 1), 0xffff);
	D(0, 0x000, 4, true, 0);
	check_sgi_mask(2);
	CHECK_EQ(vgic_sgi_mask(&d, 1), 0);
}
