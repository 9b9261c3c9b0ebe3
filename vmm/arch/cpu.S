/*
 * The VMM's routines only assembly can write, called from C: the probes and
 * guest_copy (whose faults fault.c resumes at probe_fixup), and turning the
 * MMU on. Calls to the hyp are abi/hv_call.h's inline wrappers.
 */
	.text

/*
 * probe_read64(addr, out): loads the 64-bit word at addr into *out and
 * returns 0; if the load faults, the exception handler resumes at
 * probe_fixup, which returns -1.
 */
	.global probe_read64, probe_load, probe_fixup
probe_read64:
probe_load:
	ldr	x2, [x0]
	str	x2, [x1]
	mov	x0, #0
	ret
probe_fixup:
	mov	x0, #-1
	ret

/* probe_write64(addr, value): stores value at addr; 0, or -1 if it faulted. */
	.global probe_write64, probe_store
probe_write64:
probe_store:
	str	x1, [x0]
	mov	x0, #0
	ret

/*
 * guest_copy(dst, src, n): copies n bytes and returns 0, or -1 if an access
 * faulted (a page of a VM the hyp does not let the VMM reach: not granted,
 * or revoked meanwhile by another CPU). Either side may be VM memory.
 * Unaligned 8-byte accesses are fine on Normal memory with SCTLR_EL1.A
 * clear. Every access between guest_copy and guest_copy_end resumes at
 * probe_fixup if it faults.
 */
	.global guest_copy, guest_copy_start, guest_copy_end
guest_copy:
guest_copy_start:
	cmp	x2, #16
	b.lo	2f
1:	ldp	x3, x4, [x1], #16
	stp	x3, x4, [x0], #16
	sub	x2, x2, #16
	cmp	x2, #16
	b.hs	1b
2:	cbz	x2, 3f
	ldrb	w3, [x1], #1
	strb	w3, [x0], #1
	sub	x2, x2, #1
	b	2b
3:	mov	x0, #0
	ret
guest_copy_end:

/* vmm_mmu_enable(ttbr, tcr, mair, sctlr) */
	.global vmm_mmu_enable
vmm_mmu_enable:
	msr	mair_el1, x2
	msr	tcr_el1, x1
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	sctlr_el1, x3
	isb
	ret
