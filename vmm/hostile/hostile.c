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
 *   hostile lend NAME          lends that would put a frame in two places
 *                              (hostile_lend.c)
 *   hostile disk NAME          the boot disk's DMA aimed at NAME's frame,
 *                              the hyp and the boot partition; the disk
 *                              controller reached directly (hostile_disk.c)
 *   hostile storm CALLS [SEED] random calls, from every CPU at once
 *   hostile pmu-arm            count and watch on every CPU (hostile_pmu.c)
 *   hostile pmu-check          what is left of that after guests ran
 *   hostile latency CALLS      times CALLS MEM_INFO calls (each takes the
 *                              hyp's memory lock) from this CPU
 *                              (hostile_latency.c)
 *   hostile hvc on|off         answer guests' calls to the VMM with a lie
 *                              (hostile_hvc.c)
 *
 * The attacks that need other CPUs post them tasks (hostile_task.c).
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/console.h>
#include <vmm/guestmem.h>
#include <vmm/hostile.h>
#include <vmm/lifecycle.h>
#include <vmm/palloc.h>
#include <vmm/vmcon.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

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
		st = hv_vcpu_init(vm->vmid, vcpu, gpa, 0);
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
	stop = hv_vm_stop(vm->vmid);
	clear = hv_clear_vm_range(vm->vmid, lo >> PAGE_SHIFT, (hi + BLOCK_SIZE - lo) >> PAGE_SHIFT);
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
	const u64 reply[4] = { 0, 0, 0, 0 };

	(void)cpu;
	while (!__atomic_load_n(&reuse.stop, __ATOMIC_ACQUIRE)) {
		u64 id;

		if (hv_vm_create(0x40000000, reuse.ram, 0, &id) != HV_OK) {
			continue;
		}
		if (id != reuse.target) {
			held |= 1U << id;
			continue;
		}
		reuse.rounds++;
		(void)hv_vm_start(id);
		for (u32 v = 0; v < 2; v++) {
			/* With the destroyed VM's vCPUs still there, this would
			 * run its registers in a VM the VMM built. */
			reuse.runs += hv_vcpu_run(id, v, reply).status == HV_OK;
		}
		(void)hv_vm_stop(id);
		(void)hv_vm_destroy(id);
	}
	for (u32 id = 1; id < 32; id++) {
		if ((held & (1U << id)) != 0) {
			(void)hv_vm_stop(id);
			(void)hv_vm_destroy(id);
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
	st[0] = hv_vm_stop(vm->vmid);
	st[1] = HV_OK;
	for (u32 b = 0; b < vm->nblocks && st[1] == HV_OK; b++) {
		if (vm->blocks[b] != 0) {
			st[1] = hv_clear_vm_range(vm->vmid, vm->blocks[b] >> PAGE_SHIFT,
						  BLOCK_SIZE >> PAGE_SHIFT);
		}
	}
	if (st[1] == HV_OK) {
		forget_blocks(vm);
	}
	hostile_post(cpu, reuse_task);
	for (u32 i = 0; i < 100000; i++) {
		__asm__ volatile("yield");
	}
	st[2] = hv_vm_destroy(vm->vmid);
	for (u32 i = 0; i < 2000000 && reuse.rounds < 50; i++) {
		__asm__ volatile("yield");
	}
	__atomic_store_n(&reuse.stop, true, __ATOMIC_RELEASE);
	while (hostile_pending(cpu)) {
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

static void cmd_lend(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);

	if (vm == NULL || vm->state != VM_RUNNING || vmm_cpus_running < 2) {
		con_printf("usage: hostile lend NAME (a running VM; needs 2 CPUs)\n");
		return;
	}
	hostile_lend(vm);
}

static void cmd_disk(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);

	if (vm == NULL || vm->state != VM_RUNNING || vmm_cpus_running < 2) {
		con_printf("usage: hostile disk NAME (a running VM; needs 2 CPUs)\n");
		return;
	}
	hostile_disk(vm);
}

static void cmd_ram_mmio(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, 3);

	if (vm != NULL) {
		con_printf("hostile ram-mmio %s: %lu MMIO exits in its RAM\n", vm->cfg.name,
			   (unsigned long)vm->ram_mmio_exits);
	}
}

/* pmu-arm and pmu-check (hostile_pmu.c), fp-read (hostile_fp.c). */
static void cmd_pmu(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "pmu-arm") == 0) {
		hostile_pmu_arm();
	} else if (strcmp(argv[1], "fp-read") == 0) {
		hostile_fp_read();
	} else {
		hostile_pmu_check();
	}
}

static const struct {
	const char *name;
	void (*run)(int argc, char **argv);
} subcommands[] = {
	{ "log", cmd_log },     { "reinit", cmd_reinit },     { "stopclear", cmd_stopclear },
	{ "reuse", cmd_reuse }, { "ram-mmio", cmd_ram_mmio }, { "storm", hostile_storm },
	{ "lend", cmd_lend },   { "disk", cmd_disk },
	{ "pmu-arm", cmd_pmu }, { "pmu-check", cmd_pmu },     { "latency", hostile_latency },
	{ "hvc", cmd_hostile_hvc }, { "fp-read", cmd_pmu },
};

void cmd_hostile(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	for (u32 i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(sub, subcommands[i].name) == 0) {
			subcommands[i].run(argc, argv);
			return;
		}
	}
	con_printf("usage: hostile log NAME | reinit NAME VCPU GPA | stopclear NAME |\n"
		   "       reuse NAME | ram-mmio NAME | storm CALLS [SEED] | lend NAME |\n"
		   "       disk NAME | pmu-arm |\n"
		   "       pmu-check | latency CALLS | hvc on|off | fp-read\n");
}

#endif /* CONFIG_TEST_HOOKS */
