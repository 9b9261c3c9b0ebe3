/*
 * Entry of secondary CPUs (started by smp.c), apart from the boot CPU's
 * (head.S): they continue in secondary_main (core/cpu.c).
 */
#include <generated/autoconf.h>
#include <arm/asm.h>
#include "handoff.h"

	.text
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
	b.ne	park
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
	b.hs	park				/* not in the table */
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

park:
	wfe
	b	park
