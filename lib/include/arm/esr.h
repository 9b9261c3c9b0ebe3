/*
 * The exception syndrome (ESR_ELx, Arm ARM D23.2.41) and what goes with
 * taking an exception: every exception class, ISS field and fault status
 * code the hyp and the VMM decode, the SPSR mode bits and the vector
 * offsets (D1.10.2). The one place these numbers are written.
 */
#ifndef ARM_ESR_H
#define ARM_ESR_H

#ifndef __ASSEMBLER__
#include <lib/types.h>
#endif

/* ESR_ELx: EC [31:26], IL [25] (a 32-bit instruction, else 16-bit T32), ISS [24:0]. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fU
#define ESR_IL (UINT64_C(1) << 25)
#define ESR_ISS_MASK UINT64_C(0x1ffffff)
#define ESR_EC(esr) ((u32)((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK)
#define ESR_FROM_EC(ec) ((u64)(ec) << ESR_EC_SHIFT)

/* Exception classes. */
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_CP15_32 0x03 /* AArch32 coprocessor accesses (a guest's AArch32 EL0) */
#define EC_CP15_64 0x04
#define EC_CP14_32 0x05
#define EC_CP14_LS 0x06
#define EC_FP 0x07 /* FP/SIMD access trapped by CPTR_EL2.TFP */
#define EC_CP14_64 0x0c
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_SERROR 0x2f
#define EC_BRK64 0x3c
#define EC_COUNT 64

/* Data and instruction abort ISS. */
#define ISS_ISV (UINT64_C(1) << 24)
#define ISS_SAS_SHIFT 22
#define ISS_SSE (UINT64_C(1) << 21)
#define ISS_SRT_SHIFT 16
#define ISS_SF (UINT64_C(1) << 15)
#define ISS_S1PTW (UINT64_C(1) << 7)
#define ISS_WNR (UINT64_C(1) << 6)
/* DFSC/IFSC [5:0]: translation faults at levels 0-3, a permission fault at
 * level 3, a synchronous external abort. */
#define ISS_FSC_MASK UINT64_C(0x3f)
#define FSC_TRANS_L0 UINT64_C(0x04)
#define FSC_TRANS_L3 UINT64_C(0x07)
#define FSC_PERM_L3 UINT64_C(0x0f)
#define FSC_EXT_ABORT UINT64_C(0x10)

/* MSR/MRS ISS (EC 0x18): Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10],
 * Rt [9:5], CRm [4:1], direction [0] (1: a read). */
/* WFI/WFE (EC 0x01): TI, bits [1:0], odd for WFE and WFET. */
#define ISS_WFX_WFE(esr) (((esr) & 1) != 0)
#define ISS_SYS_OP0(esr) (((esr) >> 20) & 3)
#define ISS_SYS_OP2(esr) (((esr) >> 17) & 7)
#define ISS_SYS_OP1(esr) (((esr) >> 14) & 7)
#define ISS_SYS_CRN(esr) (((esr) >> 10) & 15)
#define ISS_SYS_RT(esr) ((u32)((esr) >> 5) & 31)
#define ISS_SYS_CRM(esr) (((esr) >> 1) & 15)
#define ISS_SYS_READ(esr) (((esr) & 1) != 0)

/* SPSR_ELx mode and mask bits (C5.2.19); M[4]: the context was AArch32. */
#define SPSR_MODE_MASK 0xfU
#define SPSR_MODE_EL0T 0x0U
#define SPSR_MODE_EL1T 0x4U
#define SPSR_MODE_EL1H 0x5U
#define SPSR_AARCH32 0x10U
#define SPSR_DAIF_MASKED (0xfU << 6)

/* Vector table offsets from VBAR_ELx (D1.10.2). */
#define VECTOR_CUR_SP0 0x000
#define VECTOR_CUR_SPX 0x200
#define VECTOR_LOWER_A64 0x400
#define VECTOR_LOWER_A32 0x600

#endif /* ARM_ESR_H */
