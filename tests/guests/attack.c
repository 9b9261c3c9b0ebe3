/*
 * attack: a guest tries what a hostile VM would; every attempt must be
 * refused (an abort the guest takes, or an error code) while the guest,
 * the VMM and the hyp keep running.
 */
#include "lib/guest.h"

/* ESR_EL1.EC of a data abort taken without changing EL, and DFSC 0x10. */
#define EXPECTED_ESR 0x96000010UL
#define ESR_MASK 0xfc00003fUL

static bool refused_read(u64 addr)
{
	u64 v = 0;

	return probe_read(addr, &v) == -1 && (probe_esr & ESR_MASK) == (EXPECTED_ESR & ESR_MASK);
}

static bool refused_write(u64 addr)
{
	return probe_write(addr, 0xdeadbeef) == -1 &&
	       (probe_esr & ESR_MASK) == (EXPECTED_ESR & ESR_MASK);
}

void guest_main(void)
{
	/* Addresses outside its RAM: physical RAM of the host, frame 0, the
	 * hyp's usual load addresses, another VM's usual place. */
	static const u64 reads[] = {
		0x0, 0x1000, 0x40000000UL + GUEST_RAM_SIZE, 0x44000000, 0x48000000,
		0x80000000, 0x200000, 0x7ffff000, (1UL << 40) - 0x1000,
	};
	/*
	 * The physical GIC where the guest's own layout has nothing: QEMU
	 * virt's GICH, GICV, ITS and the redistributors past the guest's
	 * four, the Pi 4's distributor, CPU interface, GICH and GICV. (The
	 * guest's own GICD at 0x08000000 and GICv3 redistributors from
	 * 0x080a0000 are emulated by the VMM; its GICv2 CPU interface at
	 * 0x08010000 is the GIC's virtual one.)
	 */
	static const u64 gic[] = { 0x08030000, 0x08040000, 0x08080000, 0x08200000,
				   0xff841000, 0xff842000, 0xff844000, 0xff846000 };
	struct hvc_res r;
	s64 st;
	int bad = 0;

	for (u32 i = 0; i < ARRAY_SIZE(reads); i++) {
		bad += !refused_read(reads[i]);
	}
	result("read_outside_ram", bad == 0, "%d of %u reads not refused", bad,
	       (unsigned)ARRAY_SIZE(reads));
	bad = 0;
	for (u32 i = 0; i < ARRAY_SIZE(gic); i++) {
		bad += !refused_write(gic[i]);
	}
	result("write_physical_gic", bad == 0, "%d of %u writes not refused", bad,
	       (unsigned)ARRAY_SIZE(gic));

	r = smc(PSCI_VERSION, 0, 0, 0);
	result("smc", (s64)r.x0 == HV_E_NOT_SUPPORTED, "x0 %ld", (long)r.x0);

	/* Every id of the hyp's range from a guest: only its own calls work.
	 * Ids without a typed wrapper: by id, through the stub as they are. */
	bad = 0;
	for (u64 n = 0; n < 0x100; n++) {
		u64 fn = HV_FN(n);

		r = hvc(fn, ~0UL, ~0UL, ~0UL);
		if (fn == HV_FN_VERSION) {
			bad += r.x0 != HV_OK;
		} else if (fn == HV_FN_GRANT || fn == HV_FN_REVOKE) {
			bad += (s64)r.x0 != HV_E_INVALID;
		} else {
			bad += (s64)r.x0 != HV_E_NOT_SUPPORTED;
		}
	}
	result("hvc_sweep", bad == 0, "%d of 256 ids answered wrongly", bad);
	st = hv_prot_and_map(1, 0x40000000, 0x40000003, 3);
	result("hvc_prot_and_map", st == HV_E_NOT_SUPPORTED, "x0 %ld", (long)st);

	/* Only its own RAM can be granted; bad ranges refused. */
	st = hv_grant(0x80000000, 4096);
	result("grant_outside_ram", st == HV_E_INVALID, "x0 %ld", (long)st);
	st = hv_grant(0x40000000, ~0UL);
	result("grant_huge", st == HV_E_INVALID, "x0 %ld", (long)st);
	/* The GICv2 virtual CPU interface (mapped into every VM on GICv2, not
	 * RAM) once stopped the hyp with its memory lock held: refused now,
	 * alone or in a range over the whole IPA space. */
	st = hv_grant(0x08010000, 4096);
	result("grant_gicv", st == HV_E_INVALID, "x0 %ld", (long)st);
	st = hv_revoke(0x08010000, 4096);
	result("revoke_gicv", st == HV_E_INVALID, "x0 %ld", (long)st);
	st = hv_grant(0, 1UL << 40);
	result("grant_all_ipa", st == HV_E_INVALID, "x0 %ld", (long)st);
	st = hv_revoke(0, 1UL << 40);
	result("revoke_all_ipa", st == HV_E_INVALID, "x0 %ld", (long)st);
	/* ... and the hyp still serves grants afterwards (no lock left held) */
	st = hv_grant(GUEST_RAM, 4096);
	result("grant_after", st == HV_OK && hv_revoke(GUEST_RAM, 4096) == HV_OK, "x0 %ld",
	       (long)st);
	st = hv_revoke(0x40000000, 0x10000);
	result("revoke_more_than_granted", st == HV_E_NOT_GRANTED, "x0 %ld", (long)st);
	st = hv_revoke(~0UL & ~0xfffUL, 0x2000);
	result("revoke_overflow", st == HV_E_INVALID, "x0 %ld", (long)st);

	/* GICv3: SGIs with every field set at random, IRM or not, through
	 * the hyp's own posting and the VMM's model. They can only name this
	 * VM's one vCPU (the others do not exist); it has interrupts masked,
	 * so whatever reaches it waits, in its list registers or posted. `alive` below says it was not
	 * stopped for them. */
	if (*(volatile u64 *)(GUEST_TESTDEV + TESTDEV_GIC_VERSION) == 3) {
		u64 x = 0x9e3779b97f4a7c15UL;

		(void)gic_setup_dist(); /* every SGI enabled: the hyp posts them */
		gic_setup_cpu(0xffff);
		for (u32 i = 0; i < 512; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Every other one with the affinities and RS cleared:
			 * a target list the hyp takes, not only refusals. */
			u64 v = (i & 1) != 0 ? x & ~(0xffUL << 48 | 0xfUL << 44 | 0xffUL << 32 |
						     0xffUL << 16)
					     : x;

			__asm__ volatile("msr S3_0_C12_C11_5, %0\n\tisb" : : "r"(i < 16 ? v | (1UL << 40) : v));
		}
	}

	/* Still alive (after the SGIs too) and its own memory intact. */
	result("alive", *(volatile u64 *)GUEST_RAM != 0, "image header still there");
}
