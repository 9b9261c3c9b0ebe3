/*
 * FP/SIMD register save, restore and clear for the world switch
 * (struct fpsimd_state: v0..v31, then FPSR and FPCR).
 */

/* \op (stp or ldp) of q\a and q\b at their slots at x0. */
.macro fpsimd_pair op, a, b
	\op	q\a, q\b, [x0, #(\a * 16)]
.endm

/* \op of q0..q31 at x0 (FPSR and FPCR follow them, at 0x200). */
.macro fpsimd_regs op
	.irp p, "0,1", "2,3", "4,5", "6,7", "8,9", "10,11", "12,13", "14,15", \
		"16,17", "18,19", "20,21", "22,23", "24,25", "26,27", "28,29", "30,31"
	fpsimd_pair \op, \p
	.endr
.endm

	.text
	.global arch_fpsimd_save
arch_fpsimd_save:
	fpsimd_regs stp
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #0x200
	stp	x1, x2, [x0]
	ret

	.global arch_fpsimd_load
arch_fpsimd_load:
	fpsimd_regs ldp
	add	x0, x0, #0x200
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret

	.global arch_fpsimd_zero
arch_fpsimd_zero:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	movi	v\n\().2d, #0
	.endr
	msr	fpsr, xzr
	msr	fpcr, xzr
	ret
