/*
 * The hostile VMM's storm (test builds only): `hostile storm CALLS [SEED]`
 * makes random calls with random and targeted arguments from every CPU at
 * once, then checks that the hyp still answers on every CPU, that the VMs
 * it made are gone and that every scratch frame came back.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/palloc.h>
#include <vmm/vm.h>
#include <vmm/vmirq.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

/* ---------------------------------------------------------- the storm ---- */

/* Every VMM call of the ABI and a few ids around them; the test-only calls
 * are left out (they are not in what users run). */
static const u64 storm_fns[] = {
	HV_FN_VERSION,	   HV_FN_CPU_INFO,	HV_FN_CPU_START,      HV_FN_CPU_IDLE,
	HV_FN_CPU_WAKE,	   HV_FN_VM_CREATE,	HV_FN_VM_DESTROY,     HV_FN_VM_START,
	HV_FN_VM_STOP,	   HV_FN_PROT_AND_MAP,	HV_FN_CLEAR_VM_RANGE, HV_FN_MEM_INFO,
	HV_FN_PAGE_INFO,   HV_FN_GRANT,		HV_FN_REVOKE,	      HV_FN_VCPU_CREATE,
	HV_FN_VCPU_INIT,   HV_FN_VCPU_RUN,	HV_FN_IRQ_INJECT,     HV_FN_SGI_DIRECT,
	HV_FN_LEND,	   HV_FN_UNLEND,	HV_FN(0x14),	      HV_FN(0x27),
	HV_FN_DISK_IO,
	HV_FN(0x45),	   HV_FN(0x7c),
	0x84000000,
	HV_FN_PROT_AND_MAP, HV_FN_CLEAR_VM_RANGE, HV_FN_VCPU_INIT,    HV_FN_VM_CREATE,
};
#define STORM_FNS ARRAY_SIZE(storm_fns)
#define STORM_BURST 256
#define STORM_SCRATCH_BLOCKS 2

static struct {
	u64 calls_per_cpu;
	u64 seed;
	u64 scratch;           /* STORM_SCRATCH_BLOCKS blocks only it gives away */
	u32 victims[VM_MAX];   /* VMIDs of the running VMs: never stopped */
	u32 nvictims;
	u64 victim_frames[16]; /* some of their frames */
	u32 nframes;
	u64 done[VMM_MAX_CPUS];
	u64 ok[VMM_MAX_CPUS];
	u64 rng[VMM_MAX_CPUS];
	u32 created;           /* VMIDs it made (bit per VMID), destroyed at the end */
} storm;

static u64 rnd(u32 cpu)
{
	u64 x = storm.rng[cpu];

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	storm.rng[cpu] = x;
	return x;
}

static u64 pick(u32 cpu, const u64 *v, u32 n)
{
	return v[rnd(cpu) % n];
}

static bool is_victim(u64 vmid)
{
	for (u32 i = 0; i < storm.nvictims; i++) {
		if (storm.victims[i] == vmid) {
			return true;
		}
	}
	return false;
}

static u64 arg_vmid(u32 cpu)
{
	u64 k = rnd(cpu) % 8;

	if (k < 3 && storm.nvictims != 0) {
		return storm.victims[rnd(cpu) % storm.nvictims];
	}
	if (k < 6) {
		return 1 + rnd(cpu) % CONFIG_MAX_VMS;
	}
	return pick(cpu, (const u64[]){ 0, CONFIG_MAX_VMS + 1, HV_MAX_VMS, ~UINT64_C(0) }, 4);
}

/*
 * A physical address: a victim's or the hyp's frame, a scratch frame (only
 * if `give`: the storm gives away no other frame of the VMM's), or, when
 * nothing is given, an edge of the address space.
 */
