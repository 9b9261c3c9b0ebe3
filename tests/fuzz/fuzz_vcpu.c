/*
 * libFuzzer target over the vCPU life cycle (hyp/core/vcpu.c, psci.c, the
 * guests' side of the call table in hvc.c) with
 * the memory core under it, on the fake arch of the host tests: each input
 * is a sequence of VMM calls (VM create/start/stop/destroy, memory, vCPU
 * create/init/run with any reply, interrupt injection, clear) and guest
 * traps (PSCI calls, other calls, data aborts, interrupts) on four
 * simulated CPUs. After every step:
 *   - the memory invariants of docs/security.md hold;
 *   - each VM's count of vCPUs on a CPU is the number of CPUs running one;
 *   - a VM that does not exist has no vCPU (its registers went with it);
 *   - VCPU_INIT never succeeds once the VM has started, and then changes
 *     nothing;
 *   - a clear or destroy that succeeded found no vCPU on a CPU;
 *   - each CPU's EL2 stack is as entry.S keeps it (every exception saves
 *     its frame under SP_EL2, lower_resume returns through the frame
 *     vcpu_resume names with SP_EL2 just above it): empty while the VMM
 *     runs; while a guest runs, SP_EL2 is just above its vCPU's registers
 *     (its exceptions save straight into them) and the VMM's VCPU_RUN
 *     frame waits alone and unchanged on the stack, where
 *     hyp_guest_stack names it; and at every exit the VMM gets back its
 *     own registers but x0..x6.
 * A violation aborts.
 */
#include <stdlib.h>
#include <string.h>

#include <arm/esr.h>
#include <hyp/hvc.h>
#include <hyp/mem.h>
#include <hyp/trap.h>
#include <hyp/vcpu.h>

#include "../../hyp/core/vcpu_priv.h"
#include "fake_arch.h"
#include "fake_vcpu.h"
#include "fuzz_input.h"
#include "mem_invariants.h"

#define CPUS 4
#define RAM UINT64_C(0x40000000)
#define RAM_SIZE (UINT64_C(16) << 20)
#define HOST_FREE0 (FAKE_BANK0 + FAKE_HYP_SIZE)

#define STACK 4096

/* Each CPU's registers at EL1 (as its last return left them), its EL2
 * stack and stack pointer, and the VMM's registers at its last VCPU_RUN. */
static struct trap_frame regs[CPUS];
static _Alignas(16) u8 stacks[CPUS][STACK];
static u8 *sp_of[CPUS];
static struct trap_frame vmm_at_run[CPUS];

static u8 *stack_top(u32 cpu)
{
	return stacks[cpu] + STACK;
}

/*
 * An exception on cpu: the vector saves the registers in a frame under
 * SP_EL2 (in the VMM's world on the stack; in a guest's, SP_EL2 is just
 * above the vCPU's registers, so the frame is those registers), and
 * entry.S's frame_to_x22 moves the handler's stack under the VMM's frame
 * (hyp_guest_stack) when that is set.
 */
static struct trap_frame *enter(u32 cpu)
{
	struct trap_frame *f;

	fake_cpu = cpu;
	if (sp_of[cpu] == NULL) {
		sp_of[cpu] = stack_top(cpu);
	}
	f = (struct trap_frame *)(void *)(sp_of[cpu] - sizeof(struct trap_frame));
	if (vcpu_current() != NULL ? f != &vcpu_current()->regs
				   : (u8 *)f < stacks[cpu] || hyp_guest_stack[cpu] != 0) {
		abort(); /* the frame would land on something else */
	}
	memcpy(f, &regs[cpu], sizeof(*f));
	sp_of[cpu] = (u8 *)f;
	return f;
}

/* lower_resume on cpu after the handler of the exception whose frame is
 * from: the registers come from the frame vcpu_resume names, SP_EL2 just
 * above it; the EL2 stack below what stays live is dead (overwritten). */
