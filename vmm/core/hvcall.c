/*
 * Calls to the hyp with up to four arguments (SMCCC over HVC #0).
 */
#include <vmm/hvcall.h>

s64 hv_call(u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 out[4])
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;
	register u64 x4 __asm__("x4") = a4;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)
			 :
			 : "memory");
	if (out != NULL) {
		out[0] = x0;
		out[1] = x1;
		out[2] = x2;
		out[3] = x3;
	}
	return (s64)x0;
}
