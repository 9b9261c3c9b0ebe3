/*
 * hostile lend NAME (test builds only): a VMM that lends frames (HV_FN_LEND)
 * to get one into a VM as its memory, or a VM's frame into another's view:
 * a running VM's own frame, a lend inside its RAM, a second lend; a
 * scratch frame lent to a new VM and then given to it and to a third; and
 * CPU 0 lending and taking back that frame while CPU 1 keeps trying to give
 * it away. After each call the frame's record must say what the call
 * said: lent (the VMM's, count 1) or given (the VM's, count 0), never both.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/palloc.h>
#include <vmm/vm.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

#define LEND_ROUNDS 2000
#define VM_RAM_AT UINT64_C(0x40000000)

static struct {
	u64 frame;
	u32 taker; /* the VM CPU 1 gives the frame to */
	u32 gives;
	u32 wrong; /* a record that contradicts a call's success */
	volatile bool started;
	volatile bool stop;
} lend;

static bool record_is(u64 pa, u64 owner, u64 count)
{
	struct hv_page_info pi;

	return hv_page_info(pa >> PAGE_SHIFT, &pi) == HV_OK && pi.owner == owner &&
	       pi.count == count;
}

static bool give_task(u32 cpu)
{
	(void)cpu;
	__atomic_store_n(&lend.started, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&lend.stop, __ATOMIC_ACQUIRE)) {
		if (hv_prot_and_map(lend.taker, VM_RAM_AT, lend.frame | 3, 3) == HV_OK) {
			lend.gives++;
			/* given: the VM's, and so never lent again */
			__atomic_add_fetch(&lend.wrong, !record_is(lend.frame, lend.taker, 0),
					   __ATOMIC_SEQ_CST);
			break;
		}
	}
	return true;
}

void hostile_lend(struct vm *vm)
{
	u64 block = palloc_block();
	u64 b = 0;
	u64 c = 0;
	u32 lends = 0;
	s64 st[8];

	if (block == 0) {
		con_printf("hostile lend: no scratch memory\n");
		return;
	}
	lend.frame = block;
	lend.gives = 0;
	lend.wrong = 0;
	lend.started = false;
	lend.stop = false;
	/* The VM's own frame, a lend in its RAM, a second lend. */
	st[0] = hv_lend(vm->vmid, 0x0a100000, vm->blocks[0]);
	st[1] = hv_lend(vm->vmid, vm->ram_ipa, block);
	st[2] = hv_lend(vm->vmid, 0x0a100000, block);
	if (st[2] == HV_OK) {
		(void)hv_unlend(vm->vmid); /* it had none (input waiting): ended */
	}
	/* Lent to a new VM, then given to it and to a third. */
	st[3] = hv_vm_create(VM_RAM_AT, BLOCK_SIZE, 0, &b);
	st[4] = hv_vm_create(VM_RAM_AT, BLOCK_SIZE, 0, &c);
	st[5] = st[3] == HV_OK ? hv_lend(b, 0x09000000, block) : st[3];
	st[6] = st[3] == HV_OK ? hv_prot_and_map(b, VM_RAM_AT, block | 3, 3) : st[3];
	st[7] = st[4] == HV_OK ? hv_prot_and_map(c, VM_RAM_AT, block | 3, 3) : st[4];
	lend.wrong += st[5] == HV_OK && !record_is(block, 0, 1);
	/*
	 * The race: CPU 1 gives while CPU 0 ends the lend and lends again.
	 * Either side may win: once the frame is given, every lend after it
	 * is refused, and the records must agree with each success.
	 */
	if (st[3] == HV_OK && st[4] == HV_OK && vmm_cpus_running >= 2) {
		lend.taker = (u32)c;
		hostile_post(1, give_task);
		while (!__atomic_load_n(&lend.started, __ATOMIC_ACQUIRE)) {
			__asm__ volatile("yield");
		}
		for (u32 i = 0; i < LEND_ROUNDS; i++) {
			(void)hv_unlend(b);
			if (hv_lend(b, 0x09000000, block) == HV_OK) {
				lends++;
				__atomic_add_fetch(&lend.wrong, !record_is(block, 0, 1),
						   __ATOMIC_SEQ_CST);
			}
		}
		__atomic_store_n(&lend.stop, true, __ATOMIC_RELEASE);
		while (hostile_pending(1)) {
			__asm__ volatile("yield");
		}
	}
	con_printf("hostile lend %s: its own frame %ld, in its RAM %ld, a second lend %ld; "
		   "lent to a new VM %ld, given to it %ld, to a third %ld; race: %u lends, "
		   "%u gives, %u records wrong\n",
		   vm->cfg.name, (long)st[0], (long)st[1], (long)st[2], (long)st[5], (long)st[6],
		   (long)st[7], lends, lend.gives, lend.wrong);
	/* Back to the VMM: the frame scrubbed if given, the lend ended. */
	for (u32 i = 0; i < 2; i++) {
		u64 id = i == 0 ? b : c;

		if (st[3 + i] == HV_OK) {
			(void)hv_vm_stop(id);
			(void)hv_clear_vm_range(id, block >> PAGE_SHIFT, 1);
			(void)hv_vm_destroy(id);
		}
	}
	if (record_is(block, 0, 0)) {
		con_printf("hostile lend: the frame is the VMM's again with count 0: yes\n");
		palloc_free(block);
	} else {
		con_printf("hostile lend: the frame is the VMM's again with count 0: no "
			   "(its block is not reused)\n");
	}
}

#endif
