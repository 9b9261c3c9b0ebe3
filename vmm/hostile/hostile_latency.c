/*
 * The hostile VMM's timing of its own memory calls (test builds only,
 * CONFIG_TEST_HOOKS): `hostile latency CALLS`, for tests/hostile/
 * test_bounded.py. See hostile.c.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/hostile.h>

#if CONFIG_TEST_HOOKS

/** F10: how long the hyp's memory lock keeps the VMM waiting while guests
 * grant and revoke. Calls spaced by about 1 ms. */
void hostile_latency(int argc, char **argv)
{
	u64 calls = 0;
	u64 freq = vm_counter_freq();
	u64 worst = 0;
	u64 sum = 0;
	struct hv_mem_info mi;

	if (argc != 3 || !fmt_parse_u64(argv[2], strlen(argv[2]), &calls) || calls == 0 ||
	    calls > 100000) {
		con_printf("usage: hostile latency CALLS (1-100000)\n");
		return;
	}
	for (u64 i = 0; i < calls; i++) {
		u64 t0 = vm_counter();
		u64 t;

		(void)hv_mem_info(0, &mi);
		t = vm_counter() - t0;
		worst = MAX(worst, t);
		sum += t;
		while (vm_counter() - t0 < freq / 1000) {
		}
	}
	con_printf("hostile latency: %lu MEM_INFO calls, mean %lu us, worst %lu us\n",
		   (unsigned long)calls, (unsigned long)(sum * 1000000 / freq / calls),
		   (unsigned long)(worst * 1000000 / freq));
}

#endif /* CONFIG_TEST_HOOKS */