static void resume(u32 cpu, struct trap_frame *from)
{
	struct trap_frame *vmm_frame = (struct trap_frame *)(void *)(stack_top(cpu) -
								      sizeof(struct trap_frame));
	struct trap_return r;
	u8 *sp;

	fake_cpu = cpu;
	r = vcpu_resume(from);
	sp = (u8 *)(uintptr_t)r.sp;
	if (sp != (u8 *)(r.frame + 1) || ((uintptr_t)sp & 15) != 0) {
		abort();
	}
	memcpy(&regs[cpu], r.frame, sizeof(regs[cpu]));
	sp_of[cpu] = sp;
	if (vcpu_current() == NULL) {
		if (sp != stack_top(cpu) || hyp_guest_stack[cpu] != 0) {
			abort(); /* the VMM runs on an empty EL2 stack */
		}
		memset(stacks[cpu], 0xdd, STACK);
		for (u32 i = 7; i < 31; i++) {
			if (regs[cpu].x[i] != vmm_at_run[cpu].x[i]) {
				abort(); /* a guest's register reached the VMM */
			}
		}
		if (regs[cpu].sp_el0 != vmm_at_run[cpu].sp_el0 || regs[cpu].elr != vmm_at_run[cpu].elr ||
		    regs[cpu].spsr != vmm_at_run[cpu].spsr) {
			abort();
		}
	} else if (r.frame != &vcpu_current()->regs ||
		   hyp_guest_stack[cpu] != (u64)(uintptr_t)vmm_frame ||
		   memcmp(vmm_frame, &vmm_at_run[cpu], sizeof(struct trap_frame)) != 0) {
		abort(); /* the VMM's frame must wait, unchanged, on the stack */
	} else {
		memset(stacks[cpu], 0xdd, (size_t)((u8 *)vmm_frame - stacks[cpu]));
	}
}

/* Mostly the first two VMs, and their first two vCPUs: the calls meet. */
static u32 pick_vmid(struct input *in)
{
	u64 v = take(in, 1);

	return (u32)(v < 192 ? 1 + v % 2 : v % (CONFIG_MAX_VMS + 2));
}

static u64 pick_vcpu(struct input *in)
{
	u64 v = take(in, 1);

	return v < 192 ? v % 2 : v % 10;
}

/* A guest address: mostly in the first pages of its RAM (where memory is
 * given), its RAM's edges, the device page, or anything. */
static u64 pick_ipa(struct input *in)
{
	u64 sel = take(in, 1) % 8;

	if (sel == 0) {
		return take(in, 8);
	}
	if (sel == 1) {
		return FAKE_VM_DEV_IPA + take(in, 2) % PAGE_SIZE;
	}
	if (sel == 2) {
		return RAM + RAM_SIZE - PAGE_SIZE + take(in, 2) % (2 * PAGE_SIZE);
	}
	return RAM + (take(in, 1) % 16) * PAGE_SIZE + (sel == 3 ? take(in, 2) % PAGE_SIZE : 0);
}

static u64 pick_psci(struct input *in)
{
	static const u64 fns[] = { 0x84000000, 0x84000002, 0x84000003, 0xc4000003,
				   0x84000004, 0xc4000004, 0x84000006, 0x84000008,
				   0x84000009, 0x8400000a, 0x84000001, 0xc4000012,
				   0x8400001f, HV_FN_GRANT, HV_FN_REVOKE, HV_FN_VERSION };

	return fns[take(in, 1) % (sizeof(fns) / sizeof(fns[0]))];
}

static bool running_on(u32 cpu)
{
	fake_cpu = cpu;
	return vcpu_current() != NULL;
}

/* The guest on cpu traps: a call, a data abort or an interrupt. */
static void guest_event(struct input *in, u32 cpu)
{
	struct trap_frame *f = enter(cpu);
	u64 kind = take(in, 1) % 6;

	if (kind <= 1) {
		f->x[0] = pick_psci(in);
		f->x[1] = take(in, 1) % 2 ? take(in, 1) % 10 : take(in, 8);
		f->x[2] = kind == 0 ? pick_ipa(in) : take(in, 8);
		f->x[3] = take(in, 8);
		hvc_dispatch(f, vcpu_current(), false);
	} else if (kind == 2) {
		u64 ipa = pick_ipa(in);
		const struct trap_info t = { ESR_FROM_EC(EC_DABT_LOW) | (take(in, 4) & ESR_ISS_MASK), ipa,
					     ipa, vcpu_current() };

		guest_abort(f, &t);
	} else if (kind == 3) {
		vcpu_irq_exit(f, take(in, 1) % 2 ? HV_INTID_TICK : HV_INTID_KICK);
	} else if (kind == 4) {
		vcpu_guest_serror(f);
	} else {
		f->x[0] = HV_FN(take(in, 1));
		hvc_dispatch(f, vcpu_current(), false);
	}
	resume(cpu, f);
}

static void check(void)
{
	if (mem_invariant_violations() != 0) {
		abort();
	}
	for (u32 id = 1; id <= CONFIG_MAX_VMS; id++) {
		u32 on_cpu = 0;

		for (u32 c = 0; c < CPUS; c++) {
			on_cpu += running_on(c) && vcpu_current()->vmid == id;
		}
		if (mem_vm_loaded(id) != on_cpu) {
			abort(); /* the count stop, clear and destroy rely on */
		}
		for (u32 i = 0; mem_vm_state(id) == VM_FREE && i < HV_MAX_VCPUS; i++) {
			if (vcpu_lookup(id, i)->state != VCPU_NONE) {
				abort(); /* a vCPU outlived its VM */
			}
		}
	}
}

