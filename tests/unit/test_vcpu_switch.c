/*
 * Host tests of the world switch in hyp/core/vcpu.c on the fake arch: the
 * order of a switch, the counters kept apart, lazy FP/SIMD registers, the
 * exit record and the VMM's registers at an exit, and when a guest may
 * wait on its CPU.
 */
#include <string.h>

#include <hyp/hvc.h>
#include <hyp/mem.h>
#include <hyp/vcpu.h>

#include "../../hyp/core/vcpu_priv.h"
#include "fake_vcpu.h"
#include "harness.h"
#include "vcpu_harness.h"

TEST(vcpu_switch_orders_stage2_before_stage1_and_keeps_counters_apart)
{
	u32 vm = make_vm();
	u32 pmu_vm;

	CHECK_EQ(vcpu_init(vm, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vm), HV_OK);
	fake_switch[0] = '\0';
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	/* Save the VMM's EL1 registers, guest mode (VTTBR) before the
	 * guest's EL1 registers, then stop the VMM's counters; back: host
	 * mode before the VMM's registers, its counters last. */
	CHECK(strcmp(fake_switch, "SGLx") == 0);
	fake_switch[0] = '\0';
	guest_hvc(1, VMM_CALL, 0, 0, 0); /* a VMM service call: an exit */
	CHECK_EQ(vf.x[1], HV_EXIT_HVC);
	CHECK(strcmp(fake_switch, "SHLr") == 0);
	finish(1);

	pmu_vm = make_vm_flags(HV_VM_PMU);
	CHECK_EQ(vcpu_init(pmu_vm, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(pmu_vm), HV_OK);
	fake_switch[0] = '\0';
	CHECK_EQ(run(1, pmu_vm, 0, 0), HV_OK);
	/* Its own PMU: loaded last, saved first. */
	CHECK(strcmp(fake_switch, "SgLpP") == 0);
	fake_switch[0] = '\0';
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK(strcmp(fake_switch, "pSHLP") == 0);
	finish(1);
}

/* The FP/SIMD registers stay in place across an exit, trapped for the
 * VMM: its first access zeroes them; a run elsewhere, or of another vCPU
 * or VM, since the save makes the next run here load them again. */

TEST(vcpu_fp_registers_stay_only_for_their_own_vcpu)
{
	u32 vm = started_vm();

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	fake_fp[1].v[0] = 0xa1; /* the guest's FP work */
	guest_hvc(1, PSCI_CPU_ON, 1, ENTRY, 0);
	CHECK(fake_fp_trapped && fake_fp[1].v[0] == 0xa1);
	vcpu_host_fp(); /* the VMM touches FP: trapped */
	CHECK(!fake_fp_trapped && fake_fp[1].v[0] == 0);
	fake_fp_loads = 0;
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK(fake_fp_loads == 1 && fake_fp[1].v[0] == 0xa1);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK); /* still in place: no load */
	CHECK(fake_fp_loads == 1 && fake_fp[1].v[0] == 0xa1);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(1, vm, 1, 0), HV_OK); /* vCPU 1, where vCPU 0's are */
	CHECK(fake_fp_loads == 2 && fake_fp[1].v[0] == 0);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(2, vm, 0, 0), HV_OK); /* vCPU 0 moves to CPU 2 */
	fake_fp[2].v[0] = 0xa2;
	guest_hvc(2, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK); /* vCPU 0's from CPU 2 */
	CHECK(fake_fp_loads == 4 && fake_fp[1].v[0] == 0xa2);
	CHECK_EQ(fake_fp_el2_traps, 0);
	finish(1);
	/* A new VM in the same slots: CPU 1 still holds the old vCPU 0's. */
	vm = started_vm();
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK(fake_fp[1].v[0] == 0);
	finish(1);
}

