/*
 * Interrupts that reach a vCPU from outside it: the VMM's IRQ_INJECT, and
 * a GICv3 guest's SGIs, which the hyp posts itself where the VMM's
 * SGI_DIRECT masks allow and hands to the VMM otherwise. Both post
 * through vcpu_irq.c.
 */
#include <arm/sgi1r.h>
#include <generated/autoconf.h>
#include <hyp/gic.h>
#include <hyp/mem.h>
#include <lib/lib.h>

#include "vcpu_priv.h"

s64 vcpu_irq_inject(u32 vmid, u64 index, u64 intid)
{
	struct vcpu *v = vcpu_lookup(vmid, index);
	u32 target = CONFIG_MAX_CPUS;
	s64 ret;

	spin_lock(&vcpu_lock);
	if (mem_vm_state(vmid) == VM_FREE) {
		ret = HV_E_NOT_FOUND;
	} else if (v == NULL || v->state == VCPU_NONE || intid >= 1020) {
		ret = HV_E_INVALID;
	} else {
		target = vcpu_post_irq(v, (u32)index_nospec(intid, 1020));
		ret = HV_OK;
	}
	spin_unlock(&vcpu_lock);
	if (target < CONFIG_MAX_CPUS) {
		gic_send_wake(target); /* its CPU takes it in now */
	}
	return ret;
}

s64 vcpu_sgi_direct(u32 vmid, u64 index, u64 mask)
{
	struct vcpu *v = vcpu_lookup(vmid, index);
	s64 ret = HV_OK;

	spin_lock(&vcpu_lock);
	if (mem_vm_state(vmid) == VM_FREE) {
		ret = HV_E_NOT_FOUND;
	} else if (v == NULL || v->state == VCPU_NONE || (mask & ~HV_SGI_MASK) != 0) {
		ret = HV_E_INVALID;
	} else {
		__atomic_store_n(&v->sgi_direct, (u32)mask, __ATOMIC_RELAXED);
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

void vcpu_guest_sgi(struct trap_frame *f, struct vcpu *v, u64 sgi1r)
{
	const u32 intid = SGI1R_INTID(sgi1r);
	const u32 targets = sgi1r_targets(sgi1r, v->index, (1U << HV_MAX_VCPUS) - 1);
	u32 posted = 0;
	bool exit = false;

	for (u32 left = targets; left != 0; left &= left - 1) {
		/* The sender's VM runs (v is in it), so no destroy can wipe
		 * these vCPUs meanwhile: no vcpu_lock. */
		const u32 t = (u32)__builtin_ctz(left);
		struct vcpu *d = vcpu_lookup(v->vmid, t);
		/* Read once: PSCI and a fault change it meanwhile. */
		const u32 state = __atomic_load_n(&d->state, __ATOMIC_RELAXED);
		u32 cpu;

		if (state == VCPU_NONE) {
			continue;
		}
		if (state != VCPU_ON ||
		    ((__atomic_load_n(&d->sgi_direct, __ATOMIC_RELAXED) >> intid) & 1) == 0) {
			exit = true; /* the VMM's model decides */
			continue;
		}
		cpu = vcpu_post_irq(d, intid);
		posted |= 1U << t;
		if (d == v) {
			(void)vcpu_take_posted(v); /* its list registers are live here */
		} else if (cpu < CONFIG_MAX_CPUS) {
			gic_send_wake(cpu);
		} else {
			exit = true; /* in no run: the VMM makes it run */
		}
	}
	if (exit) {
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_SGI,
						.sgi = { sgi1r, posted } });
	}
}