/* Every vCPU off its CPU, every VM gone: the next input starts afresh. */
static void finish(void)
{
	for (u32 c = 0; c < CPUS; c++) {
		if (running_on(c)) {
			struct trap_frame *f = enter(c);

			vcpu_irq_exit(f, HV_INTID_TICK);
			resume(c, f);
		}
	}
	fake_cpu = 0;
	for (u32 id = 1; id <= CONFIG_MAX_VMS; id++) {
		if (mem_vm_state(id) != VM_FREE &&
		    (vcpu_vm_stop(id) != HV_OK ||
		     mem_clear_vm_range(id, pfn_of(0), UINT64_C(1) << 39) != HV_OK ||
		     vcpu_vm_destroy(id) != HV_OK)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };

	if (fake_machine_init(48, 24, 12) != 0) {
		abort();
	}
	for (int step = 0; step < 64 && in.n > 0; step++) {
		u32 cpu = (u32)take(&in, 1) % CPUS;
		u32 vmid = pick_vmid(&in);
		u64 idx = pick_vcpu(&in);
		u32 before = mem_vm_state(vmid);
		s64 r = HV_OK;

		switch (take(&in, 1) % 12) {
		case 0: {
			struct mem_vm_layout l = { ipa_of(RAM), RAM_SIZE, { 0 }, { 0 }, 0 };

			if (take(&in, 1) & 1) {
				l.dev_ipa = ipa_of(FAKE_VM_DEV_IPA);
				l.dev_pa = pa_of(FAKE_DEV);
				l.dev_size = PAGE_SIZE;
			}
			r = vcpu_vm_create(&l, 0, &vmid);
			break;
		}
		case 1:
			r = mem_prot_and_map(vmid, ipa_of(RAM + (take(&in, 1) % 16) * PAGE_SIZE),
					     (HOST_FREE0 + (take(&in, 2) % 1024) * PAGE_SIZE) | 3, 3);
			break;
		case 2:
			r = vcpu_create(vmid, idx);
			break;
		case 3: {
			const struct vcpu *v = vcpu_lookup(vmid, idx);
			struct trap_frame regs = v != NULL ? v->regs : (struct trap_frame){ 0 };

			r = vcpu_init(vmid, idx, pick_ipa(&in), take(&in, 8));
			if (before != VM_CREATED &&
			    (r == HV_OK || (v != NULL && memcmp(&regs, &v->regs, sizeof(regs)) != 0))) {
				abort(); /* the VMM set a started vCPU's registers */
			}
			break;
		}
		case 4:
			r = mem_vm_start(vmid);
			break;
		case 5:
			if (!running_on(cpu)) {
				struct trap_frame *f;

				/* The VMM's registers: the call, and values of its own. */
				for (u32 i = 7; i < 31; i++) {
					regs[cpu].x[i] = UINT64_C(0x7700000000) | (cpu << 8) | i;
				}
				regs[cpu].x[0] = HV_FN_VCPU_RUN;
				regs[cpu].x[1] = take(&in, 1) % 8 == 0 ? take(&in, 8) : vmid;
				regs[cpu].x[2] = idx | (take(&in, 1) % 8) << 16;
				regs[cpu].x[3] = take(&in, 8);
				regs[cpu].elr = 0x77000 | cpu;
				f = enter(cpu);
				vmm_at_run[cpu] = *f;
				fake_serror = take(&in, 1) % 16 == 0; /* pending at entry */
				vcpu_run(f);
				fake_serror = false;
				resume(cpu, f);
			}
			break;
		case 6:
		case 7:
			if (running_on(cpu)) {
				guest_event(&in, cpu);
			}
			break;
		case 8:
			if (!running_on(cpu)) {
				r = vcpu_vm_stop(vmid);
			}
			break;
		case 9:
			r = mem_clear_vm_range(vmid, pfn_of(0), UINT64_C(1) << 39);
			if (r == HV_OK && mem_vm_loaded(vmid) != 0) {
				abort();
			}
			break;
		case 10:
			r = vcpu_vm_destroy(vmid);
			break;
		default:
			r = vcpu_irq_inject(vmid, idx, take(&in, 2));
			break;
		}
		if (r > 0 || r < HV_E_NOT_GRANTED) {
			abort(); /* a status outside the ABI */
		}
		check();
	}
	finish();
	check();
	return 0;
}