static u64 arg_pa(u32 cpu, bool give)
{
	u64 k = rnd(cpu) % 10;
	u64 off = (rnd(cpu) % 512) << PAGE_SHIFT;

	if (k < 3 && storm.nframes != 0) {
		return storm.victim_frames[rnd(cpu) % storm.nframes] + (rnd(cpu) % 4 == 0 ? off : 0);
	}
	if (k < 5) {
		return vmm_boot->hyp.base + (rnd(cpu) % (vmm_boot->hyp.size >> PAGE_SHIFT) << PAGE_SHIFT);
	}
	if (k < 8) {
		/* unaligned for a block now and then */
		return storm.scratch + (rnd(cpu) % (STORM_SCRATCH_BLOCKS * 512) << PAGE_SHIFT);
	}
	if (give) {
		return pick(cpu, (const u64[]){ 0, UINT64_C(1) << 40, ~UINT64_C(0xfff) }, 3);
	}
	return pick(cpu,
		    (const u64[]){ 0, 0x1000, vmm_boot->bundle.base, 0x08010000, UINT64_C(1) << 40,
				   ~UINT64_C(0xfff), vmm_boot->ram[0].base + vmm_boot->ram[0].size },
		    7);
}

static u64 arg_gpa(u32 cpu)
{
	u64 k = rnd(cpu) % 6;

	if (k < 3) {
		return 0x40000000 + ((rnd(cpu) % 4096) << PAGE_SHIFT);
	}
	if (k < 4) {
		return 0x40000000 + ((rnd(cpu) % 8) << 21);
	}
	return pick(cpu,
		    (const u64[]){ 0, 0x08010000, 0x3ffff000, 0x41000000, (UINT64_C(1) << 40) - 0x1000,
				   UINT64_C(1) << 40, ~UINT64_C(0xfff), 0x40000800 },
		    8);
}

static u64 arg_size(u32 cpu)
{
	return pick(cpu,
		    (const u64[]){ 0, 1, 0x1000, 0x200000, 0x1000000, UINT64_C(1) << 40, ~UINT64_C(0),
				   512, 1 },
		    9);
}

