/*
 * The hostile VMM (test builds only, CONFIG_TEST_HOOKS): attacks a
 * compromised VMM could make on protected VMs, as shell commands, so that
 * tests/hostile can show the hyp refuses each. The honest VMM never does
 * any of this; a release build has none of it.
 *
 *   hostile log NAME           the last bytes of NAME's console
 *   hostile reinit NAME VCPU GPA
 *                              write code into a granted page at GPA that
 *                              would make the VM grant all its RAM, and
 *                              re-initialise a running vCPU to run it
 *   hostile stopclear NAME     VM_STOP and one CLEAR_VM_RANGE over all of
 *                              NAME's memory while a vCPU runs, then read
 *                              every returned frame
 *   hostile reuse NAME         destroy NAME at the hyp while another CPU
 *                              creates, starts and runs VMs on its VMID
 *   hostile ram-mmio NAME      MMIO exits NAME's RAM has caused
 *   hostile storm CALLS [SEED] random calls, from every CPU at once
 */
#include <generated/autoconf.h>
#include <hyp/lib.h>
#include <vmm/vm.h>

#if CONFIG_TEST_HOOKS

/* ------------------------------------------------ tasks on other CPUs ---- */

/* A task a worker CPU runs between two vCPU runs: hostile_poll. */
typedef bool (*hostile_task_t)(u32 cpu);
static hostile_task_t volatile tasks[VMM_MAX_CPUS];

bool hostile_poll(u32 cpu)
{
	hostile_task_t t = __atomic_load_n(&tasks[cpu % VMM_MAX_CPUS], __ATOMIC_ACQUIRE);

	/* A task returns true once it is done. */
	if (t == NULL) {
		return false;
	}
	if (t(cpu)) {
		__atomic_store_n(&tasks[cpu % VMM_MAX_CPUS], NULL, __ATOMIC_RELEASE);
	}
	return true;
}

static void post(u32 cpu, hostile_task_t t)
{
	__atomic_store_n(&tasks[cpu], t, __ATOMIC_RELEASE);
	vm_kick();
}

static bool pending(u32 cpu)
{
	return __atomic_load_n(&tasks[cpu], __ATOMIC_ACQUIRE) != NULL;
}

static struct vm *named(int argc, char **argv, int want)
{
	struct vm *vm;

	if (argc != want) {
		con_printf("hostile: wrong arguments (see the list in 'hostile')\n");
		return NULL;
	}
	vm = vm_find(argv[2]);
	if (vm == NULL || vm->state == VM_FREE) {
		con_printf("hostile: no VM called '%s'\n", argv[2]);
		return NULL;
	}
	return vm;
}

static u64 lowest_block(const struct vm *vm, u64 *highest)
{
	u64 lo = ~UINT64_C(0);

	*highest = 0;
	for (u32 b = 0; b < vm->nblocks; b++) {
		if (vm->blocks[b] != 0) {
			lo = MIN(lo, vm->blocks[b]);
			*highest = MAX(*highest, vm->blocks[b]);
		}
	}
	return lo;
}

/* Non-zero words in every block the VMM gave vm (they are the VMM's again). */
static u64 nonzero_words(const struct vm *vm, u32 *unreadable)
{
	u64 n = 0;

	*unreadable = 0;
	for (u32 b = 0; b < vm->nblocks; b++) {
		for (u64 a = vm->blocks[b]; a != 0 && a < vm->blocks[b] + BLOCK_SIZE; a += 8) {
			u64 v;

			if (probe_read64(a, &v) != 0) {
				++*unreadable;
				a = ALIGN_UP(a + 1, PAGE_SIZE) - 8;
			} else {
				n += v != 0;
			}
		}
	}
	return n;
}

/* The VMM takes the blocks back itself (they were cleared at the hyp). */
static void forget_blocks(struct vm *vm)
{
	for (u32 b = 0; b < vm->nblocks; b++) {
		if (vm->blocks[b] != 0) {
			palloc_free(vm->blocks[b]);
			vm->blocks[b] = 0;
		}
	}
}

/* ---------------------------------------------------------- commands ---- */

static void cmd_log(int argc, char **argv)
{
	static char buf[2048];
	struct vm *vm = named(argc, argv, 3);
	u32 n;

	if (vm != NULL) {
		n = vm_console_history(vm, buf, sizeof(buf));
		con_write(buf, n);
		con_printf("\nhostile log %s: %u bytes\n", vm->cfg.name, n);
	}
}

/*
 * F1: code in a granted page (ldr x0-x2 from literals; hvc #0; b .) that
 * grants all of the VM's RAM, and VCPU_INIT of a running vCPU at it.
 */
