/*
 * The hypercall dispatcher: decodes the function id in x0 and the
 * arguments, then performs the call. Results go to x0..x3 of the caller.
 */
#include <abi/hv_abi.h>
#include <generated/version.h>
#include <hyp/arch.h>
#include <hyp/hyp.h>
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>
#include <hyp/vcpu.h>
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

void hvc_version(struct trap_frame *f)
{
	set_result(f, HV_OK,
		   ((u64)HV_ABI_VERSION_MAJOR << 16) | HV_ABI_VERSION_MINOR,
		   (u64)BUILD_ID, 0);
}

/* Arguments that must fit a vmid are checked here, the rest in mem.c. */
static u32 vmid_arg(u64 v)
{
	return v <= HV_MAX_VMS ? (u32)v : UINT32_MAX;
}

static void memory_call(struct trap_frame *f, u64 fn)
{
	u64 out[3] = { 0, 0, 0 };
	u32 vmid = vmid_arg(f->x[1]);
	s64 ret;

	switch (fn) {
	case HV_FN_VM_CREATE: {
		/* GICv2: the VM's GICC is the GIC's virtual CPU interface,
		 * mapped in the same critical section as the VM is made. */
		struct mem_vm_layout l = { .ram_base = ipa_of(f->x[1]), .ram_size = f->x[2] };

		if (gic_vcpu_base() != 0) {
			l.dev_ipa = ipa_of(VGIC_GICC_IPA);
			l.dev_pa = pa_of(gic_vcpu_base());
			l.dev_size = VGIC_GICC_SIZE;
		}
		if ((f->x[3] & ~HV_VM_FLAGS) != 0) {
			ret = HV_E_INVALID;
		} else if ((f->x[3] & HV_VM_PMU) != 0 && !arch_pmu_present()) {
			ret = HV_E_NOT_SUPPORTED; /* this CPU has no PMU to give */
		} else {
			ret = vcpu_vm_create(&l, f->x[3], &vmid);
		}
		out[0] = ret == HV_OK ? vmid : 0;
		break;
	}
	case HV_FN_VM_DESTROY:
		ret = vcpu_vm_destroy(vmid);
		break;
	case HV_FN_VCPU_CREATE:
		ret = vcpu_create(vmid, f->x[2]);
		break;
	case HV_FN_VCPU_INIT:
		ret = vcpu_init(vmid, f->x[2], f->x[3], f->x[4]);
		break;
	case HV_FN_IRQ_INJECT:
		ret = vcpu_irq_inject(vmid, f->x[2], f->x[3]);
		break;
	case HV_FN_VM_START:
		ret = mem_vm_start(vmid);
		break;
	case HV_FN_VM_STOP:
		ret = vcpu_vm_stop(vmid);
		break;
	case HV_FN_PROT_AND_MAP:
		ret = mem_prot_and_map(vmid, ipa_of(f->x[2]), f->x[3], f->x[4]);
		break;
	case HV_FN_CLEAR_VM_RANGE:
		ret = mem_clear_vm_range(vmid, pfn_of(f->x[2]), f->x[3]);
		break;
	case HV_FN_MEM_INFO:
		ret = mem_info(f->x[1], out);
		break;
	case HV_FN_PAGE_INFO:
		ret = mem_page_info(pfn_of(f->x[1]), out);
		break;
	case HV_FN_TEST_GRANT:
	case HV_FN_TEST_REVOKE:
		if (!CONFIG_TEST_HOOKS) {
			ret = HV_E_NOT_SUPPORTED;
		} else if (fn == HV_FN_TEST_GRANT) {
			ret = mem_grant(vmid, ipa_of(f->x[2]), f->x[3]);
		} else {
			ret = mem_revoke(vmid, ipa_of(f->x[2]), f->x[3]);
		}
		break;
	default:
		ret = HV_E_NOT_SUPPORTED;
		break;
	}
	set_result(f, ret, out[0], out[1], out[2]);
}

void hvc_handle(struct trap_frame *f)
{
	u64 fn = f->x[0];

	switch (fn) {
	case HV_FN_VM_CREATE:
	case HV_FN_VM_DESTROY:
	case HV_FN_VM_START:
	case HV_FN_VM_STOP:
	case HV_FN_PROT_AND_MAP:
	case HV_FN_CLEAR_VM_RANGE:
	case HV_FN_MEM_INFO:
	case HV_FN_PAGE_INFO:
	case HV_FN_TEST_GRANT:
	case HV_FN_TEST_REVOKE:
	case HV_FN_VCPU_CREATE:
	case HV_FN_VCPU_INIT:
	case HV_FN_IRQ_INJECT:
		memory_call(f, fn);
		break;
	case HV_FN_VERSION:
		hvc_version(f);
		break;
	case HV_FN_VCPU_RUN:
		vcpu_run(f);
		break;
	case HV_FN_CPU_INFO:
		set_result(f, HV_OK, hyp_cpus_online, arch_cpu_index(), 0);
		break;
	case HV_FN_CPU_START:
		set_result(f, hyp_cpu_start(f->x[1], f->x[2], f->x[3]), 0, 0, 0);
		break;
	case HV_FN_CPU_IDLE:
		if (f->x[1] == 0 || f->x[1] > HV_IDLE_MAX_US) {
			set_result(f, HV_E_INVALID, 0, 0, 0);
		} else {
			arch_cpu_idle(f->x[1]);
			set_result(f, HV_OK, 0, 0, 0);
		}
		break;
	case HV_FN_CPU_WAKE:
		if (f->x[1] >= hyp_plat.num_cpus || f->x[1] == arch_cpu_index()) {
			set_result(f, HV_E_INVALID, 0, 0, 0);
		} else {
			gic_send_wake((u32)index_nospec(f->x[1], hyp_plat.num_cpus));
			set_result(f, HV_OK, 0, 0, 0);
		}
		break;
	case HV_FN_TEST_FAULT:
		test_fault(f);
		break;
	default:
		if (!smccc_call(f)) { /* SMCCC and TRNG: as guests get them */
			set_result(f, HV_E_NOT_SUPPORTED, 0, 0, 0);
		}
		break;
	}
}
