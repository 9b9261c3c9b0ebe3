/*
 * EL1 exception vectors of the VMM. Synchronous exceptions from EL1 go to
 * vmm_exception(frame), which either resumes a probe at its fixup or
 * reports the fault and stops the VMM. The frame layout is the hyp's
 * (struct trap_frame, lib/include/arm/asm.h).
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
	.irp kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vec \kind
	.endr

vmm_vector_common:
	save_frame_rest el1, x1, x2
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
