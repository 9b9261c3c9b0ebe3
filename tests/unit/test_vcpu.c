/*
 * Host tests of hyp/core/vcpu.c and psci.c on the fake arch: who may set
 * a vCPU's registers (VCPU_INIT only before start, one boot vCPU; PSCI
 * CPU_ON only by the guest, at its own entry and context), which reply
 * completes which exit, the MMIO guard, and stop, clear and destroy
 * against a vCPU that is still on a CPU (simulated on another "CPU").
 */
#include <string.h>

#include <arm/esr.h>
#include <hyp/hvc.h>
#include <hyp/mem.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include "../../hyp/core/vcpu_priv.h"
#include "fake_arch.h"
#include "fake_vcpu.h"
#include "harness.h"
#include "mem_invariants.h"
#include "vcpu_harness.h"

TEST(vcpu_init_only_for_one_boot_vcpu_before_start)
{
	u32 vmid = make_vm();

	CHECK_EQ(vcpu_init(vmid, 1, ENTRY, 7), HV_OK);
	CHECK_EQ(vcpu_init(vmid, 1, ENTRY + 4, 7), HV_OK); /* the same one again */
	CHECK_EQ(vcpu_init(vmid, 0, ENTRY, 7), HV_E_BUSY); /* a second boot vCPU */
	CHECK_EQ(vcpu_init(vmid, 1, ENTRY + 0x1000, 7), HV_E_DENIED); /* not mapped */
	CHECK_EQ(vcpu_init(vmid, 1, RAM - 0x1000, 7), HV_E_DENIED);   /* not RAM */
	CHECK_EQ(vcpu_init(vmid, 1, ENTRY + 2, 7), HV_E_DENIED);      /* unaligned */
	CHECK_EQ(vcpu_init(vmid, 2, ENTRY, 7), HV_E_INVALID);         /* no vCPU 2 */
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	/* Started: the VMM sets no register of any vCPU any more. */
	CHECK_EQ(vcpu_init(vmid, 1, ENTRY, 7), HV_E_BUSY);
	CHECK_EQ(vcpu_init(vmid, 0, ENTRY, 7), HV_E_BUSY);
	CHECK_EQ(run(1, vmid, 0, 0), HV_E_BUSY); /* vCPU 0 is off */
	CHECK_EQ(run(1, vmid, 1, 0), HV_OK);
	CHECK_EQ(vf.elr, ENTRY + 4);
	CHECK_EQ(vf.x[0], 7);
	CHECK_EQ(vcpu_init(vmid, 1, ENTRY, 7), HV_E_BUSY); /* running, too */
	finish(1);
}

