/*
 * EL1 exception vectors of the VMM. Synchronous exceptions from EL1 go to
 * vmm_exception(frame), which either resumes a probe at its fixup or
 * reports the fault and stops the VMM. The frame layout is the hyp's
 * (struct trap_frame, hyp/arch/aarch64/asm.h).
 */
#include <arm/asm.h>

.macro vec kind
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X(0)]
	stp	x2, x3, [sp, #FRAME_X(2)]
	mov	x0, #\kind
	b	vmm_vector_common
.endm

	.text
	.balign 0x800
	.global vmm_vectors
vmm_vectors:
	vec 0
	vec 1
	vec 2
	vec 3
	vec 4
	vec 5
	vec 6
	vec 7
	vec 8
	vec 9
	vec 10
	vec 11
	vec 12
	vec 13
	vec 14
	vec 15

vmm_vector_common:
	save_x4_x29
	mrs	x1, sp_el0
	stp	x30, x1, [sp, #FRAME_X(30)]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #FRAME_ELR]
	mov	x1, x0
	mov	x0, sp
	bl	vmm_exception
	ldp	x1, x2, [sp, #FRAME_ELR]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	restore_x0_x29
	ldr	x30, [sp, #FRAME_X(30)]
	add	sp, sp, #FRAME_SIZE
	eret
