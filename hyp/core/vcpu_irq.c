/*
 * Interrupts the VMM injects for a vCPU (HV_FN_IRQ_INJECT), wherever the
 * vCPU is: posted in its bitmap, and moved into the list registers by the
 * CPU that runs it, as it enters (vcpu_run), when its guest waits
 * (guest_wfx) and when that CPU takes the wake SGI the posting sent
 * (vcpu_wake_irq). A guest in a run never exits for an injection. Its
 * timer interrupt, when no list register was free, waits with them, and
 * the maintenance interrupt of the list registers' underflow takes them
 * in as soon as the guest has taken the ones before (vcpu_maint_irq). A
 * GICv3 guest's SGIs are posted the same way (vcpu_inject.c).
 */
#include <generated/autoconf.h>
#include <hyp/gic.h>
#include <lib/lib.h>

#include "vcpu_priv.h"

u32 vcpu_post_irq(struct vcpu *v, u32 intid)
{
	/* Posted, then running read: a CPU that gives the vCPU up stores
	 * running = 0, then reads posted_words (release, in vcpu.c), so one
	 * of the two sees the other's store. A wake sent to a CPU the vCPU
	 * has just left is only a spurious interrupt there. */
	__atomic_or_fetch(&v->posted[intid / 64], UINT64_C(1) << (intid % 64), __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&v->posted_words, UINT64_C(1) << (intid / 64), __ATOMIC_SEQ_CST);
	return __atomic_load_n(&v->running, __ATOMIC_SEQ_CST) != 0
		       ? __atomic_load_n(&v->cpu, __ATOMIC_RELAXED)
		       : CONFIG_MAX_CPUS;
}

/*
 * Whether any is left, having asked for the underflow interrupt if so (or
 * turned it off if not): the usual case, nothing left and nothing asked
 * for, is a compare. Every list register holds one when any is left, and
 * the underflow comes once the guest has taken all but one.
 */
static inline bool left(struct vcpu *v, bool any)
{
	if (any != v->lr_underflow) {
		v->lr_underflow = any;
		gic_underflow_irq(any);
	}
	return any;
}

bool vcpu_take_posted(struct vcpu *v)
{
	u64 words;

	if (v->vtimer_owed && gic_inject(INTID_VTIMER)) {
		v->vtimer_owed = false; /* first: its timer is masked till then */
	}
	/* Sequentially consistent (LDAR, which is not reordered before the
	 * STLR of claim's running; a weaker acquire, LDAPR, would be): a
	 * poster reads running after its bits, so one of the two sees the
	 * other. */
	if (__atomic_load_n(&v->posted_words, __ATOMIC_SEQ_CST) == 0) {
		return left(v, v->vtimer_owed);
	}
	/* Only the words posted[] has, whatever the word holds. */
	words = __atomic_exchange_n(&v->posted_words, 0, __ATOMIC_SEQ_CST) &
		((UINT64_C(1) << ARRAY_SIZE(v->posted)) - 1);

	while (words != 0) {
		u32 w = (u32)__builtin_ctzll(words);
		u64 bits = __atomic_exchange_n(&v->posted[w], 0, __ATOMIC_SEQ_CST);

		while (bits != 0 && gic_inject(w * 64 + (u32)__builtin_ctzll(bits))) {
			bits &= bits - 1;
		}
		if (bits != 0) {
			/* No list register free: the rest waits for the
			 * underflow, or the next entry, wait or wake. */
			__atomic_or_fetch(&v->posted[w], bits, __ATOMIC_SEQ_CST);
			__atomic_or_fetch(&v->posted_words, words, __ATOMIC_SEQ_CST);
			return left(v, true);
		}
		words &= words - 1;
	}
	return left(v, v->vtimer_owed);
}

void vcpu_maint_irq(struct vcpu *v)
{
	(void)vcpu_take_posted(v); /* which turns the underflow off if done */
}

void vcpu_timer_irq(struct vcpu *v)
{
	/* Mask the timer's output until the guest reprograms it (its
	 * handler writes CNTV_CTL), and let the guest see the interrupt. */
	arch_vtimer_mask();
	if (!gic_inject(INTID_VTIMER)) {
		/* Every list register holds an interrupt the guest has not
		 * taken yet: owed, taken in with the posted ones (at the next
		 * entry, wait or wake). Dropping it would leave the timer
		 * masked for good, since the guest never saw it. */
		v->vtimer_owed = true;
		(void)left(v, true);
	}
}