TEST(vcpu_psci_is_the_guests)
{
	u32 vmid = make_vm();

	CHECK_EQ(vcpu_init(vmid, 1, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	CHECK_EQ(run(1, vmid, 1, 0), HV_OK);
	/* refusals are answered to the guest, with no exit */
	guest_hvc(1, PSCI_CPU_ON, 0, RAM + RAM_SIZE, 0x1234);
	CHECK_EQ((s64)vf.x[0], -9); /* INVALID_ADDRESS: outside its RAM */
	guest_hvc(1, PSCI_CPU_ON, 5, ENTRY, 0x1234);
	CHECK_EQ((s64)vf.x[0], -2); /* INVALID_PARAMETERS: no vCPU 5 */
	guest_hvc(1, PSCI_CPU_ON, 0x100, ENTRY, 0x1234);
	CHECK_EQ((s64)vf.x[0], -2); /* an Aff1 field */
	guest_hvc(1, PSCI_CPU_ON, 1, ENTRY, 0x1234);
	CHECK_EQ((s64)vf.x[0], -4); /* ALREADY_ON: itself */
	guest_hvc(1, PSCI_AFFINITY_INFO, 0, 0, 0);
	CHECK_EQ(vf.x[0], 1); /* off */
	CHECK(vcpu_current() != NULL);
	/* CPU_ON of vCPU 0: the guest's entry and context; the VMM is told */
	guest_hvc(1, PSCI_CPU_ON, 0, ENTRY + 8, 0x1234);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[0], HV_OK);
	CHECK_EQ(vf.x[1], HV_EXIT_POWER);
	CHECK_EQ(vf.x[2], HV_POWER_CPU_ON);
	CHECK_EQ(vf.x[3], 0);
	CHECK_EQ(run(2, vmid, 0, 0), HV_OK);
	CHECK_EQ(vf.elr, ENTRY + 8);
	CHECK_EQ(vf.x[0], 0x1234);
	/* vCPU 0 turns itself off: runs refused until a CPU_ON */
	guest_hvc(2, PSCI_CPU_OFF, 0, 0, 0);
	CHECK_EQ(vf.x[1], HV_EXIT_POWER);
	CHECK_EQ(vf.x[2], HV_POWER_CPU_OFF);
	CHECK_EQ(run(2, vmid, 0, 0), HV_E_BUSY);
	CHECK_EQ(run(1, vmid, 1, 0), HV_OK); /* vCPU 1 resumes: CPU_ON returned 0 */
	CHECK_EQ(vf.x[0], 0);
	guest_hvc(1, PSCI_AFFINITY_INFO, 0, 0, 0);
	CHECK_EQ(vf.x[0], 1);
	guest_hvc(1, PSCI_AFFINITY_INFO, 0, 1, 0);
	CHECK_EQ((s64)vf.x[0], -2); /* lowest affinity level 1 */
	/* SYSTEM_OFF stops the whole VM in the hyp */
	guest_hvc(1, PSCI_SYSTEM_OFF, 0, 0, 0);
	CHECK_EQ(vf.x[2], HV_POWER_SYSTEM_OFF);
	CHECK_EQ(mem_vm_state(vmid), VM_OFF);
	CHECK_EQ(run(1, vmid, 1, 0), HV_E_BUSY);
	finish(1);
}

TEST(vcpu_replies_answer_only_their_exit)
{
	u32 vmid = make_vm();
	const u64 dev = 0x09000000;

	CHECK_EQ(vcpu_init(vmid, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	CHECK_EQ(run(1, vmid, HV_RUN_RETRY, 0), HV_E_INVALID); /* nothing to retry */
	CHECK_EQ(run(1, vmid, HV_RUN_ABORT, 0), HV_E_INVALID);
	CHECK_EQ(run(1, vmid, 0, 0), HV_OK);
	/* a 64-bit load into x5 from a device */
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(5) | FSC_TRANS_L3, dev, dev);
	CHECK_EQ(vf.x[1], HV_EXIT_MMIO);
	CHECK_EQ(run(1, vmid, HV_RUN_RETRY, 0), HV_E_INVALID);
	CHECK_EQ(run(1, vmid, HV_RUN_RETRY | HV_RUN_ABORT, 0), HV_E_INVALID);
	CHECK_EQ(run(1, vmid, 0, 0xabcd), HV_OK); /* refused replies changed nothing */
	CHECK_EQ(vf.x[5], 0xabcd);
	CHECK_EQ(vf.elr, ENTRY + 4);
	/* a call to the VMM: x0..x3 come from the reply, nothing retries it */
	guest_hvc(1, HV_FN(0x5555), 1, 2, 3);
	CHECK_EQ(vf.x[1], HV_EXIT_HVC);
	CHECK_EQ(run(1, vmid, HV_RUN_RETRY, 0), HV_E_INVALID);
	CHECK_EQ(run(1, vmid, HV_RUN_ABORT, 0), HV_E_INVALID);
	CHECK_EQ(run(1, vmid, 0, 99), HV_OK);
	CHECK_EQ(vf.x[0], 99);
	finish(1);
}

TEST(vcpu_mmio_guard_keeps_ram_out_of_the_exit_record)
{
	u32 vmid = make_vm();
	const u64 hole = RAM + 0x200000; /* RAM not given yet */

	CHECK_EQ(vcpu_init(vmid, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	CHECK_EQ(run(1, vmid, 0, 0), HV_OK);
	vf.x[3] = 0x5345435245543031;
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | FSC_TRANS_L3,
			hole, hole);
	CHECK_EQ(vf.x[1], HV_EXIT_ABORT); /* not MMIO, and no value */
	CHECK_EQ(vf.x[2], hole);
	CHECK_EQ(vf.x[3], HV_ABORT_WRITE);
	CHECK_EQ(vf.x[4], 0);
	CHECK_EQ(run(1, vmid, 0, 0), HV_E_INVALID); /* must be RETRY or ABORT */
	CHECK_EQ(run(1, vmid, HV_RUN_RETRY, 0), HV_OK);
	CHECK_EQ(vf.elr, ENTRY); /* the store runs again */
	/* outside RAM a store is MMIO, with its value: after a translation
	 * fault, or a level-3 permission fault at the page the VMM lent the
	 * VM (trap.c finds its IPA with AT). Elsewhere, or after the lend
	 * ended, such a fault is the access again; a permission fault at
	 * another level is no lend */
	vf.x[1] = 77;
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | FSC_PERM_L3,
			0x09000018, 0x09000018);
	CHECK(vf.elr == ENTRY && vf.x[1] == 77); /* no lend: no exit, the store again */
	CHECK_EQ(mem_lend(vmid, ipa_of(0x09000000), pa_of(HOST_FREE0 + 0x10000)), HV_OK);
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | FSC_PERM_L3,
			0x09001018, 0x09001018);
	CHECK(vf.elr == ENTRY && vf.x[1] == 77); /* not the lent page */
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | FSC_PERM_L3,
			0x09000018, 0x09000018);
	CHECK_EQ(vf.x[1], HV_EXIT_MMIO);
	CHECK_EQ(vf.x[2], 0x09000018);
	CHECK_EQ(vf.x[4], 0x5345435245543031);
	CHECK_EQ(run(1, vmid, 0, 0), HV_OK);
	CHECK_EQ(vf.elr, ENTRY + 4);
	vf.elr = ENTRY;
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | (FSC_PERM_L3 - 1),
			0x09000000, 0x09000000);
	CHECK_EQ(vf.x[1], HV_EXIT_ABORT);
	CHECK_EQ(vf.x[4], 0);
	fake_abort.count = 0;
	CHECK_EQ(run(1, vmid, HV_RUN_ABORT, 0), HV_OK);
	/* refused: the store takes an external abort, at its own PC */
	CHECK_EQ(fake_abort.count, 1);
	CHECK(fake_abort.write && !fake_abort.exec);
	CHECK_EQ(fake_abort.far, 0x09000000);
	CHECK_EQ(fake_abort.elr, ENTRY);
	vf.x[3] = 0x77;
	guest_sync(ESR_DABT | ISS_ISV | ESR_SAS_64 | ESR_SRT(3) | ISS_WNR | FSC_TRANS_L3,
			0x09000000, 0x09000000);
	CHECK_EQ(vf.x[1], HV_EXIT_MMIO);
	CHECK_EQ(vf.x[4], 0x77);
	CHECK_EQ(run(1, vmid, 0, 0), HV_OK);
	/* a fetch from a page it may not run (a device page, not its lend):
	 * an abort for the VMM, not the fetch again for ever */
	guest_sync(ESR_FROM_EC(EC_IABT_LOW) | FSC_PERM_L3, 0x08010040, 0x08010040);
	CHECK_EQ(vf.x[1], HV_EXIT_ABORT);
	CHECK_EQ(vf.x[2], 0x08010040);
	CHECK_EQ(vf.x[3], HV_ABORT_EXEC);
	CHECK_EQ(run(1, vmid, HV_RUN_ABORT, 0), HV_OK);
	finish(1);
}

