/*
 * Entry from the boot loader (secondary CPUs: secondary.S).
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
