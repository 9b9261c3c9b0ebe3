/*
 * The two ways a CPU leaves the hyp's C code for good: the first entry
 * into the VMM at EL1, and a halt. Leaf code, called from the boot and
 * the fatal paths.
 */
#include <arm/esr.h>

/*
 * arch_enter_el1(entry, arg): first entry into the VMM at EL1h with
 * interrupts masked and x0 = arg. Never returns; later traps come back
 * through the vectors.
 */
	.text
	.global arch_enter_el1
arch_enter_el1:
	ldr	x2, =0x30d00800			/* SCTLR_EL1 RES1 bits, MMU off */
	msr	sctlr_el1, x2
	msr	elr_el2, x0
	mov	x2, #(SPSR_MODE_EL1H | SPSR_DAIF_MASKED)
	msr	spsr_el2, x2
	mov	x0, x1
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	isb
	eret
	dsb	nsh
	isb

/* cpu_halt: stops this CPU for good, interrupts masked. */
	.global cpu_halt
cpu_halt:
	msr	daifset, #0xf
7:	wfi
	b	7b