static void cmd_reinit(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 5);
	u64 vcpu;
	u64 gpa;
	u64 pa;
	u32 tries = 0;
	s64 st = HV_E_BUSY;
	const u32 code[6] = { 0x580000c0, 0x580000e1, 0x58000102, 0xd4000002, 0x14000000,
			      0xd503201f };

	if (vm == NULL || !fmt_parse_u64(argv[3], strlen(argv[3]), &vcpu) || !fmt_parse_u64(argv[4], strlen(argv[4]), &gpa) ||
	    !vm_ram_range(vm, gpa, 48) || (gpa & 7) != 0) {
		con_printf("usage: hostile reinit NAME VCPU GPA (a granted page of NAME)\n");
		return;
	}
	pa = vm->blocks[(gpa - vm->ram_ipa) / BLOCK_SIZE] + (gpa - vm->ram_ipa) % BLOCK_SIZE;
	for (u32 i = 0; i < 3; i++) {
		if (probe_write64(pa + 8 * i, (u64)code[2 * i + 1] << 32 | code[2 * i]) != 0) {
			con_printf("hostile reinit: 0x%lx is not granted\n", (unsigned long)gpa);
			return;
		}
	}
	(void)probe_write64(pa + 0x18, HV_FN_GRANT);
	(void)probe_write64(pa + 0x20, vm->ram_ipa);
	(void)probe_write64(pa + 0x28, (u64)vm->nblocks * BLOCK_SIZE);
	/* Between two of its runs (BUSY while it is on a CPU). */
	while (tries < 100000 && st == HV_E_BUSY) {
		st = hv_call(HV_FN_VCPU_INIT, vm->vmid, vcpu, gpa, 0, NULL);
		tries++;
	}
	con_printf("hostile reinit %s: VCPU_INIT(vcpu %lu, 0x%lx) on the running VM: %ld after "
		   "%u tries\n",
		   vm->cfg.name, (unsigned long)vcpu, (unsigned long)gpa, (long)st, tries);
}

/* F3: stop and one clear over all of the VM's memory while a vCPU runs. */
static void cmd_stopclear(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);
	u64 hi;
	u64 lo;
	u64 words;
	u32 unreadable;
	u32 spins = 0;
	bool running = false;
	s64 stop;
	s64 clear;

	if (vm == NULL || vm->state != VM_RUNNING) {
		con_printf("usage: hostile stopclear NAME (a running VM)\n");
		return;
	}
	lo = lowest_block(vm, &hi);
	/* The last vCPU (the victim's writer, which never traps) on a CPU. */
	while (!running && spins++ < 10000000) {
		running = __atomic_load_n(&vm->vc[vm->cfg.vcpus - 1].busy, __ATOMIC_ACQUIRE);
	}
	stop = hv_call(HV_FN_VM_STOP, vm->vmid, 0, 0, 0, NULL);
	clear = hv_call(HV_FN_CLEAR_VM_RANGE, vm->vmid, lo >> PAGE_SHIFT,
			(hi + BLOCK_SIZE - lo) >> PAGE_SHIFT, 0, NULL);
	words = nonzero_words(vm, &unreadable);
	con_printf("hostile stopclear %s: a vCPU %s; VM_STOP %ld, CLEAR_VM_RANGE %ld; "
		   "%lu non-zero words and %u unreadable pages in the %u MiB returned\n",
		   vm->cfg.name, running ? "on a CPU" : "not seen running", (long)stop,
		   (long)clear, (unsigned long)words, unreadable, vm->given * 2);
	if (clear == HV_OK) {
		forget_blocks(vm);
	}
	(void)vm_destroy(vm, "attacked (stop and clear)");
	vm_reap();
}

/* F5: another CPU creates, starts and runs VMs while NAME is destroyed. */
static struct {
	u32 target;  /* the VMID to win */
	u64 ram;     /* the size of its RAM at 0x40000000 */
	u32 rounds;  /* creates that got the target */
	u32 runs;    /* VCPU_RUNs that entered a guest: the old vCPU */
	volatile bool stop;
} reuse;