TEST(vcpu_exit_record_carries_only_the_words_its_reason_names)
{
	u32 vm = started_vm();
	struct hv_exit e;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	for (u32 i = 7; i <= 30; i++) {
		vmm_f.x[i] = 0x5000 + i; /* the VMM's, left on the EL2 stack */
		vf.x[i] = 0xbad;          /* the guest's */
	}
	/* What the rest of the union may hold when a caller names one member. */
	memset(&e, 0xa5, sizeof(e));
	e.status = HV_OK;
	e.reason = HV_EXIT_SGI;
	e.sgi.sgi1r = 0x1234;
	e.sgi.posted = 0x2;
	vcpu_exit(&vf, &e);
	resume(&vf);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[2], 0x1234);
	CHECK_EQ(vf.x[3], 0x2);
	for (u32 i = 4; i <= 6; i++) {
		CHECK_EQ(vf.x[i], 0);
	}
	for (u32 i = 7; i <= 30; i++) {
		CHECK(vf.x[i] == 0x5000 + i && vcpu_lookup(vm, 0)->regs.x[i] == 0xbad);
	}
	finish(1);
}

/* A kick (CPU_WAKE, a stop) for CPU cpu, sent from another CPU and taken
 * there while its VMM runs; the current CPU is cpu after it. */
static void kick_in_host_mode(u32 cpu)
{
	fake_cpu = (cpu + 1) % FAKE_CPUS;
	vcpu_kick_cpu(cpu);
	fake_cpu = cpu;
	vcpu_host_kick();
}

/* HV_RUN_WAIT_IN_GUEST untraps WFI/WFE for that run only; a kick that
 * reached the CPU while the VMM ran (meant for the run it was about to
 * make) keeps the next run's waits trapped, then is forgotten. */
TEST(vcpu_wait_in_guest_only_when_asked_and_not_after_a_kick)
{
	u32 vm = started_vm();

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK(!fake_wait_in_guest);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(1, vm, HV_RUN_WAIT_IN_GUEST, 0), HV_OK);
	CHECK(fake_wait_in_guest);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	kick_in_host_mode(1);
	CHECK_EQ(run(1, vm, HV_RUN_WAIT_IN_GUEST, 0), HV_OK);
	CHECK(!fake_wait_in_guest);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	CHECK_EQ(run(1, vm, HV_RUN_WAIT_IN_GUEST, 0), HV_OK);
	CHECK(fake_wait_in_guest);
	guest_hvc(1, VMM_CALL, 0, 0, 0);
	kick_in_host_mode(2); /* another CPU's kick is not this one's */
	CHECK_EQ(run(1, vm, HV_RUN_WAIT_IN_GUEST, 0), HV_OK);
	CHECK(fake_wait_in_guest);
	finish(1);
	fake_cpu = 2;
	CHECK_EQ(run(2, started_vm(), 0, 0), HV_OK); /* CPU 2's kick, spent */
	finish(2);
}

static s64 cpu_idle_on(u32 cpu, u64 us)
{
	fake_cpu = cpu;
	memset(&vf, 0, sizeof(vf));
	vf.x[0] = HV_FN_CPU_IDLE;
	vf.x[1] = us;
	hvc_dispatch(&vf, NULL, false);
	return (s64)vf.x[0];
}

/* A wake SGI taken while the VMM ran (between its look at its vCPUs and
 * its CPU_IDLE) ends that sleep before it starts; once: the next one
 * sleeps. A run spends it too; another CPU's wake is not this one's. */
TEST(cpu_idle_returns_at_once_after_a_wake_that_came_before_it)
{
	u32 vm = started_vm();

	fake_idle_us = 0;
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 100);
	kick_in_host_mode(1);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 100);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 200);
	kick_in_host_mode(2);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 300);
	CHECK_EQ(cpu_idle_on(2, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 300);
	/* Refused times change nothing, a pending wake included. */
	kick_in_host_mode(1);
	CHECK_EQ(cpu_idle_on(1, 0), HV_E_INVALID);
	CHECK_EQ(cpu_idle_on(1, HV_IDLE_MAX_US + 1), HV_E_INVALID);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 300);
	kick_in_host_mode(1);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	finish(1);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 400);
	/* A wake that only brought an injected interrupt (no kick) is none;
	 * nor is the one that ended a sleep, taken after it. */
	fake_cpu = 1;
	vcpu_host_kick();
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 500);
	fake_cpu = 2;
	vcpu_kick_cpu(1);
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK); /* the WFI ends at the SGI */
	CHECK_EQ(fake_idle_us, 600);
	fake_cpu = 1;
	vcpu_host_kick(); /* the SGI, taken as the VMM runs again */
	CHECK_EQ(cpu_idle_on(1, 100), HV_OK);
	CHECK_EQ(fake_idle_us, 700);
}

