/*
 * Assembly helpers and constants shared by the hyp's and the VMM's assembly
 * files: the trap frame layout, the exception kinds, relocation, BSS and
 * register save macros, and the Linux Image header.
 */
#ifndef ARM_ASM_H
#define ARM_ASM_H

/* struct trap_frame: x0..x30, sp_el0, elr_el2, spsr_el2 */
#define FRAME_X(n) ((n) * 8)
#define FRAME_SP_EL0 (31 * 8)
#define FRAME_ELR (32 * 8)
#define FRAME_SPSR (33 * 8)
#define FRAME_SIZE (34 * 8)

/* Exception kinds passed to the C handlers, in vector table order. */
#define TRAP_SYNC 0
#define TRAP_IRQ 1
#define TRAP_FIQ 2
#define TRAP_SERROR 3

/* Linux Image header flags: little endian, 4 KiB pages, placed anywhere. */
#define IMAGE_FLAGS ((1 << 1) | (1 << 3))

#ifdef __ASSEMBLER__
/* Loads the address of a symbol PC-relatively (+/- 4 GiB). */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

#define R_AARCH64_RELATIVE 1027

/*
 * Applies the image's R_AARCH64_RELATIVE relocations for load address
 * \base: *(base + r_offset) = base + r_addend. Clobbers x1-x5.
 */
.macro apply_relocs base
	adr_l	x1, __rela_start
	adr_l	x2, __rela_end
8:	cmp	x1, x2
	b.hs	9f
	ldp	x3, x4, [x1], #16		/* r_offset, r_info */
	ldr	x5, [x1], #8			/* r_addend */
	cmp	x4, #R_AARCH64_RELATIVE
	b.ne	8b
	add	x5, x5, \base
	str	x5, [\base, x3]
	b	8b
9:
.endm

/* Zeroes [__bss_start, __bss_end) byte by byte (MMU off). Clobbers x1-x2. */
.macro zero_bss
	adr_l	x1, __bss_start
	adr_l	x2, __bss_end
8:	cmp	x1, x2
	b.hs	9f
	strb	wzr, [x1], #1
	b	8b
9:
.endm

/* \op (stp or ldp) of x\a and x\b at their trap-frame slots at \base,
 * if \a is \first or later. */
.macro frame_pair op, first, base, a, b
	.if \a >= \first
	\op	x\a, x\b, [\base, #FRAME_X(\a)]
	.endif
.endm

/* \op (stp or ldp) of x\first..x29 at their trap-frame slots at \base. */
.macro frame_regs op, first, base=sp
	.irp p, "0,1", "2,3", "4,5", "6,7", "8,9", "10,11", "12,13", "14,15", \
		"16,17", "18,19", "20,21", "22,23", "24,25", "26,27", "28,29"
	frame_pair \op, \first, \base, \p
	.endr
.endm

/* Stores x4..x29 into the trap frame at sp. */
.macro save_x4_x29
	frame_regs stp, 4
.endm

/* Loads x0..x29 from the trap frame at sp. */
.macro restore_x0_x29
	frame_regs ldp, 0
.endm

/*
 * The rest of a trap frame at sp once x0..x3 are in it: x4..x29, x30,
 * SP_EL0, and ELR/SPSR of exception level \el. Clobbers \t0 and \t1.
 */
.macro save_frame_rest el, t0, t1
	save_x4_x29
	mrs	\t0, sp_el0
	stp	x30, \t0, [sp, #FRAME_X(30)]
	mrs	\t0, elr_\el
	mrs	\t1, spsr_\el
	stp	\t0, \t1, [sp, #FRAME_ELR]
.endm

/* The Linux arm64 Image header (booting.rst), branching to \entry. */
.macro image_header entry
	b	\entry				/* code0 */
	.long	0				/* code1 */
	.quad	0				/* text_offset */
	.quad	_end - _head			/* image_size */
	.quad	IMAGE_FLAGS			/* flags */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* res5 */
.endm

#endif

#endif /* ARM_ASM_H */