static bool reuse_task(u32 cpu)
{
	u32 held = 0; /* VMIDs below the target it keeps, so the next is the target */
	u64 r[4];

	(void)cpu;
	while (!__atomic_load_n(&reuse.stop, __ATOMIC_ACQUIRE)) {
		u64 x[4];

		if (hv_call(HV_FN_VM_CREATE, 0x40000000, reuse.ram, 0, 0, r) != HV_OK) {
			continue;
		}
		if (r[1] != reuse.target) {
			held |= 1U << r[1];
			continue;
		}
		reuse.rounds++;
		(void)hv_call(HV_FN_VM_START, r[1], 0, 0, 0, NULL);
		for (u32 v = 0; v < 2; v++) {
			/* With the destroyed VM's vCPUs still there, this would
			 * run its registers in a VM the VMM built. */
			reuse.runs += hv_call(HV_FN_VCPU_RUN, r[1], v, 0, 0, x) == HV_OK;
		}
		(void)hv_call(HV_FN_VM_STOP, r[1], 0, 0, 0, NULL);
		(void)hv_call(HV_FN_VM_DESTROY, r[1], 0, 0, 0, NULL);
	}
	for (u32 id = 1; id < 32; id++) {
		if ((held & (1U << id)) != 0) {
			(void)hv_call(HV_FN_VM_STOP, id, 0, 0, 0, NULL);
			(void)hv_call(HV_FN_VM_DESTROY, id, 0, 0, 0, NULL);
		}
	}
	return true;
}

static void cmd_reuse(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);
	u32 cpu = 1;
	s64 st[3];

	if (vm == NULL || vm->state != VM_RUNNING || vmm_cpus_running < 2) {
		con_printf("usage: hostile reuse NAME (a running VM; needs 2 CPUs)\n");
		return;
	}
	reuse.target = vm->vmid;
	reuse.ram = (u64)vm->nblocks * BLOCK_SIZE;
	reuse.rounds = 0;
	reuse.runs = 0;
	reuse.stop = false;
	st[0] = hv_call(HV_FN_VM_STOP, vm->vmid, 0, 0, 0, NULL);
	st[1] = HV_OK;
	for (u32 b = 0; b < vm->nblocks && st[1] == HV_OK; b++) {
		if (vm->blocks[b] != 0) {
			st[1] = hv_call(HV_FN_CLEAR_VM_RANGE, vm->vmid, vm->blocks[b] >> PAGE_SHIFT,
					BLOCK_SIZE >> PAGE_SHIFT, 0, NULL);
		}
	}
	if (st[1] == HV_OK) {
		forget_blocks(vm);
	}
	post(cpu, reuse_task);
	for (u32 i = 0; i < 100000; i++) {
		__asm__ volatile("yield");
	}
	st[2] = hv_call(HV_FN_VM_DESTROY, vm->vmid, 0, 0, 0, NULL);
	for (u32 i = 0; i < 2000000 && reuse.rounds < 50; i++) {
		__asm__ volatile("yield");
	}
	__atomic_store_n(&reuse.stop, true, __ATOMIC_RELEASE);
	while (pending(cpu)) {
		__asm__ volatile("yield");
	}
	con_printf("hostile reuse %s: stop %ld clear %ld destroy %ld; vm%u created again %u "
		   "times on CPU %u; runs of a vCPU there: %u\n",
		   vm->cfg.name, (long)st[0], (long)st[1], (long)st[2], reuse.target,
		   reuse.rounds, cpu, reuse.runs);
	vm->vmid = 0; /* gone at the hyp: the teardown must not touch the VMID */
	(void)vm_destroy(vm, "attacked (destroyed under it)");
	vm_reap();
}

static void cmd_ram_mmio(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);

	if (vm != NULL) {
		con_printf("hostile ram-mmio %s: %lu MMIO exits in its RAM\n", vm->cfg.name,
			   (unsigned long)vm->ram_mmio_exits);
	}
}

/* ---------------------------------------------------------- the storm ---- */

/* Every VMM call of the ABI and a few ids around them; the test-only calls
 * are left out (they are not in what users run). */
