/*
 * EL2 exception vectors. Every entry saves the interrupted context as a
 * struct trap_frame where SP_EL2 points and calls a C handler: on this
 * CPU's EL2 stack, or, for a guest's exception, straight into its vCPU's
 * saved registers (vcpu_resume leaves SP_EL2 above them). A lower-EL
 * exception returns through the frame its handler names (lower_resume):
 * its own, which the handler may have changed, or, after a world switch, a
 * vCPU's saved registers (a run: the VMM's frame stays on this stack,
 * under which the handlers of the guest's exceptions then run) or that VMM
 * frame (an exit). Exceptions taken from EL2 itself are fatal for the
 * CPU. Table layout: Arm ARM D1.10.2.
 */
#include <hyp/smccc.h>

#include <arm/asm.h>

.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X(0)]
	stp	x2, x3, [sp, #FRAME_X(2)]
	save_frame_rest el2, x0, x1
.endm

.macro restore_frame_eret
	ldp	x0, x1, [sp, #FRAME_ELR]
	msr	elr_el2, x0
	msr	spsr_el2, x1
	ldp	x30, x0, [sp, #FRAME_X(30)]
	msr	sp_el0, x0
	restore_x0_x29
	add	sp, sp, #FRAME_SIZE
	eret
	dsb	nsh
	isb
.endm

/* An exception taken at EL2: report and stop this CPU (trap_hyp returns
 * only for the SError arch_serror_sync takes on purpose). */
.macro vec_hyp kind
	.balign 0x80
	save_frame
	mov	x0, sp
	mov	x1, #\kind
	bl	trap_hyp
	b	lower_return
.endm

/*
 * An exception from EL1/EL0 in AArch64: the frame is saved (straight-line
 * code, no branch), then the common path hardens the CPU before the hyp
 * takes any indirect branch. x19 carries the kind (saved in the frame).
 */
.macro vec_lower entry, kind
	.balign 0x80
	save_frame
	mov	x19, #\kind
	b	\entry
.endm

/*
 * This CPU's Spectre-v2/BHB work on entry from a lower EL, as
 * hyp_spectre_entry[cpu] says (set at boot by spectre.c): a load and a
 * branch when there is nothing to do. Every register but sp, x19 (the
 * kind) and x22 (the frame) is free (all are in the frame); it uses only
 * x0 and x20-x21. SMCCC 1.1 keeps x18-x30 across an SMC.
 */
.macro harden
	mrs	x20, tpidr_el2			/* this CPU's index */
	adr_l	x21, hyp_spectre_entry
	ldr	w20, [x21, x20, lsl #2]
	cbz	w20, 4f
	tbz	w20, #0, 1f			/* SPECTRE_ENTRY_FW_WA1 */
	mov	w0, #0x8000			/* SMCCC_ARCH_WORKAROUND_1 */
	movk	w0, #0x8000, lsl #16		/* = 0x80008000 */
	smc	#0
1:	tbz	w20, #1, 3f			/* SPECTRE_ENTRY_LOOP */
	ubfx	x21, x20, #SPECTRE_ENTRY_LOOP_K_SHIFT, #8
	cbz	x21, 3f				/* no count: no loop */
	/* Taken branches overwrite the branch history (Arm's Spectre-BHB
	 * guidance): k of them, then a barrier before anything follows. */
2:	b	. + 4
	subs	x21, x21, #1
	b.ne	2b
	dsb	nsh
	isb
3:	tbz	w20, #2, 5f			/* SPECTRE_ENTRY_FW_WA3 */
	mov	w0, #0x3fff			/* SMCCC_ARCH_WORKAROUND_3 */
	movk	w0, #0x8000, lsl #16		/* = 0x80003fff */
	smc	#0
5:	tbz	w20, #3, 4f			/* SPECTRE_ENTRY_CLRBHB */
	hint	#22				/* CLRBHB (FEAT_CLRBHB) */
	isb
4:
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global hyp_vectors
hyp_vectors:
	/* Current EL with SP_EL0: never used by the hyp. */
	vec_hyp TRAP_SYNC
	vec_hyp TRAP_IRQ
	vec_hyp TRAP_FIQ
	vec_hyp TRAP_SERROR
	/* Current EL with SP_EL2. */
	vec_hyp TRAP_SYNC
	vec_hyp TRAP_IRQ
	vec_hyp TRAP_FIQ
	vec_hyp TRAP_SERROR
	/* Lower EL, AArch64. */
	vec_lower lower_sync, TRAP_SYNC
	vec_lower lower_async, TRAP_IRQ
	vec_lower lower_async, TRAP_FIQ
	vec_lower lower_async, TRAP_SERROR
	/* Lower EL, AArch32: HCR_EL2.RW is set, so these cannot happen. */
	vec_hyp TRAP_SYNC
	vec_hyp TRAP_IRQ
	vec_hyp TRAP_FIQ
	vec_hyp TRAP_SERROR

/*
 * While a guest runs, SP_EL2 sits just above its vCPU's saved registers,
 * so save_frame has put its frame there; the handler's stack then goes on
 * under the VMM's frame, which hyp_guest_stack[cpu] names (0 in the VMM's
 * world: the frame is on the stack, which goes on under it). The frame's
 * address goes to x22, which harden's SMCs keep (SMCCC 1.1: x18-x30).
 * Nothing between the save and the move of sp can fault: an EL2 fault
 * there would save its frame over the vCPU's.
 */
.macro frame_to_x22
	mov	x22, sp
	mrs	x20, tpidr_el2
	adr_l	x21, hyp_guest_stack
	ldr	x21, [x21, x20, lsl #3]
	cbz	x21, 1f
	mov	sp, x21
1:
.endm

lower_sync:
	frame_to_x22
	harden
	mov	x0, x22
	mov	x1, x19
	bl	trap_lower_sync
	b	lower_resume

lower_async:
	frame_to_x22
	harden
	mov	x0, x22
	mov	x1, x19
	bl	trap_lower_async

/*
 * The handlers return struct trap_return in x0 and x1: the frame to
 * return through and this CPU's EL2 stack pointer from then on (vcpu.c,
 * vcpu_resume). Every register of the lower EL comes from that frame.
 */
lower_resume:
	mov	sp, x1
	ldp	x2, x3, [x0, #FRAME_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldr	x2, [x0, #FRAME_SP_EL0]
	msr	sp_el0, x2
	frame_regs ldp, 2, x0
	ldr	x30, [x0, #FRAME_X(30)]
	ldp	x0, x1, [x0, #FRAME_X(0)]
	eret
	dsb	nsh
	isb

/* An EL2 exception's return (trap_hyp came back): through the frame at sp. */
lower_return:
	restore_frame_eret
