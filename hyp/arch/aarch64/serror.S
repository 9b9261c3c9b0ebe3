/*
 * arch_at_s1e1r(va): PAR_EL1 after AT S1E1R of va in the loaded EL1&0
 * regime (a guest's). An external abort on its table walk may be taken as
 * an exception at EL2 rather than reported in PAR (IMPLEMENTATION DEFINED):
 * trap_hyp finds ELR_EL2 at at_window, sets x0 to PAR's F bit alone and
 * resumes at at_window_fail.
 *
 * arch_serror_sync(): true if an SError was pending for the world that
 * just ran. DSB SY waits for its outstanding accesses; then SErrors are
 * unmasked for two instructions, and one that is pending is taken here, at
 * EL2 (HCR_EL2.AMO routes it, PSTATE.A no longer masks it). trap_hyp finds
 * ELR_EL2 inside [serror_window, serror_window_end], sets x0 and returns
 * (arch_serror_taken). Anywhere else an SError at EL2 stops the CPU.
 */
	.text
	.global arch_at_s1e1r
	.global at_window
	.global at_window_fail
	.global arch_serror_sync
	.global serror_window
	.global serror_window_end
arch_serror_sync:
	dsb	sy
	mov	x0, #0
	msr	daifclr, #4
serror_window:
	isb
serror_window_end:
	msr	daifset, #4
	ret

arch_at_s1e1r:
at_window:
	at	s1e1r, x0
	isb
	mrs	x0, par_el1
at_window_fail:
	ret
