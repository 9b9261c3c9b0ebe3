/*
 * The hostile VMM's answer to guests' calls (test builds only,
 * CONFIG_TEST_HOOKS): `hostile hvc on` makes the VMM answer every call a
 * guest addresses to it (HV_EXIT_HVC) with "success, version 1.2"
 * (0x10002 in x0..x3) and print a line naming the function id, so that
 * tests/hostile/test_smccc.py sees which calls reach the VMM. The hyp
 * answers SMCCC's architecture calls and TRNG itself: none of those may
 * ever appear. `hostile hvc off` restores the honest answer.
 */
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/vm.h>

#if CONFIG_TEST_HOOKS

#define HOSTILE_ANSWER 0x10002 /* SMCCC_VERSION 1.2, and >= 0: "success" */

static volatile bool answering;
static u64 answered;

bool hostile_hvc_answer(struct vm *vm, u64 fn, u64 reply[4])
{
	if (!__atomic_load_n(&answering, __ATOMIC_ACQUIRE)) {
		return false;
	}
	for (u32 i = 0; i < 4; i++) {
		reply[i] = HOSTILE_ANSWER;
	}
	__atomic_fetch_add(&answered, 1, __ATOMIC_RELAXED);
	con_printf("hostile hvc: vm %s asked the VMM fn 0x%lx: answered 0x%x\n", vm->cfg.name,
		   (unsigned long)fn, HOSTILE_ANSWER);
	return true;
}

void cmd_hostile_hvc(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "on") != 0 && strcmp(argv[2], "off") != 0)) {
		con_printf("usage: hostile hvc on|off\n");
		return;
	}
	__atomic_store_n(&answering, strcmp(argv[2], "on") == 0, __ATOMIC_RELEASE);
	con_printf("hostile hvc: %s; %lu calls answered so far\n", argv[2],
		   (unsigned long)__atomic_load_n(&answered, __ATOMIC_RELAXED));
}

#endif /* CONFIG_TEST_HOOKS */
