/*
 * The table of every call the hyp answers, by call id, and the VMM's
 * calls. Guests and the VMM reach it alike (trap.c: HVC and SMC); each
 * entry says who may make the call and over which conduit. A guest's call
 * that is not in the table, or not for guests, is the VMM's (an exit);
 * the VMM's is NOT_SUPPORTED. The test-only calls are in the table of
 * test builds only (CONFIG_TEST_HOOKS).
 */
#include <abi/hv_abi.h>
#include <generated/version.h>
#include <hyp/arch.h>
#include <hyp/disk.h>
#include <hyp/gic.h>
#include <hyp/hvc.h>
#include <hyp/hyp.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>
#include <hyp/vcpu.h>

/* Callers an entry admits: the VMM, guests, and over SMC too (else HVC only). */
#define BY_VMM (1U << 0)
#define BY_GUEST (1U << 1)
#define BY_SMC (1U << 2)

/* Slots: the vendor-hyp calls HV_FN(0..HV_NUM-1) by number, then the
 * services of other owners (DEN0028 2.5), then "none of them". */
#define HV_NUM 0x80U
#define SLOT(fn) ((u32)(fn) - HV_FN(0))
#define SLOT_PSCI HV_NUM
#define SLOT_SMCCC (HV_NUM + 1)
#define SLOT_NONE (HV_NUM + 2)
#define SLOTS (HV_NUM + 3)

/** One call entry: its handler and who may make it. */
struct hcall {
	void (*fn)(const struct hvc_call *c);
	u32 who;
};

static void set_result(struct trap_frame *f, s64 status, u64 r1, u64 r2, u64 r3)
{
	f->x[0] = (u64)status;
	f->x[1] = r1;
	f->x[2] = r2;
	f->x[3] = r3;
}

/* Arguments that must fit a vmid are checked here, the rest in mem.c. */
static u32 vmid_arg(u64 v)
{
	return v <= HV_MAX_VMS ? (u32)v : UINT32_MAX;
}

static void version(const struct hvc_call *c)
{
	set_result(c->f, HV_OK, ((u64)HV_ABI_VERSION_MAJOR << 16) | HV_ABI_VERSION_MINOR,
		   (u64)BUILD_ID, 0);
}

static void cpu_info(const struct hvc_call *c)
{
	set_result(c->f, HV_OK, hyp_cpus_online, arch_cpu_index(), 0);
}

static void cpu_start_call(const struct hvc_call *c)
{
	set_result(c->f, cpu_start(c->f->x[1], c->f->x[2], c->f->x[3]), 0, 0, 0);
}

static void cpu_idle(const struct hvc_call *c)
{
	u64 us = c->f->x[1];

	if (us == 0 || us > HV_IDLE_MAX_US) {
		set_result(c->f, HV_E_INVALID, 0, 0, 0);
		return;
	}
	/* A wake that came before the call ends the sleep before it starts:
	 * the SGI was taken (and its interrupt consumed) while the VMM
	 * decided to sleep. */
	if (!vcpu_take_kick()) {
		arch_cpu_idle(us);
		vcpu_idle_woken();
	}
	set_result(c->f, HV_OK, 0, 0, 0);
}

static void cpu_wake(const struct hvc_call *c)
{
	u64 cpu = c->f->x[1];

	if (cpu >= hyp_plat.num_cpus || cpu == arch_cpu_index()) {
		set_result(c->f, HV_E_INVALID, 0, 0, 0);
		return;
	}
	vcpu_kick_cpu((u32)index_nospec(cpu, hyp_plat.num_cpus));
	set_result(c->f, HV_OK, 0, 0, 0);
}

static void vm_create(const struct hvc_call *c)
{
	const struct trap_frame *f = c->f;
	/* GICv2: the VM's GICC is the GIC's virtual CPU interface, mapped in
	 * the same critical section as the VM is made. */
	struct mem_vm_layout l = { .ram_base = ipa_of(f->x[1]), .ram_size = f->x[2] };
	u32 vmid = vmid_arg(f->x[1]);
	s64 ret;

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
	set_result(c->f, ret, ret == HV_OK ? vmid : 0, 0, 0);
}

/* The calls on one VM (x1 = vmid) whose only result is the status. */
static void vm_call(const struct hvc_call *c)
{
	const u64 *x = c->f->x;
	u64 fn = x[0];
	u32 vmid = vmid_arg(x[1]);
	s64 ret = fn == HV_FN_VM_DESTROY      ? vcpu_vm_destroy(vmid)
		  : fn == HV_FN_VM_START      ? mem_vm_start(vmid)
		  : fn == HV_FN_VM_STOP       ? vcpu_vm_stop(vmid)
		  : fn == HV_FN_PROT_AND_MAP  ? mem_prot_and_map(vmid, ipa_of(x[2]), x[3], x[4])
		  : fn == HV_FN_CLEAR_VM_RANGE ? mem_clear_vm_range(vmid, pfn_of(x[2]), x[3])
		  : fn == HV_FN_LEND          ? mem_lend(vmid, ipa_of(x[2]), pa_of(x[3]))
		  : fn == HV_FN_UNLEND        ? mem_unlend(vmid)
		  : fn == HV_FN_VCPU_CREATE   ? vcpu_create(vmid, x[2])
		  : fn == HV_FN_VCPU_INIT     ? vcpu_init(vmid, x[2], x[3], x[4])
		  : fn == HV_FN_IRQ_INJECT    ? vcpu_irq_inject(vmid, x[2], x[3])
		  : fn == HV_FN_SGI_DIRECT    ? vcpu_sgi_direct(vmid, x[2], x[3])
					      : HV_E_NOT_SUPPORTED;

	set_result(c->f, ret, 0, 0, 0);
}

