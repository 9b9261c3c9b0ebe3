/*
 * libFuzzer target over the memory interface of hyp/core/mem.c: each input
 * is a sequence of calls (VM life cycle, prot_and_map, clear, grant,
 * revoke, lend, unlend, VMM faults, info) with arguments drawn from the input, biased
 * towards frames and addresses of the simulated machine so that valid and
 * invalid requests mix. After every call the invariants of
 * docs/security.md must hold; a violation aborts.
 */
#include <stdlib.h>
#include <string.h>

#include <hyp/mem.h>

#include "fake_arch.h"
#include "fuzz_input.h"
#include "mem_invariants.h"

/* A physical address: mostly RAM of the machine, sometimes anything. */
static u64 pick_pa(struct input *in)
{
	u64 sel = take(in, 1);
	u64 off = take(in, 2) << PAGE_SHIFT;

	switch (sel & 7) {
	case 0:
		return take(in, 8);
	case 1:
		return FAKE_BANK1 + (off % FAKE_BANK1_SIZE);
	case 2:
		return FAKE_BANK0 + ((off & ~(BLOCK_SIZE - 1)) % FAKE_BANK0_SIZE);
	default:
		return FAKE_BANK0 + (off % FAKE_BANK0_SIZE);
	}
}

/* A guest address: small and often aligned, sometimes anything. */
static u64 pick_gpa(struct input *in)
{
	u64 sel = take(in, 1);

	switch (sel & 3) {
	case 0:
		return take(in, 8);
	case 1:
		return (take(in, 1) % 8) << BLOCK_SHIFT;
	default:
		return (take(in, 2) % 2048) << PAGE_SHIFT;
	}
}

static u32 pick_vmid(struct input *in)
{
	return (u32)(take(in, 1) % (CONFIG_MAX_VMS + 2));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	u64 out[3];
	const char *why;

	if (fake_machine_init(48, 24, 12) != 0) {
		abort();
	}
	for (int step = 0; step < 64 && in.n > 0; step++) {
		u32 op = take(&in, 1) % 16;
		u32 vmid = 0;
		u64 gpa;
		u64 len;
		s64 r;

		switch (op) {
		case 0:
			r = fake_vm_create(&vmid, take(&in, 1) & 1);
			break;
		case 1:
			r = mem_vm_start(pick_vmid(&in));
			break;
		case 2:
			r = mem_vm_stop(pick_vmid(&in));
			break;
		case 3:
			r = mem_vm_destroy(pick_vmid(&in));
			break;
		case 4:
		case 5:
			vmid = pick_vmid(&in);
			r = mem_prot_and_map(vmid, ipa_of(pick_gpa(&in)), pick_pa(&in),
					     2 + take(&in, 1) % 3 / 2);
			break;
		case 6:
			vmid = pick_vmid(&in);
			r = mem_clear_vm_range(vmid, pfn_of(pick_pa(&in) >> PAGE_SHIFT),
					       take(&in, 1) & 1 ? take(&in, 8) : take(&in, 2));
			break;
		case 7:
		case 8:
			vmid = pick_vmid(&in);
			gpa = pick_gpa(&in);
			len = take(&in, 1) & 1 ? take(&in, 8) : take(&in, 3);
			r = op == 7 ? mem_grant(vmid, ipa_of(gpa), len) : mem_revoke(vmid, ipa_of(gpa), len);
			/* Steps ran out: done that far, whole pages, less than len. */
			if (r > 0 && ((u64)r >= len || (r & (PAGE_SIZE - 1)) != 0)) {
				abort();
			}
			r = MIN(r, 0);
			break;
		case 9:
		case 10:
			r = mem_host_fault(ipa_of(pick_pa(&in)), take(&in, 1) & 1, &why);
			break;
		case 12:
			/* a vCPU going onto a CPU (its VM must run), or off */
			vmid = pick_vmid(&in);
			r = mem_vm_enter(vmid) ? HV_OK : HV_E_BUSY;
			break;
		case 13:
			vmid = pick_vmid(&in);
			r = HV_OK;
			if (mem_vm_loaded(vmid) != 0) {
				mem_vm_leave(vmid);
			}
			break;
		case 14:
			/* mostly beside the VMs' RAM, where a lend may go */
			vmid = pick_vmid(&in);
			gpa = take(&in, 1) & 1 ? pick_gpa(&in)
					       : FAKE_VM_DEV_IPA + ((take(&in, 1) % 4) << PAGE_SHIFT);
			r = mem_lend(vmid, ipa_of(gpa), pa_of(pick_pa(&in)));
			break;
		case 15:
			r = mem_unlend(pick_vmid(&in));
			break;
		default:
			r = mem_info(take(&in, 1), out);
			if (r == HV_OK) {
				r = mem_page_info(pfn_of(pick_pa(&in) >> PAGE_SHIFT), out);
			}
			break;
		}
		if (r > 0 || r < HV_E_NOT_GRANTED) {
			abort(); /* a status outside the ABI */
		}
		if (mem_invariant_violations() != 0) {
			abort();
		}
	}
	return 0;
}