/* One random call; HV_OK or its status. */
static s64 storm_call(u32 cpu)
{
	u64 fn = storm_fns[rnd(cpu) % STORM_FNS];
	u64 vmid = arg_vmid(cpu);
	u64 created;
	s64 st;

	switch (fn) {
	case HV_FN_VM_STOP:
	case HV_FN_VM_DESTROY:
		if (is_victim(vmid)) {
			return HV_E_DENIED; /* denial of service is the VMM's right */
		}
		st = fn == HV_FN_VM_STOP ? hv_vm_stop(vmid) : hv_vm_destroy(vmid);
		break;
	case HV_FN_VM_CREATE:
		st = hv_vm_create(arg_gpa(cpu), arg_size(cpu), 0, &created);
		if (st == HV_OK && created < 32) {
			__atomic_or_fetch(&storm.created, 1U << created, __ATOMIC_SEQ_CST);
		}
		break;
	case HV_FN_PROT_AND_MAP:
		/* Only scratch frames can be given, to any VM: a victim may
		 * grow, and the storm takes them back when it is destroyed. */
		st = hv_prot_and_map(vmid, arg_gpa(cpu), arg_pa(cpu, true) | 3,
				     rnd(cpu) % 4 == 0 ? rnd(cpu) % 5 : 3 - rnd(cpu) % 2);
		break;
	case HV_FN_LEND:
		/* A scratch frame at most, to a victim or one of its own VMs
		 * (storm_cleanup ends those lends), at a VM's UART page now
		 * and then: a victim's guest reads the scratch frame as its
		 * UART's registers until the VMM takes it back. */
		if (!is_victim(vmid) && (vmid >= 32 || (storm.created & (1U << vmid)) == 0)) {
			return HV_E_DENIED;
		}
		st = hv_lend(vmid, rnd(cpu) % 2 ? 0x09000000 + (rnd(cpu) % 3 << PAGE_SHIFT)
						: arg_gpa(cpu),
			     arg_pa(cpu, true));
		break;
	case HV_FN_UNLEND:
		st = hv_unlend(vmid);
		break;
	case HV_FN_CLEAR_VM_RANGE:
		st = hv_clear_vm_range(vmid, arg_pa(cpu, false) >> PAGE_SHIFT, arg_size(cpu));
		break;
	case HV_FN_VCPU_RUN: {
		/* A victim's vCPUs only with what the hyp must refuse: a vCPU
		 * it does not have, or a flag the ABI does not define. Were
		 * the storm to run them, it would drop their exits. */
		static const u64 refused[] = { HV_RUN_RETRY | 9, HV_RUN_WAIT_IN_GUEST | 9,
					       UINT64_C(1) << 19, UINT64_C(1) << 40 | 1 };
		u64 flags = is_victim(vmid) ? refused[rnd(cpu) % ARRAY_SIZE(refused)]
					    : (rnd(cpu) % 8) | ((rnd(cpu) % 8) << 16);
		const u64 reply[4] = { rnd(cpu), rnd(cpu), 0, 0 };

		st = hv_vcpu_run(vmid, flags, reply).status;
		break;
	}
	case HV_FN_IRQ_INJECT:
		st = hv_irq_inject(vmid, rnd(cpu) % 10,
				   is_victim(vmid) ? 1020 + rnd(cpu) % 4 : rnd(cpu) % 1100);
		break;
	case HV_FN_SGI_DIRECT:
		/* A victim's masks stay as its VMM set them: only refused ones. */
		st = hv_sgi_direct(vmid, rnd(cpu) % 10,
				   is_victim(vmid) ? HV_SGI_MASK + 1 + rnd(cpu) % 0x10000
						   : rnd(cpu) % 0x20000);
		break;
	case HV_FN_VCPU_INIT:
		st = hv_vcpu_init(vmid, rnd(cpu) % 10, arg_gpa(cpu), rnd(cpu));
		break;
	case HV_FN_CPU_IDLE:
		st = hv_cpu_idle(rnd(cpu) % 4 == 0 ? arg_size(cpu) : 1 + rnd(cpu) % 50);
		break;
	case HV_FN_CPU_START:
		st = hv_cpu_start(rnd(cpu) % 10, arg_pa(cpu, false), rnd(cpu));
		break;
	case HV_FN_DISK_IO: {
		/* Any op, aimed at a victim's, the hyp's or a scratch frame; a
		 * write only where the hyp must refuse it (the partition table,
		 * the boot partition, past the end): the VMs' disk and the bundle
		 * on the medium stay as they are. */
		u64 op = rnd(cpu) % 5;
		u64 sector = op == HV_DISK_WRITE ? pick(cpu, (const u64[]){ 0, 1, 2047, ~UINT64_C(0) }, 4)
						 : rnd(cpu) % 300000;

		st = hv_disk_io(op, sector, arg_pa(cpu, false) + (rnd(cpu) % 4 == 0 ? 512 : 0),
				pick(cpu, (const u64[]){ 0, 1, 8, HV_DISK_MAX_SECTORS, 129 }, 5), NULL);
		break;
	}
	default: {
		/* Any id with any registers: no typed wrapper says that, so
		 * these go through the stub as they are. */
		struct hv_regs r = { { fn, rnd(cpu) % 2 ? vmid : arg_pa(cpu, false) >> PAGE_SHIFT,
				       rnd(cpu) % 12, arg_gpa(cpu), arg_size(cpu) } };

		st = hv_hvc(&r);
		break;
	}
	}
	return st;
}

/* A worker's share, STORM_BURST calls at a time between vCPU runs. */
static bool storm_task(u32 cpu)
{
	for (u32 i = 0; i < STORM_BURST && storm.done[cpu] < storm.calls_per_cpu; i++) {
		storm.ok[cpu] += storm_call(cpu) == HV_OK;
		storm.done[cpu]++;
	}
	return storm.done[cpu] >= storm.calls_per_cpu;
}