TEST(vcpu_stop_waits_and_destroy_wipes)
{
	u32 vmid = make_vm();
	u32 again = 0;
	u32 kicks = fake_kicks;
	const struct mem_vm_layout l = { ipa_of(RAM), RAM_SIZE, { 0 }, { 0 }, 0 };

	CHECK_EQ(vcpu_init(vmid, 0, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vmid), HV_OK);
	CHECK_EQ(run(1, vmid, 0, 0), HV_OK); /* on "CPU 1" until it exits */
	fake_cpu = 0;
	/* It never leaves here: the stop kicks it, gives up after its bound,
	 * and the VM stays off with clear and destroy refused. */
	CHECK_EQ(vcpu_vm_stop(vmid), HV_E_BUSY);
	CHECK(fake_kicks > kicks);
	CHECK_EQ(mem_vm_state(vmid), VM_OFF);
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_E_BUSY);
	CHECK_EQ(vcpu_vm_destroy(vmid), HV_E_BUSY);
	fake_cpu = 1;
	vcpu_irq_exit(&vf, HV_INTID_KICK); /* the kick ends its run */
	resume(&vf);
	CHECK_EQ(vf.x[1], HV_EXIT_IRQ);
	fake_cpu = 0;
	CHECK_EQ(vcpu_vm_stop(vmid), HV_OK);
	CHECK_EQ(run(1, vmid, 0, 0), HV_E_BUSY);
	CHECK_EQ(mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39), HV_OK);
	CHECK_EQ(vcpu_vm_destroy(vmid), HV_OK);
	/* The vmid again: its old vCPUs are gone with it. */
	CHECK_EQ(vcpu_vm_create(&l, 0, &again), HV_OK);
	CHECK_EQ(again, vmid);
	CHECK_EQ(mem_vm_start(again), HV_OK);
	CHECK_EQ(run(1, again, 0, 0), HV_E_INVALID);
	CHECK_EQ(run(1, again, 1, 0), HV_E_INVALID);
	CHECK_EQ(mem_invariant_violations(), 0);
	finish(1);
}

