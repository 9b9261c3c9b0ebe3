/*
 * The vCPU tests' harness (vcpu_harness.h).
 */
#include <string.h>

#include <hyp/hvc.h>
#include <hyp/mem.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include "fake_vcpu.h"
#include "harness.h"
#include "vcpu_harness.h"

/* The CPU's registers as the last return to EL1 left them (the frame a
 * guest's next exception saves), and the VMM's frame of its VCPU_RUN,
 * which stays on the EL2 stack while the guest runs. */
struct trap_frame vf;
struct trap_frame vmm_f;

/* entry.S's lower_resume after a handler of the exception whose frame is
 * from: the CPU's registers become the frame vcpu_resume names. */
void resume(struct trap_frame *from)
{
	struct trap_return r = vcpu_resume(from);

	if (r.frame != &vf) {
		vf = *r.frame;
	}
}

/* Ends a test: the vCPU running on fake CPU cpu exits, and every VM goes
 * (the vCPU table outlives the machine's memory state between tests). */
void finish(u32 cpu)
{
	fake_cpu = cpu;
	if (vcpu_current() != NULL) {
		vcpu_irq_exit(&vf, HV_INTID_TICK);
		resume(&vf);
	}
	/* A kick no run took (exit_req, kicked) would end the next test's
	 * first run on that CPU. */
	for (fake_cpu = 0; fake_cpu < FAKE_CPUS; fake_cpu++) {
		vcpu_host_kick();
		(void)vcpu_take_kick();
	}
	fake_cpu = 0;
	for (u32 id = 1; id <= CONFIG_MAX_VMS; id++) {
		if (mem_vm_state(id) != VM_FREE) {
			CHECK_EQ(vcpu_vm_stop(id), HV_OK);
			CHECK_EQ(mem_clear_vm_range(id, pfn_of(0), UINT64_C(1) << 39), HV_OK);
			CHECK_EQ(vcpu_vm_destroy(id), HV_OK);
		}
	}
}

/* A VM with RAM_SIZE at RAM, one page given at RAM, vCPUs 0 and 1, made
 * with the HV_VM_* flags. */
u32 make_vm_flags(u64 flags)
{
	const struct mem_vm_layout l = { ipa_of(RAM), RAM_SIZE, { 0 }, { 0 }, 0 };
	u32 vmid = 0;

	CHECK_EQ(fake_machine_init(64, 32, 16), 0);
	CHECK_EQ(vcpu_vm_create(&l, flags, &vmid), HV_OK);
	CHECK_EQ(mem_prot_and_map(vmid, ipa_of(RAM), HOST_FREE0 | 3, 3), HV_OK);
	CHECK_EQ(vcpu_create(vmid, 0), HV_OK);
	CHECK_EQ(vcpu_create(vmid, 1), HV_OK);
	return vmid;
}

u32 make_vm(void)
{
	return make_vm_flags(0);
}

/* make_vm with vCPU 0 on at ENTRY and the VM started. */
u32 started_vm(void)
{
	u32 vm = make_vm();

	CHECK_EQ(vcpu_init(vm, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vm), HV_OK);
	return vm;
}

/* HV_FN_VCPU_RUN from the VMM on fake CPU cpu; its status (HV_OK: the
 * vCPU runs and vf is its frame). */
s64 run(u32 cpu, u32 vmid, u64 vcpu_flags, u64 reply)
{
	fake_cpu = cpu;
	memset(&vmm_f, 0, sizeof(vmm_f));
	vmm_f.x[0] = HV_FN_VCPU_RUN;
	vmm_f.x[1] = vmid;
	vmm_f.x[2] = vcpu_flags;
	vmm_f.x[3] = reply;
	vcpu_run(&vmm_f);
	resume(&vmm_f);
	return vcpu_current() != NULL ? HV_OK : (s64)vf.x[0];
}

/* The running guest on the current fake CPU takes a synchronous
 * exception: the handler trap.c's table has for its class (vf becomes the
 * VMM's frame if it exits). */
void guest_sync(u64 esr, u64 ipa, u64 va)
{
	const struct trap_info t = { esr, ipa, va, vcpu_current() };

	switch (ESR_EC(esr)) {
	case EC_HVC64:
		hvc_dispatch(&vf, t.v, false);
		break;
	case EC_SYSREG:
		guest_sysreg(&vf, &t);
		break;
	case EC_IABT_LOW:
	case EC_DABT_LOW:
		guest_abort(&vf, &t);
		break;
	case EC_WFX:
		guest_wfx(&vf, &t);
		break;
	case EC_CP15_32:
	case EC_CP15_64:
	case EC_CP14_32:
	case EC_CP14_LS:
	case EC_CP14_64:
		guest_undef(&vf, &t);
		break;
	default:
		guest_unexpected(&vf, &t);
		break;
	}
	resume(&vf);
}

/* The running guest on fake CPU cpu makes an HVC. */
void guest_hvc(u32 cpu, u64 fn, u64 a1, u64 a2, u64 a3)
{
	fake_cpu = cpu;
	vf.x[0] = fn;
	vf.x[1] = a1;
	vf.x[2] = a2;
	vf.x[3] = a3;
	guest_sync(ESR_HVC, 0, 0);
}

/* A VMM call (fn, x1..x3) on fake CPU cpu, with its own frame (vf stays
 * the guest's registers); the current CPU is the same again after it. */
s64 vmm_call_on(u32 cpu, u64 fn, u64 x1, u64 x2, u64 x3)
{
	u32 was = fake_cpu;
	struct trap_frame f = { 0 };

	fake_cpu = cpu;
	f.x[0] = fn;
	f.x[1] = x1;
	f.x[2] = x2;
	f.x[3] = x3;
	hvc_dispatch(&f, NULL, false);
	fake_cpu = was;
	return (s64)f.x[0];
}

/* HV_FN_IRQ_INJECT from the VMM on fake CPU cpu. */
s64 inject_from(u32 cpu, u32 vmid, u64 vcpu, u64 intid)
{
	return vmm_call_on(cpu, HV_FN_IRQ_INJECT, vmid, vcpu, intid);
}

/* How many of CPU cpu's list registers hold intid, and how many of those
 * pending. */
u32 lrs_with(u32 cpu, u32 intid, u32 *pending)
{
	u32 n = 0;

	*pending = 0;
	for (u32 i = 0; i < VGIC_LRS; i++) {
		if (fake_lr[cpu][i] != 0 && (u32)fake_lr[cpu][i] == intid) {
			n++;
			*pending += (fake_lr[cpu][i] & FAKE_LR_PENDING) != 0;
		}
	}
	return n;
}

/* CPU cpu takes the wake SGI an injection sent it (the guest goes on,
 * its list registers filled). */
void take_wake(u32 cpu)
{
	fake_cpu = cpu;
	vcpu_wake_irq(&vf);
	resume(&vf);
}

/* CPU 2 kicks CPU cpu (CPU_WAKE), which takes the SGI: its run ends. */
void kick_out(u32 cpu)
{
	fake_cpu = 2;
	vcpu_kick_cpu(cpu);
	take_wake(cpu);
}
