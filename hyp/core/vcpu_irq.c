/*
 * Interrupts the VMM injects for a vCPU (HV_FN_IRQ_INJECT), wherever the
 * vCPU is: posted in its bitmap, and moved into the list registers by the
 * CPU that runs it, as it enters (vcpu_run), when its guest waits
 * (guest_wfx) and when that CPU takes the wake SGI the posting sent
 * (vcpu_wake_irq). A guest in a run never exits for an injection.
 */
#include <hyp/gic.h>

#include "vcpu_priv.h"

void vcpu_post_irq(struct vcpu *v, u32 intid)
{
	/* Posted, then running read: a CPU that gives the vCPU up stores
	 * running = 0, then reads posted_words (release, in vcpu.c), so one
	 * of the two sees the other's store. */
	__atomic_or_fetch(&v->posted[intid / 64], UINT64_C(1) << (intid % 64), __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&v->posted_words, UINT64_C(1) << (intid / 64), __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->running, __ATOMIC_SEQ_CST) != 0) {
		gic_send_wake(v->cpu);
	}
}

bool vcpu_take_posted(struct vcpu *v)
{
	u64 words = __atomic_exchange_n(&v->posted_words, 0, __ATOMIC_SEQ_CST);

	while (words != 0) {
		u32 w = (u32)__builtin_ctzll(words);
		u64 bits = __atomic_exchange_n(&v->posted[w], 0, __ATOMIC_SEQ_CST);

		while (bits != 0 && gic_inject(w * 64 + (u32)__builtin_ctzll(bits))) {
			bits &= bits - 1;
		}
		if (bits != 0) {
			/* No list register free: the rest waits for the next
			 * entry, wait or wake. */
			__atomic_or_fetch(&v->posted[w], bits, __ATOMIC_SEQ_CST);
			__atomic_or_fetch(&v->posted_words, words, __ATOMIC_SEQ_CST);
			return true;
		}
		words &= words - 1;
	}
	return false;
}
