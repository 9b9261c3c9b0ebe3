/*
 * Calls to the hyp (SMCCC over HVC #0): hv_call (hvcall.c) and hvc_call
 * (arch/cpu.S).
 */
#ifndef VMM_HVCALL_H
#define VMM_HVCALL_H

#include <lib/types.h>

/** SMCCC call to the hyp; out[0..3] receives x0..x3 if out is not NULL. */
void hvc_call(u64 fn, u64 a1, u64 a2, u64 a3, u64 *out);
/** The same with a fourth argument; returns the status (x0). */
s64 hv_call(u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 out[4]);

#endif /* VMM_HVCALL_H */
