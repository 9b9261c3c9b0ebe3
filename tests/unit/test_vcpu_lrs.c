/*
 * Host tests of the list registers' underflow (hyp/core/vcpu_irq.c): the
 * interrupts that found every list register taken go in at the
 * maintenance interrupt, with no exit, and the next run asks for it again.
 */
#include <string.h>

#include <hyp/gic.h>
#include <hyp/vcpu.h>

#include "../../hyp/core/vcpu_priv.h"
#include "fake_vcpu.h"
#include "harness.h"
#include "vcpu_harness.h"

/* Injected while every list register is taken: the underflow's
 * maintenance interrupt is asked for, and once the guest has taken what
 * they held, it moves the rest in with no exit and is turned off; a run's
 * end turns it off too. */
TEST(interrupts_waiting_for_a_list_register_go_in_at_the_underflow)
{
	u32 vm = started_vm();
	u32 pending;

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	for (u32 id = 60; id < 60 + VGIC_LRS; id++) {
		CHECK_EQ(inject_from(2, vm, 0, id), HV_OK);
	}
	take_wake(1);
	CHECK(!fake_underflow[1]); /* all of them went in */
	CHECK_EQ(inject_from(2, vm, 0, 70), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 71), HV_OK);
	take_wake(1);
	CHECK(vcpu_current() != NULL);
	CHECK_EQ(lrs_with(1, 70, &pending), 0);
	CHECK(fake_underflow[1]);
	/* The guest takes and ends three: the underflow comes. */
	memset(fake_lr[1], 0, (VGIC_LRS - 1) * sizeof(fake_lr[1][0]));
	vcpu_maint_irq(vcpu_current());
	resume(&vf);
	CHECK(vcpu_current() != NULL); /* no exit */
	CHECK_EQ(lrs_with(1, 70, &pending), 1);
	CHECK_EQ(lrs_with(1, 71, &pending), 1);
	CHECK(!fake_underflow[1]);
	/* Full again with one waiting; the run ends: off with the save, and
	 * the next entry takes it in. */
	CHECK_EQ(inject_from(2, vm, 0, 72), HV_OK);
	CHECK_EQ(inject_from(2, vm, 0, 73), HV_OK);
	take_wake(1);
	CHECK(fake_underflow[1]);
	kick_out(1);
	CHECK(vcpu_current() == NULL);
	CHECK(!fake_underflow[1]);
	memset(vcpu_lookup(vm, 0)->vgic.lr, 0, sizeof(vcpu_lookup(vm, 0)->vgic.lr));
	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	CHECK_EQ(lrs_with(1, 73, &pending), 1);
	CHECK(!fake_underflow[1]);
	/* The timer firing with every list register taken asks for it too,
	 * and goes in at the underflow. */
	for (u32 id = 80; id < 80 + VGIC_LRS; id++) {
		CHECK_EQ(inject_from(2, vm, 0, id), HV_OK);
	}
	fake_cpu = 1;
	memset(fake_lr[1], 0, sizeof(fake_lr[1]));
	vcpu_wake_irq(&vf);
	resume(&vf);
	CHECK(!fake_underflow[1]);
	vcpu_timer_irq(vcpu_current());
	CHECK(fake_underflow[1]);
	CHECK_EQ(lrs_with(1, INTID_VTIMER, &pending), 0);
	memset(fake_lr[1], 0, sizeof(fake_lr[1]));
	vcpu_maint_irq(vcpu_current());
	resume(&vf);
	CHECK_EQ(lrs_with(1, INTID_VTIMER, &pending), 1);
	CHECK(!fake_underflow[1]);
	finish(1);
}

/* A run that ended with the underflow asked for, and the next on another
 * CPU with an interrupt still waiting: asked for again there (its record
 * of having asked is reset with the load, which turned it off). */
TEST(the_underflow_is_asked_for_again_in_the_next_run)
{
	u32 vm = started_vm();

	CHECK_EQ(run(1, vm, 0, 0), HV_OK);
	for (u32 id = 90; id < 90 + VGIC_LRS + 1; id++) {
		CHECK_EQ(inject_from(2, vm, 0, id), HV_OK);
	}
	take_wake(1);
	CHECK(fake_underflow[1]);
	kick_out(1);
	CHECK(vcpu_current() == NULL);
	CHECK_EQ(run(3, vm, 0, 0), HV_OK); /* its four list registers full again */
	CHECK(fake_underflow[3]);
	finish(3);
}
