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

/* Stores x4..x29 into the trap frame at sp. */
.macro save_x4_x29
	stp	x4, x5, [sp, #FRAME_X(4)]
	stp	x6, x7, [sp, #FRAME_X(6)]
	stp	x8, x9, [sp, #FRAME_X(8)]
	stp	x10, x11, [sp, #FRAME_X(10)]
	stp	x12, x13, [sp, #FRAME_X(12)]
	stp	x14, x15, [sp, #FRAME_X(14)]
	stp	x16, x17, [sp, #FRAME_X(16)]
	stp	x18, x19, [sp, #FRAME_X(18)]
	stp	x20, x21, [sp, #FRAME_X(20)]
	stp	x22, x23, [sp, #FRAME_X(22)]
	stp	x24, x25, [sp, #FRAME_X(24)]
	stp	x26, x27, [sp, #FRAME_X(26)]
	stp	x28, x29, [sp, #FRAME_X(28)]
.endm

/* Loads x0..x29 from the trap frame at sp. */
.macro restore_x0_x29
	ldp	x0, x1, [sp, #FRAME_X(0)]
	ldp	x2, x3, [sp, #FRAME_X(2)]
	ldp	x4, x5, [sp, #FRAME_X(4)]
	ldp	x6, x7, [sp, #FRAME_X(6)]
	ldp	x8, x9, [sp, #FRAME_X(8)]
	ldp	x10, x11, [sp, #FRAME_X(10)]
	ldp	x12, x13, [sp, #FRAME_X(12)]
	ldp	x14, x15, [sp, #FRAME_X(14)]
	ldp	x16, x17, [sp, #FRAME_X(16)]
	ldp	x18, x19, [sp, #FRAME_X(18)]
	ldp	x20, x21, [sp, #FRAME_X(20)]
	ldp	x22, x23, [sp, #FRAME_X(22)]
	ldp	x24, x25, [sp, #FRAME_X(24)]
	ldp	x26, x27, [sp, #FRAME_X(26)]
	ldp	x28, x29, [sp, #FRAME_X(28)]
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