static void storm_cleanup(u32 *destroyed, u32 *scratch_back)
{
	struct hv_page_info pi;

	*destroyed = 0;
	for (u32 id = 1; id < 32; id++) {
		if ((storm.created & (1U << id)) == 0 || is_victim(id)) {
			continue;
		}
		(void)hv_vm_stop(id);
		(void)hv_clear_vm_range(id, 0, UINT64_C(1) << 39);
		*destroyed += hv_vm_destroy(id) == HV_OK;
	}
	/* The victims' lends (a scratch frame may be one) end, and their
	 * UART frames are lent again. */
	for (u32 i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vm_table[i];

		if (vm->state == VM_FREE || !is_victim(vm->vmid)) {
			continue;
		}
		spin_lock(&vm->lock);
		(void)hv_unlend(vm->vmid);
		vm->uart_lent = false;
		vm->uart_no_lend = false;
		vm_uart_update(vm);
		spin_unlock(&vm->lock);
	}
	*scratch_back = 0;
	for (u32 p = 0; p < STORM_SCRATCH_BLOCKS * 512; p++) {
		(void)hv_page_info((storm.scratch >> PAGE_SHIFT) + p, &pi);
		*scratch_back += pi.owner == HV_OWNER_HOST && pi.count == 0; /* not lent */
	}
}

void hostile_storm(int argc, char **argv)
{
	u64 calls;
	u64 total = 0;
	u64 ok = 0;
	u32 cpus = vmm_cpus_running;
	u32 destroyed;
	u32 back;
	u32 answered = 0;

	if (argc < 3 || argc > 4 || !fmt_parse_u64(argv[2], strlen(argv[2]), &calls) ||
	    (argc == 4 && !fmt_parse_u64(argv[3], strlen(argv[3]), &storm.seed))) {
		con_printf("usage: hostile storm CALLS [SEED]\n");
		return;
	}
	storm.scratch = palloc_run(STORM_SCRATCH_BLOCKS);
	if (storm.scratch == 0) {
		con_printf("hostile storm: no scratch memory\n");
		return;
	}
	storm.calls_per_cpu = calls / cpus + 1;
	storm.nvictims = 0;
	storm.nframes = 0;
	storm.created = 0;
	for (u32 i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vm_table[i];

		if (vm->state != VM_RUNNING) {
			continue;
		}
		storm.victims[storm.nvictims++] = vm->vmid;
		for (u32 b = 0; b < vm->nblocks && storm.nframes < ARRAY_SIZE(storm.victim_frames);
		     b += 2) {
			if (vm->blocks[b] != 0) {
				storm.victim_frames[storm.nframes++] = vm->blocks[b];
			}
		}
	}
	for (u32 c = 0; c < VMM_MAX_CPUS; c++) {
		storm.done[c] = 0;
		storm.ok[c] = 0;
		storm.rng[c] = (storm.seed + 1) * 0x9e3779b97f4a7c15ULL + c;
	}
	con_printf("hostile storm: %lu calls from %u CPUs, seed %lu, against %u running VMs\n",
		   (unsigned long)(storm.calls_per_cpu * cpus), cpus, (unsigned long)storm.seed,
		   storm.nvictims);
	for (u32 c = 0; c < cpus; c++) {
		if (c != vmm_cpu()) {
			hostile_post(c, storm_task);
		}
	}
	while (!storm_task(vmm_cpu())) {
	}
	for (u32 c = 0; c < cpus; c++) {
		while (hostile_pending(c)) {
			__asm__ volatile("yield");
		}
		total += storm.done[c];
		ok += storm.ok[c];
		answered += storm.done[c] >= storm.calls_per_cpu;
	}
	storm_cleanup(&destroyed, &back);
	palloc_free(storm.scratch);
	palloc_free(storm.scratch + BLOCK_SIZE);
	con_printf("hostile storm: %lu calls made (%lu accepted), the hyp answered on %u of %u "
		   "CPUs; %u VMs it made destroyed; scratch frames back: %u of %u\n",
		   (unsigned long)total, (unsigned long)ok, answered, cpus, destroyed, back,
		   STORM_SCRATCH_BLOCKS * 512);
}

#endif /* CONFIG_TEST_HOOKS */