/* An interrupt injected for a vCPU that is not running goes into a list
 * register as it enters; for one that runs, its CPU gets a wake SGI and
 * takes it in with no exit; again while pending, it stays in one list
 * register. A kick (CPU_WAKE, a stop) still ends the run. */
TEST(irq_inject_reaches_a_running_vcpu_without_an_exit)
{
	u32 vm = started_vm();
	u32 kicks;
	u32 pending;

	kicks = fake_kicks;
	CHECK_EQ(inject_from(2, vm, 0, 40), HV_OK);
	CHECK_EQ(fake_kicks, kicks); /* not running: nobody to wake */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(lrs_with(1, 40, &pending), 1);
	CHECK_EQ(pending, 1);
	CHECK_EQ(inject_from(2, vm, 0, 41), HV_OK);
	CHECK_EQ(fake_kicks, kicks + 1);
	CHECK_EQ(fake_kicked_cpu, 1);
	CHECK_EQ(lrs_with(1, 41, &pending), 0); /* until CPU 1 takes the SGI */
	take_wake(1);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(lrs_with(1, 41, &pending), 1);
	CHECK_EQ(inject_from(2, vm, 0, 41), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 1020), HV_E_INVALID);
	vcpu_wake_irq(&vf);
	resume(&vf);
	CHECK_EQ(lrs_with(1, 41, &pending), 1);
	/* Every list register taken: the rest waits, and goes in once one
	 * is free (here: the next entry, the guest having taken them). */
	CHECK_EQ(inject_from(2, vm, 0, 42), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 43), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 44), HV_OK);
	vcpu_wake_irq(&vf);
	resume(&vf);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(lrs_with(1, 44, &pending), 0);
	kick_out(1);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_IRQ);
	CHECK_EQ(vf.x[2], HV_INTID_KICK);
	memset(vcpu_lookup(vm, 0)->vgic.lr, 0, sizeof(vcpu_lookup(vm, 0)->vgic.lr));
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(lrs_with(1, 44, &pending), 1);
	finish(1);
}

/* A WFI with an injected interrupt on its way does not wait: taken in as
 * the WFI traps; injected just after the WFI looked, the exit is no wait
 * (HV_EXIT_IRQ, so the VMM does not park the vCPU) and the next entry
 * delivers it. With nothing injected, it is a wait. */
TEST(a_wait_with_an_injected_interrupt_does_not_park_the_vcpu)
{
	u32 vm = started_vm();
	u32 pending;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 50), HV_OK);
	guest_sync(ESR_WFI, 0, 0); /* before CPU 1 takes the wake */
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(lrs_with(1, 50, &pending), 1);
	finish(1);

	vm = started_vm();
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 51), HV_OK);
	fake_cpu = 1;
	vcpu_exit(&vf, &(struct hv_exit){ .reason = HV_EXIT_WFI, .wfi.timer_deadline = 0 });
	resume(&vf);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_IRQ);
	CHECK_EQ(vf.x[2], HV_INTID_KICK);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(lrs_with(1, 51, &pending), 1);
	guest_sync(ESR_WFI, 0, 0);
	CHECK(vcpu_current() != NULL); /* 51 still pending */
	memset(fake_lr[1], 0, sizeof(fake_lr[1]));
	guest_sync(ESR_WFI, 0, 0);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_WFI);
	finish(1);
}

/*
 * entry.S saves a guest's exception straight into its vCPU's registers:
 * the return into a guest leaves SP_EL2 just above them and names the
 * VMM's frame as where the handler's stack goes on; an exit returns to
 * the top of the stack with no guest stack named, so the VMM's next
 * exception saves on the stack.
 */