/* DISK_IO (x1 = op, x2 = sector, x3 = pa, x4 = sectors): three results. */
static void disk_call(const struct hvc_call *c)
{
	const u64 *x = c->f->x;
	u64 out[3] = { 0, 0, 0 };
	s64 ret = disk_io(x[1], x[2], x[3], x[4], out);

	set_result(c->f, ret, out[0], out[1], out[2]);
}

/* MEM_INFO (x1 = owner) and PAGE_INFO (x1 = pfn): three results. */
static void mem_query(const struct hvc_call *c)
{
	u64 out[3] = { 0, 0, 0 };
	s64 ret = c->f->x[0] == HV_FN_MEM_INFO ? mem_info(c->f->x[1], out)
					       : mem_page_info(pfn_of(c->f->x[1]), out);

	set_result(c->f, ret, out[0], out[1], out[2]);
}

static void vcpu_run_call(const struct hvc_call *c)
{
	vcpu_run(c->f);
}

#if CONFIG_TEST_HOOKS
/* HV_FN_TEST_GRANT / HV_FN_TEST_REVOKE: on behalf of VM x1. */
static void test_share(const struct hvc_call *c)
{
	const u64 *x = c->f->x;
	u32 vmid = vmid_arg(x[1]);
	s64 ret = x[0] == HV_FN_TEST_GRANT ? mem_grant(vmid, ipa_of(x[2]), x[3])
					   : mem_revoke(vmid, ipa_of(x[2]), x[3]);

	set_result(c->f, ret, 0, 0, 0);
}

static void test_fault(const struct hvc_call *c)
{
	u64 cpu = c->f->x[1];

	if (cpu >= hyp_plat.num_cpus || cpu == arch_cpu_index() ||
	    hyp_cpu_state[cpu] != CPU_IDLE) {
		set_result(c->f, HV_E_INVALID, 0, 0, 0);
		return;
	}
	hyp_test_fault_cpu = (s32)cpu;
	__asm__ volatile("dsb ish\n\tsev" : : : "memory");
	set_result(c->f, HV_OK, 0, 0, 0);
}
#endif

static const struct hcall calls[SLOTS] = {
	[SLOT(HV_FN_VERSION)] = { version, BY_VMM | BY_GUEST },
	[SLOT(HV_FN_CPU_INFO)] = { cpu_info, BY_VMM },
	[SLOT(HV_FN_CPU_START)] = { cpu_start_call, BY_VMM },
	[SLOT(HV_FN_CPU_IDLE)] = { cpu_idle, BY_VMM },
	[SLOT(HV_FN_CPU_WAKE)] = { cpu_wake, BY_VMM },
	[SLOT(HV_FN_VM_CREATE)] = { vm_create, BY_VMM },
	[SLOT(HV_FN_VM_DESTROY)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_VM_START)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_VM_STOP)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_PROT_AND_MAP)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_CLEAR_VM_RANGE)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_MEM_INFO)] = { mem_query, BY_VMM },
	[SLOT(HV_FN_PAGE_INFO)] = { mem_query, BY_VMM },
	[SLOT(HV_FN_LEND)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_UNLEND)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_DISK_IO)] = { disk_call, BY_VMM },
	[SLOT(HV_FN_GRANT)] = { guest_share, BY_GUEST },
	[SLOT(HV_FN_REVOKE)] = { guest_share, BY_GUEST },
	[SLOT(HV_FN_VCPU_CREATE)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_VCPU_INIT)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_VCPU_RUN)] = { vcpu_run_call, BY_VMM },
	[SLOT(HV_FN_IRQ_INJECT)] = { vm_call, BY_VMM },
	[SLOT(HV_FN_SGI_DIRECT)] = { vm_call, BY_VMM },
#if CONFIG_TEST_HOOKS
	[SLOT(HV_FN_TEST_REVOKE)] = { test_share, BY_VMM },
	[SLOT(HV_FN_TEST_GRANT)] = { test_share, BY_VMM },
	[SLOT(HV_FN_TEST_FAULT)] = { test_fault, BY_VMM },
#endif
	[SLOT_PSCI] = { psci_call, BY_GUEST | BY_SMC },
	[SLOT_SMCCC] = { smccc_call, BY_VMM | BY_GUEST | BY_SMC },
};

_Static_assert(SLOT(HV_FN_TEST_FAULT) < HV_NUM, "the vendor-hyp calls fit their slots");

/* The slot of a function id (x0, all 64 bits for the hyp's own ids). */
static u32 slot_of(u64 fn)
{
	if (fn - HV_FN(0) < HV_NUM) {
		return (u32)(fn - HV_FN(0));
	}
	if (psci_owns(fn)) {
		return SLOT_PSCI;
	}
	if (smccc_owns(fn)) {
		return SLOT_SMCCC;
	}
	return SLOT_NONE;
}

void hvc_dispatch(struct trap_frame *f, struct vcpu *v, bool smc)
{
	const struct hvc_call c = { f, v, smc };
	const struct hcall *h = &calls[index_nospec(slot_of(f->x[0]), SLOTS)];
	u32 who = v != NULL ? BY_GUEST : BY_VMM;

	if (h->fn != NULL && (h->who & who) != 0 && (!smc || (h->who & BY_SMC) != 0)) {
		h->fn(&c);
	} else if (v != NULL) {
		guest_call_vmm(&c); /* its own devices' calls */
	} else if (smc) {
		f->x[0] = (u64)SMCCC_RET_NOT_SUPPORTED; /* only x0: the SMCCC's answer */
	} else {
		set_result(f, HV_E_NOT_SUPPORTED, 0, 0, 0);
	}
}