TEST(vcpu_debug_and_absent_pmu_read_as_zero)
{
	u32 vm = started_vm();
	u32 undefs;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	undefs = fake_undefs;
	/* MRS x3, DBGBVR0_EL1 (2, 0, c0, c0, 4), MRS x4, MDSCR_EL1, MRS x5,
	 * PMCCNTR_EL0 (3, 3, c9, c13, 0), MRS x6, PMEVCNTR2_EL0 (3, 3, c14,
	 * c8, 2): zero, and the guest steps on; MSR writes are ignored. */
	vf.x[3] = vf.x[4] = vf.x[5] = vf.x[6] = 0x5a5a;
	vf.elr = ENTRY;
	guest_sync(ESR_SYS(2, 0, 0, 0, 4, 3, 1), 0, 0);
	guest_sync(ESR_SYS(2, 0, 0, 2, 2, 4, 1), 0, 0);
	guest_sync(ESR_SYS(3, 3, 9, 13, 0, 5, 1), 0, 0);
	guest_sync(ESR_SYS(3, 3, 14, 8, 2, 6, 1), 0, 0);
	guest_sync(ESR_SYS(2, 0, 0, 2, 2, 7, 0), 0, 0);
	CHECK_EQ(vf.x[3] | vf.x[4] | vf.x[5] | vf.x[6], 0);
	CHECK_EQ(vf.elr, ENTRY + 5 * 4);
	CHECK_EQ(fake_undefs, undefs);
	CHECK(vcpu_current() != NULL); /* no exit: the VMM saw none of it */
	/* Another system register (an implementation-defined one): undefined. */
	guest_sync(ESR_SYS(3, 1, 15, 2, 1, 3, 1), 0, 0);
	CHECK_EQ(fake_undefs, undefs + 1);
	finish(1);
}

TEST(vcpu_serror_is_charged_to_the_world_that_raised_it)
{
	u32 vm = started_vm();

	/* Pending when the guest is about to run: the VMM's. The run is
	 * undone, the VMM gets a virtual SError, and no run starts until it
	 * has taken it. */
	fake_serror = true;
	fake_vmm_serrors = 0;
	fake_vse = false;
	CHECK_EQ(run(1, vm, 0, 0), HV_E_BUSY);
	CHECK_EQ(fake_vmm_serrors, 1);
	CHECK_EQ(vf.x[1], 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_E_BUSY);
	CHECK_EQ(fake_vmm_serrors, 1);
	fake_vse = false; /* the VMM took it */
	/* Pending at the guest's exit: the guest's, which stops for good,
	 * and the exit record carries nothing of its own call. */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	fake_serror = true;
	guest_hvc(1, VMM_CALL, 0x1111, 0x2222, 0x3333);
	CHECK_EQ(vf.x[1], HV_EXIT_FAULT);
	CHECK_EQ(ESR_EC(vf.x[2]), EC_SERROR);
	CHECK_EQ(vf.x[3] | vf.x[4] | vf.x[5] | vf.x[6], 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_E_BUSY);
	CHECK_EQ(fake_vmm_serrors, 1);
	finish(1);
}

TEST(vcpu_serror_at_cpu_off_leaves_it_dead)
{
	u32 vm = make_vm();

	CHECK_EQ(vcpu_init(vm, 1, ENTRY, 0), HV_OK);
	CHECK_EQ(mem_vm_start(vm), HV_OK);
	CHECK_EQ(run(1, vm, 1, 0), HV_OK);
	guest_hvc(1, PSCI_CPU_ON, 0, ENTRY, 0);
	CHECK_EQ(vf.x[1], HV_EXIT_POWER);
	CHECK_EQ(run(2, vm, 0, 0), HV_OK);
	fake_serror = true;
	guest_hvc(2, PSCI_CPU_OFF, 0, 0, 0);
	CHECK_EQ(vf.x[1], HV_EXIT_FAULT);
	/* Dead, not off: its sibling cannot turn it on again. */
	CHECK_EQ(run(1, vm, 1, 0), HV_OK);
	guest_hvc(1, PSCI_CPU_ON, 0, ENTRY, 0);
	CHECK_EQ((s64)vf.x[0], -6); /* INTERNAL_FAILURE */
	finish(1);
}

