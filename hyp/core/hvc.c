/*
 * The hypercall dispatcher: decodes the function id in x0 and the
 * arguments, then performs the call. Results go to x0..x3 of the caller.
 */
#include <abi/hv_abi.h>
#include <generated/version.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/trap.h>

static void set_result(struct trap_frame *f, s64 status, u64 r1, u64 r2, u64 r3)
{
	f->x[0] = (u64)status;
	f->x[1] = r1;
	f->x[2] = r2;
	f->x[3] = r3;
}

static void test_fault(struct trap_frame *f)
{
	u64 cpu = f->x[1];

	if (!CONFIG_TEST_HOOKS) {
		set_result(f, HV_E_NOT_SUPPORTED, 0, 0, 0);
		return;
	}
	if (cpu >= hyp_plat.num_cpus || cpu == arch_cpu_index() ||
	    hyp_cpu_state[cpu] != CPU_IDLE) {
		set_result(f, HV_E_INVALID, 0, 0, 0);
		return;
	}
	hyp_test_fault_cpu = (s32)cpu;
	__asm__ volatile("dsb ish\n\tsev" : : : "memory");
	set_result(f, HV_OK, 0, 0, 0);
}

void hvc_handle(struct trap_frame *f)
{
	u64 fn = f->x[0];

	switch (fn) {
	case HV_FN_VERSION:
		set_result(f, HV_OK,
			   ((u64)HV_ABI_VERSION_MAJOR << 16) | HV_ABI_VERSION_MINOR,
			   (u64)BUILD_ID, 0);
		break;
	case HV_FN_CPU_INFO:
		set_result(f, HV_OK, hyp_cpus_online, arch_cpu_index(), 0);
		break;
	case HV_FN_TEST_FAULT:
		test_fault(f);
		break;
	default:
		set_result(f, HV_E_NOT_SUPPORTED, 0, 0, 0);
		break;
	}
}
