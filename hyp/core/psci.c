/*
 * PSCI (Arm DEN0022, version 1.1) for guests, served by the hyp: a
 * protected VM's power state is its own. CPU_ON starts only a vCPU that
 * is off, at the entry point and context id the calling guest passed;
 * CPU_OFF and SYSTEM_OFF/RESET change state here before the VMM hears of
 * them; the VMM is only told (HV_EXIT_POWER) so that it schedules. The
 * conduit is HVC, as the guest's device tree says; a PSCI call over SMC
 * is answered NOT_SUPPORTED, here too.
 */
#include <hyp/hvc.h>
#include <hyp/mem.h>
#include <hyp/smccc.h>
#include <lib/lib.h>

#include "vcpu_priv.h"

/* Function ids (DEN0022 5.1): SMC32 0x84000000 + n, SMC64 0xC4000000 + n. */
#define PSCI_FN_MASK 0xffffffe0U
#define PSCI_FN32 0x84000000U
#define PSCI_FN64 0xc4000000U
#define PSCI_VERSION 0x00U
#define PSCI_CPU_OFF 0x02U
#define PSCI_CPU_ON 0x03U
#define PSCI_AFFINITY_INFO 0x04U
#define PSCI_MIGRATE_INFO_TYPE 0x06U
#define PSCI_SYSTEM_OFF 0x08U
#define PSCI_SYSTEM_RESET 0x09U
#define PSCI_FEATURES 0x0aU

/* Return codes and values (DEN0022 5.2.2, 5.9, 5.7). */
#define PSCI_VERSION_1_1 0x10001
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_INVALID_ADDRESS (-9)
#define AFFINITY_ON 0
#define AFFINITY_OFF 1
#define MIGRATE_NOT_NEEDED 2 /* no Trusted OS that needs migrating */

/* The vCPU an MPIDR value names: Aff0 only (the guest's MPIDR layout). */
static struct vcpu *target_of(const struct vcpu *v, u64 mpidr)
{
	return mpidr < HV_MAX_VCPUS ? vcpu_lookup(v->vmid, mpidr) : NULL;
}

static s64 cpu_on(struct vcpu *v, u64 mpidr, u64 entry, u64 context)
{
	struct vcpu *t = target_of(v, mpidr);
	s64 ret;

	if (t == NULL) {
		return PSCI_INVALID_PARAMETERS;
	}
	if ((entry & 3) != 0 || !mem_vm_in_ram(v->vmid, ipa_of(entry))) {
		return PSCI_INVALID_ADDRESS;
	}
	spin_lock(&vcpu_lock);
	if (t->state == VCPU_NONE) {
		ret = PSCI_INVALID_PARAMETERS;
	} else if (t->state == VCPU_ON) {
		ret = PSCI_ALREADY_ON;
	} else if (t->state != VCPU_OFF) {
		ret = PSCI_INTERNAL_FAILURE; /* it died: it stays down */
	} else {
		/* Off means not on any CPU (release() turns it off and lets
		 * go in one critical section): nobody else touches it. */
		vcpu_reset(t, entry, context);
		ret = PSCI_SUCCESS;
	}
	spin_unlock(&vcpu_lock);
	return ret;
}

static s64 affinity_info(const struct vcpu *v, u64 mpidr, u64 level)
{
	const struct vcpu *t = target_of(v, mpidr);
	u32 state;

	if (t == NULL || level != 0) {
		return PSCI_INVALID_PARAMETERS;
	}
	state = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
	if (state == VCPU_NONE) {
		return PSCI_INVALID_PARAMETERS;
	}
	return state == VCPU_ON ? AFFINITY_ON : AFFINITY_OFF;
}

static s64 features(u64 fn)
{
	u32 n = (u32)fn & ~PSCI_FN_MASK;

	/* How a caller learns that SMCCC 1.1 is there (DEN0028 7.x). */
	if (fn == SMCCC_VERSION) {
		return PSCI_SUCCESS;
	}
	if ((fn & PSCI_FN_MASK) == PSCI_FN32 &&
	    (n == PSCI_VERSION || n == PSCI_CPU_OFF || n == PSCI_CPU_ON ||
	     n == PSCI_AFFINITY_INFO || n == PSCI_MIGRATE_INFO_TYPE || n == PSCI_SYSTEM_OFF ||
	     n == PSCI_SYSTEM_RESET || n == PSCI_FEATURES)) {
		return PSCI_SUCCESS;
	}
	if ((fn & PSCI_FN_MASK) == PSCI_FN64 && (n == PSCI_CPU_ON || n == PSCI_AFFINITY_INFO)) {
		return PSCI_SUCCESS;
	}
	return PSCI_NOT_SUPPORTED;
}

bool psci_owns(u64 fn)
{
	return (fn >> 32) == 0 && ((fn & PSCI_FN_MASK) == PSCI_FN32 || (fn & PSCI_FN_MASK) == PSCI_FN64);
}

void psci_call(const struct hvc_call *c)
{
	struct vcpu *v = c->v;
	struct trap_frame *f = c->f;
	u64 fn = f->x[0];
	u32 n = (u32)fn & ~PSCI_FN_MASK;
	bool smc64 = (fn & PSCI_FN_MASK) == PSCI_FN64;
	s64 ret = PSCI_NOT_SUPPORTED;

	if (!psci_owns(fn)) {
		return; /* the table sends only PSCI's ids */
	}
	if (c->smc) {
		n = UINT32_MAX; /* the guest's device tree names HVC only */
	}
	switch (n) {
	case PSCI_VERSION:
		ret = smc64 ? PSCI_NOT_SUPPORTED : PSCI_VERSION_1_1;
		break;
	case PSCI_FEATURES:
		ret = smc64 ? PSCI_NOT_SUPPORTED : features(f->x[1]);
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = smc64 ? PSCI_NOT_SUPPORTED : MIGRATE_NOT_NEEDED;
		break;
	case PSCI_CPU_ON:
		ret = cpu_on(v, smc64 ? f->x[1] : (u32)f->x[1], smc64 ? f->x[2] : (u32)f->x[2],
			     smc64 ? f->x[3] : (u32)f->x[3]);
		if (ret == PSCI_SUCCESS) {
			f->x[0] = PSCI_SUCCESS;
			vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_POWER,
							.power = { HV_POWER_CPU_ON, f->x[1] & 0xff } });
			return;
		}
		break;
	case PSCI_AFFINITY_INFO:
		ret = affinity_info(v, smc64 ? f->x[1] : (u32)f->x[1],
				    smc64 ? f->x[2] : (u32)f->x[2]);
		break;
	case PSCI_CPU_OFF:
		if (smc64) {
			break;
		}
		/* Off once this exit has saved it; it never returns. */
		v->power_off = true;
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_POWER,
						.power.event = HV_POWER_CPU_OFF });
		return;
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		if (smc64) {
			break;
		}
		/* The whole VM stops here: none of its vCPUs runs again (the
		 * VM exists while one of them runs, so this cannot fail). The
		 * VMM tears it down, or builds it anew for a reset. */
		ret = mem_vm_stop(v->vmid);
		vcpu_exit(f, &(struct hv_exit){ .reason = HV_EXIT_POWER,
						.power.event = n == PSCI_SYSTEM_OFF
								       ? HV_POWER_SYSTEM_OFF
								       : HV_POWER_SYSTEM_RESET });
		return;
	default:
		break;
	}
	f->x[0] = (u64)ret;
}