TEST(vcpu_serror_taken_in_the_guest_stops_it)
{
	u32 vm = started_vm();

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	vcpu_guest_serror(&vf);
	resume(&vf);
	CHECK_EQ(vf.x[1], HV_EXIT_FAULT);
	CHECK_EQ(ESR_EC(vf.x[2]), EC_SERROR);
	CHECK_EQ(run(1, vm, 0, 0), HV_E_BUSY);
	finish(1);
}

TEST(vcpu_aarch32_debug_and_pmu_accesses_are_undefined)
{
	static const u64 ecs[] = { EC_CP15_32, EC_CP15_64, EC_CP14_32, EC_CP14_LS, EC_CP14_64 };
	u32 vm = started_vm();
	u32 undefs;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	undefs = fake_undefs;
	/* MRC p14 / p15, MRRC, LDC from an AArch32 program at EL0 (EC 0x03,
	 * 0x04, 0x05, 0x06, 0x0c): undefined for it; the vCPU goes on. */
	for (u32 i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		guest_sync(ESR_FROM_EC(ecs[i]) | ESR_IL, 0, 0);
	}
	CHECK_EQ(fake_undefs, undefs + 5);
	CHECK(vcpu_current() != NULL);
	finish(1);
}

TEST(hvc_table_admits_each_call_from_its_callers_only)
{
	u32 vm = started_vm();

	/* The VMM: its own calls; a guest's (GRANT), a test-only one (not in
	 * the host build's table) and PSCI are NOT_SUPPORTED, x1..x3 zeroed;
	 * over SMC only SMCCC is answered, and only x0 is written. */
	memset(&vf, 0, sizeof(vf));
	vf.x[0] = HV_FN_VERSION;
	hvc_dispatch(&vf, NULL, false);
	CHECK_EQ(vf.x[0], HV_OK);
	CHECK_EQ(vf.x[1], ((u64)HV_ABI_VERSION_MAJOR << 16) | HV_ABI_VERSION_MINOR);
	for (u32 i = 0; i < 3; i++) {
		static const u64 fns[] = { HV_FN_GRANT, HV_FN_TEST_GRANT, 0x84000000 };

		vf.x[0] = fns[i];
		vf.x[1] = vf.x[2] = vf.x[3] = 7;
		hvc_dispatch(&vf, NULL, false);
		CHECK_EQ((s64)vf.x[0], HV_E_NOT_SUPPORTED);
		CHECK_EQ(vf.x[1] | vf.x[2] | vf.x[3], 0);
	}
	vf.x[0] = HV_FN_VERSION;
	vf.x[1] = 7;
	hvc_dispatch(&vf, NULL, true);
	CHECK_EQ((s64)vf.x[0], -1);
	CHECK_EQ(vf.x[1], 7);
	vf.x[0] = 0x80000000; /* SMCCC_VERSION */
	hvc_dispatch(&vf, NULL, true);
	CHECK_EQ(vf.x[0], 0x10001);
	/* A guest: VERSION is answered; the VMM's calls, and VERSION over
	 * SMC, are the VMM's (an exit). */
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	guest_hvc(1, HV_FN_VERSION, 0, 0, 0);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(vf.x[0], HV_OK);
	guest_hvc(1, HV_FN_VM_DESTROY, vm, 0, 0);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(vf.x[1], HV_EXIT_HVC);
	CHECK_EQ(vf.x[2], HV_FN_VM_DESTROY);
	CHECK_EQ(vf.x[6], 0);
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	vf.x[0] = HV_FN_VERSION;
	hvc_dispatch(&vf, vcpu_current(), true);
	resume(&vf);
	CHECK_EQ(vf.x[1], HV_EXIT_HVC);
	CHECK_EQ(vf.x[6], 1);
	CHECK_EQ(mem_vm_state(vm), VM_RUNNING);
	finish(1);
}
