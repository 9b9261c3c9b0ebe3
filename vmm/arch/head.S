/*
 * Entry of the VMM server at EL1, from the hyp, with the MMU off and
 * x0 = struct hv_boot_info; vmm_main gets it and where secondary CPUs
 * enter (C never names a symbol of this file: it calls only up). The image carries the Linux Image header so
 * the hyp knows its size; it is linked at 0 and relocates itself.
 */
#include <arm/asm.h>
#include <vmm/layout.h>

	.section .text.head, "ax"
	.global _head
_head:
	image_header vmm_entry

	.text
vmm_entry:
	mov	x19, x0
	adr	x20, _head
	apply_relocs x20
	zero_bss
	adr_l	x1, vmm_stack
	add	x1, x1, #VMM_STACK_SIZE
	mov	sp, x1
	adr_l	x1, vmm_vectors
	msr	vbar_el1, x1
	isb
	mov	x0, x19
	adr_l	x1, vmm_secondary_entry
	bl	vmm_main
1:	wfi
	b	1b

/*
 * Secondary CPUs enter here from HV_FN_CPU_START with the MMU off and
 * x0 = CPU index: a stack of their own, the vectors, the MMU with CPU 0's
 * tables (vmm_mmu_regs, cleaned to the point of coherency), then C.
 */
	.global vmm_secondary_entry
vmm_secondary_entry:
	mov	x19, x0
	adr_l	x1, vmm_cpu_stacks
	mov	x2, #VMM_STACK_SIZE
	madd	x1, x0, x2, x1
	add	sp, x1, x2
	adr_l	x1, vmm_vectors
	msr	vbar_el1, x1
	adr_l	x4, vmm_mmu_regs
	ldp	x0, x1, [x4]
	ldp	x2, x3, [x4, #16]
	bl	vmm_mmu_enable
	mov	x0, x19
	bl	vmm_secondary_main
2:	wfi
	b	2b
