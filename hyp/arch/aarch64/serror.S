/*
 * arch_serror_sync(): true if an SError was pending for the world that
 * just ran. DSB SY waits for its outstanding accesses; then SErrors are
 * unmasked for two instructions, and one that is pending is taken here, at
 * EL2 (HCR_EL2.AMO routes it, PSTATE.A no longer masks it). trap_hyp finds
 * ELR_EL2 inside [serror_window, serror_window_end], sets x0 and returns
 * (arch_serror_taken). Anywhere else an SError at EL2 stops the CPU.
 */
	.text
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