TEST(a_guest_exception_saves_its_frame_into_its_vcpu)
{
	u32 vm = started_vm();
	struct vcpu *v = vcpu_lookup(vm, 0);
	struct trap_return r;

	fake_cpu = 1;
	memset(&vmm_f, 0, sizeof(vmm_f));
	vmm_f.x[0] = HV_FN_VCPU_RUN;
	vmm_f.x[1] = vm;
	vcpu_run(&vmm_f);
	r = vcpu_resume(&vmm_f);
	CHECK(r.frame == &v->regs);
	CHECK_EQ(r.sp, (u64)(uintptr_t)(&v->regs + 1));
	CHECK_EQ(r.sp % 16, 0);
	CHECK_EQ(hyp_guest_stack[1], (u64)(uintptr_t)&vmm_f);
	CHECK_EQ(hyp_guest_stack[0], 0);
	/* The guest's call for the VMM, saved where SP_EL2 pointed. */
	v->regs.x[0] = VMM_CALL;
	v->regs.x[9] = 0x99;
	hvc_dispatch(&v->regs, v, false);
	r = vcpu_resume(&v->regs);
	CHECK(r.frame == &vmm_f);
	CHECK_EQ(r.sp, (u64)(uintptr_t)(&vmm_f + 1));
	CHECK_EQ(hyp_guest_stack[1], 0);
	CHECK_EQ(vmm_f.x[1], HV_EXIT_HVC);
	CHECK_EQ(v->regs.x[9], 0x99);
	/* A call the hyp answers in the guest's world: no switch, and the
	 * guest's next exception goes to the same place. */
	memset(&vmm_f, 0, sizeof(vmm_f));
	vmm_f.x[0] = HV_FN_VCPU_RUN;
	vmm_f.x[1] = vm;
	vcpu_run(&vmm_f);
	(void)vcpu_resume(&vmm_f);
	v->regs.x[0] = PSCI_AFFINITY_INFO;
	v->regs.x[1] = 1;
	v->regs.x[2] = 0;
	hvc_dispatch(&v->regs, v, false);
	r = vcpu_resume(&v->regs);
	CHECK(r.frame == &v->regs);
	CHECK_EQ(r.sp, (u64)(uintptr_t)(&v->regs + 1));
	CHECK_EQ(hyp_guest_stack[1], (u64)(uintptr_t)&vmm_f);
	CHECK_EQ(v->regs.x[0], 1); /* vCPU 1 is off */
	vf = v->regs;
	finish(1);
}

/* HV_FN_SGI_DIRECT from the VMM on fake CPU 3. */
static s64 sgi_direct_from(u32 vmid, u64 vcpu, u64 mask)
{
	return vmm_call_on(3, HV_FN_SGI_DIRECT, vmid, vcpu, mask);
}

/* The guest running on fake CPU 1 writes v to ICC_SGI1R_EL1 (from x5). */
static void guest_sgi1r(u64 v)
{
	fake_cpu = 1;
	vf.x[5] = v;
	guest_sync(ESR_SYS(3, 0, 12, 11, 5, 5, 0), 0, 0);
}

#define SGI(intid, targets) (((u64)(intid) << 24) | (targets))

/*
 * A GICv3 guest's SGI: posted by the hyp to each target whose mask the
 * VMM set has it (HV_FN_SGI_DIRECT). A target in a run takes it with no
 * exit anywhere (its CPU gets a wake); one in no run is posted and the
 * sender exits for the VMM to run it (x3 names it); an SGI outside the
 * mask, or to a vCPU that is off, is the VMM's (x3 0). The sender itself
 * takes its own at once. Other affinities name no vCPU; IRM is all but
 * the sender. A refused call changes no mask.
 */