static const u64 storm_fns[] = {
	HV_FN_VERSION,	   HV_FN_CPU_INFO,	HV_FN_CPU_START,      HV_FN_CPU_IDLE,
	HV_FN_CPU_WAKE,	   HV_FN_VM_CREATE,	HV_FN_VM_DESTROY,     HV_FN_VM_START,
	HV_FN_VM_STOP,	   HV_FN_PROT_AND_MAP,	HV_FN_CLEAR_VM_RANGE, HV_FN_MEM_INFO,
	HV_FN_PAGE_INFO,   HV_FN_GRANT,		HV_FN_REVOKE,	      HV_FN_VCPU_CREATE,
	HV_FN_VCPU_INIT,   HV_FN_VCPU_RUN,	HV_FN_IRQ_INJECT,     HV_FN(0x14),
	HV_FN(0x24),	   HV_FN(0x44),		HV_FN(0x7c),	      0x84000000,
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
	u64 r[7] = { 0 };
	s64 st;

	switch (fn) {
	case HV_FN_VM_STOP:
	case HV_FN_VM_DESTROY:
		if (is_victim(vmid)) {
			return HV_E_DENIED; /* denial of service is the VMM's right */
		}
		st = hv_call(fn, vmid, 0, 0, 0, NULL);
		break;
	case HV_FN_VM_CREATE:
		st = hv_call(fn, arg_gpa(cpu), arg_size(cpu), 0, 0, r);
		if (st == HV_OK && r[1] < 32) {
			__atomic_or_fetch(&storm.created, 1U << r[1], __ATOMIC_SEQ_CST);
		}
		break;
	case HV_FN_PROT_AND_MAP:
		/* Only scratch frames can be given, to any VM: a victim may
		 * grow, and the storm takes them back when it is destroyed. */
		st = hv_call(fn, vmid, arg_gpa(cpu), arg_pa(cpu, true) | 3,
			     rnd(cpu) % 4 == 0 ? rnd(cpu) % 5 : 3 - rnd(cpu) % 2, NULL);
		break;
	case HV_FN_CLEAR_VM_RANGE:
		st = hv_call(fn, vmid, arg_pa(cpu, false) >> PAGE_SHIFT, arg_size(cpu), 0, NULL);
		break;
	case HV_FN_VCPU_RUN:
		/* A victim's vCPUs only with replies the hyp must refuse. */
		st = hv_call(fn, vmid,
			     is_victim(vmid) ? (rnd(cpu) % 2 ? 0x10000 | 9 : 0x40000)
					     : (rnd(cpu) % 4) | ((rnd(cpu) % 4) << 16),
			     rnd(cpu), rnd(cpu), r);
		break;
	case HV_FN_IRQ_INJECT:
		st = hv_call(fn, vmid, rnd(cpu) % 10,
			     is_victim(vmid) ? 1020 + rnd(cpu) % 4 : rnd(cpu) % 1100, 0, NULL);
		break;
	case HV_FN_VCPU_INIT:
		st = hv_call(fn, vmid, rnd(cpu) % 10, arg_gpa(cpu), rnd(cpu), NULL);
		break;
	case HV_FN_CPU_IDLE:
		st = hv_call(fn, rnd(cpu) % 4 == 0 ? arg_size(cpu) : 1 + rnd(cpu) % 50, 0, 0, 0, NULL);
		break;
	case HV_FN_CPU_START:
		st = hv_call(fn, rnd(cpu) % 10, arg_pa(cpu, false), rnd(cpu), 0, NULL);
		break;
	default:
		st = hv_call(fn, rnd(cpu) % 2 ? vmid : arg_pa(cpu, false) >> PAGE_SHIFT,
			     rnd(cpu) % 12, arg_gpa(cpu), arg_size(cpu), NULL);
		break;
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
	u64 r[4];

	*destroyed = 0;
	for (u32 id = 1; id < 32; id++) {
		if ((storm.created & (1U << id)) == 0 || is_victim(id)) {
			continue;
		}
		(void)hv_call(HV_FN_VM_STOP, id, 0, 0, 0, NULL);
		(void)hv_call(HV_FN_CLEAR_VM_RANGE, id, 0, UINT64_C(1) << 39, 0, NULL);
		*destroyed += hv_call(HV_FN_VM_DESTROY, id, 0, 0, 0, NULL) == HV_OK;
	}
	*scratch_back = 0;
	for (u32 p = 0; p < STORM_SCRATCH_BLOCKS * 512; p++) {
		(void)hv_call(HV_FN_PAGE_INFO, (storm.scratch >> PAGE_SHIFT) + p, 0, 0, 0, r);
		*scratch_back += r[1] == HV_OWNER_HOST;
	}
}

static void cmd_storm(int argc, char **argv)
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
			post(c, storm_task);
		}
	}
	while (!storm_task(vmm_cpu())) {
	}
	for (u32 c = 0; c < cpus; c++) {
		while (pending(c)) {
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

void cmd_hostile(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "log") == 0) {
		cmd_log(argc, argv);
	} else if (strcmp(sub, "reinit") == 0) {
		cmd_reinit(argc, argv);
	} else if (strcmp(sub, "stopclear") == 0) {
		cmd_stopclear(argc, argv);
	} else if (strcmp(sub, "reuse") == 0) {
		cmd_reuse(argc, argv);
	} else if (strcmp(sub, "ram-mmio") == 0) {
		cmd_ram_mmio(argc, argv);
	} else if (strcmp(sub, "storm") == 0) {
		cmd_storm(argc, argv);
	} else if (strcmp(sub, "hvc") == 0) {
		cmd_hostile_hvc(argc, argv);
	} else {
		con_printf("usage: hostile log NAME | reinit NAME VCPU GPA | stopclear NAME |\n"
			   "       reuse NAME | ram-mmio NAME | storm CALLS [SEED] | hvc on|off\n");
	}
}

#endif /* CONFIG_TEST_HOOKS */
