/*
 * Entry of a test guest: the Linux Image header (so the VMM loads it the
 * way it loads Linux), a stack, zeroed .bss, exception vectors, main.
 */
	.section .text.head, "ax"
	.global _head
_head:
	b	entry
	.long	0
	.quad	0				/* text_offset */
	.quad	_end - _head			/* image_size */
	.quad	(1 << 1) | (1 << 3)		/* 4 KiB pages, anywhere */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0

	.text
entry:
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	strb	wzr, [x1], #1
	b	1b
2:	adrp	x1, guest_stack_top
	add	x1, x1, :lo12:guest_stack_top
	mov	sp, x1
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	bl	guest_start
3:	wfi
	b	3b

/*
 * Secondary vCPUs (PSCI CPU_ON with this entry and x0 = context): a stack
 * of their own by MPIDR Aff0, the same vectors, then guest_secondary(ctx).
 */
	.global secondary_entry
secondary_entry:
	mrs	x1, mpidr_el1
	and	x1, x1, #0xff
	adrp	x2, secondary_stacks
	add	x2, x2, :lo12:secondary_stacks
	add	x1, x1, #1
	lsl	x1, x1, #12
	add	x2, x2, x1
	mov	sp, x2
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	bl	guest_secondary
4:	wfi
	b	4b

/*
 * Every exception: a fault inside probe_read/probe_write resumes at the
 * probe's fixup (the access was refused); anything else is reported by
 * guest_exception with ESR, FAR, ELR.
 */
.macro vec n
	.balign 0x80
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\n
	b	vector_common
.endm

/* IRQ at EL1 with SP_EL1: call guest_irq() with the caller-saved registers kept. */
.macro vec_irq
	.balign 0x80
	stp	x0, x1, [sp, #-16]!
	b	irq_common
.endm

	.balign 0x800
guest_vectors:
	vec 0
	vec 1
	vec 2
	vec 3
	vec 4
	vec_irq
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

irq_common:
	stp	x2, x3, [sp, #-16]!
	stp	x4, x5, [sp, #-16]!
	stp	x6, x7, [sp, #-16]!
	stp	x8, x9, [sp, #-16]!
	stp	x10, x11, [sp, #-16]!
	stp	x12, x13, [sp, #-16]!
	stp	x14, x15, [sp, #-16]!
	stp	x16, x17, [sp, #-16]!
	stp	x18, x30, [sp, #-16]!
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x0, x1, [sp, #-16]!
	bl	guest_irq
	ldp	x0, x1, [sp], #16
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x18, x30, [sp], #16
	ldp	x16, x17, [sp], #16
	ldp	x14, x15, [sp], #16
	ldp	x12, x13, [sp], #16
	ldp	x10, x11, [sp], #16
	ldp	x8, x9, [sp], #16
	ldp	x6, x7, [sp], #16
	ldp	x4, x5, [sp], #16
	ldp	x2, x3, [sp], #16
	ldp	x0, x1, [sp], #16
	eret

vector_common:
	mrs	x1, elr_el1
	stp	x2, x3, [sp, #-16]!
	adr	x2, probe_load
	adr	x3, probe_store
	cmp	x1, x2
	ccmp	x1, x3, #4, ne
	b.ne	1f
	adr	x2, probe_fixup
	msr	elr_el1, x2
	mrs	x2, esr_el1
	adr	x3, probe_esr
	str	x2, [x3]
	ldp	x2, x3, [sp], #16
	ldp	x0, x1, [sp], #16
	eret
1:	ldp	x2, x3, [sp], #16
	add	sp, sp, #16
	mrs	x1, esr_el1
	mrs	x2, far_el1
	mrs	x3, elr_el1
	b	guest_exception

/* probe_read(addr, *out) / probe_write(addr, value): 0, or -1 if refused. */
	.global probe_read, probe_write
probe_read:
probe_load:
	ldr	x2, [x0]
	str	x2, [x1]
	mov	x0, #0
	ret
probe_write:
probe_store:
	str	x1, [x0]
	mov	x0, #0
	ret
probe_fixup:
	mov	x0, #-1
	ret

	.data
	.balign 8
	.global probe_esr
probe_esr:
	.quad	0

	.bss
	.balign 16
guest_stack:
	.space	0x4000
guest_stack_top:
	.balign 16
secondary_stacks:
	.space	0x1000 * 8