TEST(a_guest_sgi_the_vmm_allowed_is_posted_without_the_vmm)
{
	u32 vm = started_vm();
	u32 pending;
	u32 kicks;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_sgi1r(SGI(5, 1U << 1)); /* vCPU 1 is off: the VMM's */
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[2], SGI(5, 1U << 1));
	CHECK_EQ(vf.x[3], 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_hvc(1, PSCI_CPU_ON, 1, ENTRY, 0);
	CHECK_EQ(vf.x[1], HV_EXIT_POWER);
	CHECK_EQ(sgi_direct_from(vm, 1, 1U << 5), HV_OK);
	/* Outside the mask: the VMM's. */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_sgi1r(SGI(6, 1U << 1));
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[3], 0);
	/* Allowed, vCPU 1 in no run: posted; the VMM makes it run. */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	kicks = fake_kicks;
	guest_sgi1r(SGI(5, 1U << 1));
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[2], SGI(5, 1U << 1));
	CHECK_EQ(vf.x[3], 1U << 1);
	CHECK_EQ(fake_kicks, kicks);
	CHECK_EQ(run(2, vm, 1, 0), HV_OK);
	CHECK_EQ(lrs_with(2, 5, &pending), 1);
	memset(fake_lr[2], 0, sizeof(fake_lr[2])); /* vCPU 1 took it */
	/* Allowed, vCPU 1 running on CPU 2: no exit, CPU 2 woken. */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_sgi1r(SGI(5, 1U << 1));
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(fake_kicks, kicks + 1);
	CHECK_EQ(fake_kicked_cpu, 2);
	CHECK_EQ(lrs_with(2, 5, &pending), 0);
	{
		struct trap_frame wake = { 0 };

		fake_cpu = 2;
		vcpu_wake_irq(&wake); /* CPU 2 takes the wake: no exit */
		CHECK(vcpu_current() != NULL);
		CHECK_EQ(lrs_with(2, 5, &pending), 1);
		CHECK_EQ(pending, 1);
		memset(fake_lr[2], 0, sizeof(fake_lr[2]));
	}
	/* Aff1, Aff2, RS or Aff3 set: no vCPU is named, nothing happens. */
	guest_sgi1r(SGI(5, 1U << 1) | UINT64_C(1) << 16);
	guest_sgi1r(SGI(5, 1U << 1) | UINT64_C(1) << 32);
	guest_sgi1r(SGI(5, 1U << 1) | UINT64_C(1) << 44);
	guest_sgi1r(SGI(5, 1U << 1) | UINT64_C(1) << 48);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(fake_kicks, kicks + 1);
	/* IRM: every vCPU but the sender. */
	guest_sgi1r(SGI(5, 0) | UINT64_C(1) << 40);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(fake_kicks, kicks + 2);
	CHECK_EQ(lrs_with(1, 5, &pending), 0);
	/* To itself: taken in at once. */
	CHECK_EQ(sgi_direct_from(vm, 0, 1U << 5), HV_OK);
	guest_sgi1r(SGI(5, 1U << 0));
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(lrs_with(1, 5, &pending), 1);
	CHECK_EQ(fake_kicks, kicks + 2);
	/* Refused, and nothing changed: vCPU 1 still gets SGI 5 directly. */
	CHECK_EQ(sgi_direct_from(vm, 1, HV_SGI_MASK + 1), HV_E_INVALID);
	CHECK_EQ(sgi_direct_from(vm, 2, 1), HV_E_INVALID); /* never created */
	CHECK_EQ(sgi_direct_from(vm, 99, 1), HV_E_INVALID);
	CHECK_EQ(sgi_direct_from(vm + 1, 0, 1), HV_E_NOT_FOUND);
	CHECK_EQ(sgi_direct_from(0, 0, 1), HV_E_NOT_FOUND);
	guest_sgi1r(SGI(5, 1U << 1));
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(fake_kicks, kicks + 3);
	/* Taken back by the VMM: its again. */
	CHECK_EQ(sgi_direct_from(vm, 1, 0), HV_OK);
	guest_sgi1r(SGI(5, 1U << 1));
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[3], 0);
	CHECK_EQ(fake_kicks, kicks + 3);
	/* Both at once: vCPU 1, in a run, gets SGI 6 posted and its CPU a
	 * wake; vCPU 0's mask lacks 6, so the sender exits, and x3 names
	 * vCPU 1 as posted so that the VMM does not send it again. */
	CHECK_EQ(sgi_direct_from(vm, 1, 1U << 6), HV_OK);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_sgi1r(SGI(6, 3));
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_SGI);
	CHECK_EQ(vf.x[2], SGI(6, 3));
	CHECK_EQ(vf.x[3], 1U << 1);
	CHECK_EQ(fake_kicks, kicks + 4);
	CHECK_EQ(fake_kicked_cpu, 2);
	finish(2);
}
