/*
 * Entry from the boot loader and of secondary CPUs.
 *
 * The image starts with the Linux arm64 Image header (Documentation/arch/
 * arm64/booting.rst) so that U-Boot's booti loads it at a 2 MiB aligned
 * address and enters it at EL2 with the MMU off and x0 = device tree.
 * The image is linked at address 0 as a position-independent executable;
 * the primary CPU applies its own R_AARCH64_RELATIVE relocations before
 * running any C, and from then on the hyp runs identity-mapped.
 */
#include <generated/autoconf.h>
#include <arm/asm.h>
#include "handoff.h"

	.section .text.head, "ax"
	.global _head
_head:
	image_header primary_entry

	.text
primary_entry:
	mov	x19, x0				/* device tree */
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	not_el2

	adr	x20, _head			/* load address = link offset */

	apply_relocs x20
	zero_bss
	adr_l	x1, hyp_stacks
	add	x1, x1, #CONFIG_HYP_STACK_SIZE
	mov	sp, x1
	adr_l	x1, hyp_vectors
	msr	vbar_el2, x1
	isb
	mov	x0, x19
	mov	x1, x20
	bl	hyp_main
	b	cpu_halt

not_el2:
	wfe
	b	not_el2

/*
 * Secondary CPUs enter here with the MMU off, at EL2, from PSCI CPU_ON or
 * the spin table. They find their index by MPIDR in boot_handoff, which the
 * primary cleaned to the point of coherency, take their stack, enable the
 * MMU with the primary's tables and continue in C.
 */
	.global secondary_entry
secondary_entry:
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	not_el2
	mrs	x1, mpidr_el1
	and	x1, x1, #0xffffff
	mrs	x2, mpidr_el1
	and	x2, x2, #(0xff << 32)
	orr	x1, x1, x2			/* affinity fields */
	adr_l	x2, boot_handoff
	ldr	w3, [x2, #HANDOFF_NUM_CPUS]
	add	x4, x2, #HANDOFF_MPIDR
	mov	x0, #0
5:	cmp	x0, x3
	b.hs	not_el2				/* not in the table: park */
	ldr	x5, [x4, x0, lsl #3]
	cmp	x5, x1
	b.eq	6f
	add	x0, x0, #1
	b	5b

6:	adr_l	x1, hyp_stacks
	mov	x5, #CONFIG_HYP_STACK_SIZE
	madd	x1, x0, x5, x1
	add	x1, x1, x5
	mov	sp, x1
	adr_l	x1, hyp_vectors
	msr	vbar_el2, x1
	ldr	x1, [x2, #HANDOFF_MAIR]
	msr	mair_el2, x1
	ldr	x1, [x2, #HANDOFF_TCR]
	msr	tcr_el2, x1
	ldr	x1, [x2, #HANDOFF_TTBR]
	msr	ttbr0_el2, x1
	isb
	tlbi	alle2
	dsb	nsh
	ldr	x1, [x2, #HANDOFF_SCTLR]
	msr	sctlr_el2, x1
	isb
	bl	secondary_main
	b	cpu_halt

/*
 * arch_mmu_enable(ttbr, tcr, mair, sctlr): turns on the EL2 MMU. The
 * caller runs identity-mapped, so execution continues at the next
 * instruction.
 */
	.global arch_mmu_enable
arch_mmu_enable:
	msr	mair_el2, x2
	msr	tcr_el2, x1
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	dsb	nsh
	isb
	msr	sctlr_el2, x3
	isb
	ret

/* cpu_halt: stops this CPU for good, interrupts masked. */
	.global cpu_halt
cpu_halt:
	msr	daifset, #0xf
7:	wfi
	b	7b
