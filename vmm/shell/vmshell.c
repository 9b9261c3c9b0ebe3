/*
 * Console commands of the VM life cycle: create, start, run, list,
 * console, destroy, probe, and `guest`, which runs test guests with their
 * output shown line by line and waits for their end.
 */
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/bundle.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/lifecycle.h>
#include <vmm/medium.h>
#include <vmm/palloc.h>
#include <vmm/vmcon.h>
#include <vmm/vmio.h>
#include <vmm/vmm.h>
#include <vmm/vmshell.h>

#define TEST_GUEST_MIB 16
#define HISTORY_SHOWN 4096

/* The configuration vms/NAME.cfg of the bundle; false (said why) if bad. */
static bool bundle_config(const char *name, struct vm_config *c, bool quiet)
{
	char path[64];
	const u8 *text;
	u64 len;
	struct vmcfg_error e;

	fmt_format(path, sizeof(path), "vms/%s.cfg", name);
	if (!vmcfg_valid_name(name) || !bundle_find(path, &text, &len)) {
		if (!quiet) {
			con_printf("no configuration %s in the bundle\n", path);
		}
		return false;
	}
	if (vmcfg_parse((const char *)text, len, c, &e) != 0) {
		if (e.line != 0) {
			con_printf("%s:%u: %s\n", path, e.line, e.msg);
		} else {
			con_printf("%s: %s\n", path, e.msg);
		}
		return false;
	}
	return true;
}

static struct vm *create(const struct vm_config *c)
{
	char why[96];
	struct vm *vm;

	(void)vmm_start_cpus();
	if (vm_create(c, &vm, why, sizeof(why)) != 0) {
		con_printf("vm %s: not created: %s\n", c->name, why);
		return NULL;
	}
	return vm;
}

static bool start(struct vm *vm)
{
	char why[96];

	if (vm_start(vm, why, sizeof(why)) != 0) {
		con_printf("vm %s: not started: %s\n", vm->cfg.name, why);
		return false;
	}
	return true;
}

static struct vm *named(int argc, char **argv, const char *usage)
{
	struct vm *vm;

	if (argc != 2) {
		con_printf("usage: %s\n", usage);
		return NULL;
	}
	vm = vm_find(argv[1]);
	if (vm == NULL) {
		con_printf("no VM called '%s' (see 'list')\n", argv[1]);
	}
	return vm;
}

/* The VM of the bundle's configuration argv[1], created; NULL (said why) if not. */
static struct vm *create_named(int argc, char **argv, const char *usage, struct vm_config *c)
{
	if (argc != 2) {
		con_printf("usage: %s\n", usage);
		return NULL;
	}
	return bundle_config(argv[1], c, false) ? create(c) : NULL;
}

void cmd_create(int argc, char **argv)
{
	struct vm_config c;
	struct vm *vm = create_named(argc, argv,
				     "create NAME (the configuration vms/NAME.cfg of the bundle)", &c);

	if (vm != NULL) {
		con_printf("vm %s: created (vm%u, %u MiB%s, %u vCPUs)\n", c.name, vm->vmid,
			   c.memory_mib, c.on_demand ? " on demand" : "", c.vcpus);
	}
}

void cmd_start(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, "start NAME");

	if (vm != NULL && start(vm)) {
		con_printf("vm %s: running\n", vm->cfg.name);
	}
}

void cmd_stop(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, "stop NAME");

	if (vm != NULL) {
		if (vm_stop(vm) == 0) {
			con_printf("vm %s: stopped\n", vm->cfg.name);
		} else {
			con_printf("vm %s: not running\n", vm->cfg.name);
		}
	}
}

void cmd_run(int argc, char **argv)
{
	struct vm_config c;
	struct vm *vm = create_named(
		argc, argv, "run NAME (create and start vms/NAME.cfg, attach to its console)", &c);

	if (vm == NULL) {
		return;
	}
	con_printf("vm %s: vm%u, %u MiB, %u vCPUs; console attached (Ctrl-] detaches)\n",
		   c.name, vm->vmid, c.memory_mib, c.vcpus);
	vm_attach(vm, ATTACH_RAW);
	if (!start(vm)) {
		vm_detach(vm);
		(void)vm_destroy(vm, "not started");
	}
}

#define AUTOSTART_MAX 16

/*
 * Creates and starts the VMs whose bundle configuration says `autostart =
 * N`, lowest N first (then by file name), and attaches the console to the
 * first that starts. A configuration that fails is reported and skipped.
 */
void vm_autostart(void)
{
	struct {
		char file[VMCFG_NAME_MAX + 1];
		u32 order;
	} list[AUTOSTART_MAX];
	u32 n = 0;
	u64 cursor = 0;
	const char *path;
	u64 size;
	bool attached = false;

	while (bundle_next(&cursor, &path, &size)) {
		size_t len = strlen(path);
		char file[VMCFG_NAME_MAX + 1];
		struct vm_config c;
		u32 at = n;

		if (len <= 8 || len - 8 > VMCFG_NAME_MAX || memcmp(path, "vms/", 4) != 0 ||
		    strcmp(path + len - 4, ".cfg") != 0) {
			continue;
		}
		memcpy(file, path + 4, len - 8);
		file[len - 8] = '\0';
		if (!bundle_config(file, &c, false) || c.autostart == 0) {
			continue;
		}
		if (n == AUTOSTART_MAX) {
			con_printf("autostart: more than %u VMs; %s not started\n", AUTOSTART_MAX,
				   c.name);
			continue;
		}
		/* Kept sorted by order, then file name (the bundle is sorted). */
		while (at > 0 && list[at - 1].order > c.autostart) {
			list[at] = list[at - 1];
			at--;
		}
		memcpy(list[at].file, file, len - 7);
		list[at].order = c.autostart;
		n++;
	}
	for (u32 i = 0; i < n; i++) {
		struct vm_config c;
		struct vm *vm;

		if (!bundle_config(list[i].file, &c, false) || (vm = create(&c)) == NULL) {
			continue;
		}
		con_printf("vm %s: autostart %u: vm%u, %u MiB, %u vCPUs%s\n", c.name,
			   list[i].order, vm->vmid, c.memory_mib, c.vcpus,
			   attached ? "" : "; console attached (Ctrl-] detaches)");
		if (!attached) {
			vm_attach(vm, ATTACH_RAW);
		}
		if (!start(vm)) {
			if (!attached) {
				vm_detach(vm);
			}
			(void)vm_destroy(vm, "not started");
			continue;
		}
		attached = true;
	}
}

void cmd_console(int argc, char **argv)
{
	static char hist[HISTORY_SHOWN];
	bool hvc = argc == 3 && strcmp(argv[2], "hvc") == 0;
	struct vm *vm = named(hvc ? 2 : argc, argv, "console NAME [hvc]");
	u32 n;

	if (vm == NULL) {
		return;
	}
	if (hvc && !vm->vdev[VDEV_CON].present) {
		con_printf("vm %s has no virtio console ('virtio_console = 1')\n", vm->cfg.name);
		return;
	}
	spin_lock(&vm->lock);
	vm->hvc_input = hvc;
	spin_unlock(&vm->lock);
	con_printf("vm %s: console attached%s (Ctrl-] detaches)\n", vm->cfg.name,
		   hvc ? ", typing into its virtio console" : "");
	n = vm_console_history(vm, hist, sizeof(hist));
	con_write(hist, n);
	vm_attach(vm, ATTACH_RAW);
}

void cmd_destroy(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, "destroy NAME");

	if (vm != NULL) {
		(void)vm_destroy(vm, "destroyed");
		vm_reap();
	}
}

#define END_TIMEOUT_S 60

/* shutdown NAME [SECONDS], reboot NAME [SECONDS]: the guest asked through
 * its power button, the VM destroyed if it still runs at the timeout. */
static void ask_end(int argc, char **argv, bool reboot)
{
	const char *usage = reboot ? "reboot NAME [SECONDS] (default 60; 0: no limit)"
				   : "shutdown NAME [SECONDS] (default 60; 0: no limit)";
	u64 timeout = END_TIMEOUT_S;
	char why[160];
	struct vm *vm;

	if (argc == 3 && (!fmt_parse_u64(argv[2], strlen(argv[2]), &timeout) ||
			  timeout > 86400)) {
		con_printf("usage: %s: SECONDS is 0 to 86400\n", usage);
		return;
	}
	vm = named(argc == 3 ? 2 : argc, argv, usage);
	if (vm == NULL) {
		return;
	}
	if (vm_ask_end(vm, reboot, (u32)timeout, 0, 0, why, sizeof(why)) != 0) {
		con_printf("%s\n", why);
	} else if (timeout != 0) {
		con_printf("vm %s: %s key pressed; destroyed if it still runs in %lu s\n",
			   vm->cfg.name, reboot ? "restart" : "power", (unsigned long)timeout);
	} else {
		con_printf("vm %s: %s key pressed\n", vm->cfg.name, reboot ? "restart" : "power");
	}
}

void cmd_shutdown(int argc, char **argv)
{
	ask_end(argc, argv, false);
}

void cmd_reboot(int argc, char **argv)
{
	ask_end(argc, argv, true);
}

static const char *const state_name[] = { "free", "created", "running", "stopped", "ended" };

void cmd_list(int argc, char **argv)
{
	u64 freq = vm_counter_freq();
	u64 now = vm_counter();

	(void)argc;
	(void)argv;
	con_printf("%-16s %-8s %5s %5s %11s %10s %8s\n", "NAME", "STATE", "VMID", "VCPUS",
		   "MEMORY_MIB", "EXITS", "UPTIME_S");
	for (u32 i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vm_table[i];
		u64 up;

		if (vm->state == VM_FREE) {
			continue;
		}
		up = vm->started_at == 0 ? 0 : ((vm->done ? vm->ended_at : now) - vm->started_at);
		con_printf("%-16s %-8s %5u %5u %5u/%-5u %10lu %8lu\n", vm->cfg.name,
			   state_name[vm->state], vm->vmid, vm->cfg.vcpus, vm->given * 2,
			   vm->cfg.memory_mib, (unsigned long)vm->exits,
			   (unsigned long)(freq != 0 ? up / freq : 0));
	}
	con_printf("%u MiB free for VMs\n", palloc_free_blocks() * 2);
}

/* Its exits by kind: MMIO by what it reached, then the other reasons. */
static void exit_kinds(const struct vm *vm)
{
	static const char *const mmio[VM_MMIO_KINDS] = {
		[VM_MMIO_GIC] = "GIC",
		[VM_MMIO_UART_FR] = "UART flag reads",
		[VM_MMIO_UART] = "UART other",
		[VM_MMIO_TESTDEV] = "test device",
		[VM_MMIO_OTHER] = "virtio and other",
	};
	static const struct {
		u32 reason;
		const char *name;
	} other[] = { { HV_EXIT_WFI, "WFI" },	  { HV_EXIT_IRQ, "interrupt" },
		      { HV_EXIT_HVC, "HVC" },	  { HV_EXIT_SGI, "SGI" },
		      { HV_EXIT_POWER, "power" }, { HV_EXIT_ABORT, "abort" },
		      { HV_EXIT_FAULT, "fault" } };

	con_printf("  exits: MMIO %lu (", (unsigned long)vm->reason_exits[HV_EXIT_MMIO]);
	for (u32 k = 0; k < VM_MMIO_KINDS; k++) {
		con_printf("%s%s %lu", k == 0 ? "" : ", ", mmio[k],
			   (unsigned long)vm->mmio_exits[k]);
	}
	con_printf(")");
	for (u32 k = 0; k < ARRAY_SIZE(other); k++) {
		con_printf(", %s %lu", other[k].name,
			   (unsigned long)vm->reason_exits[other[k].reason]);
	}
	con_printf("\n");
}

void cmd_info(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, "info NAME");
	u64 now = vm_counter();
	u64 per_us = vm_counter_freq() / 1000000;

	if (vm == NULL) {
		return;
	}
	con_printf("vm %s: vm%u, %s, %u MiB (%u given%s), %lu exits\n", vm->cfg.name, vm->vmid,
		   state_name[vm->state], vm->cfg.memory_mib, vm->given * 2,
		   vm->cfg.on_demand ? ", on demand" : "", (unsigned long)vm->exits);
	con_printf("  kernel %s, ramdisk %s\n  cmdline \"%s\"\n", vm->cfg.kernel,
		   vm->cfg.ramdisk[0] != '\0' ? vm->cfg.ramdisk : "none", vm->cfg.cmdline);
	for (u32 i = 0; i < vm->cfg.vcpus; i++) {
		const struct gvcpu *vc = &vm->vc[i];

		con_printf("  vcpu %u: %s%s%s", i, vc->on ? "on" : "off",
			   vc->busy ? ", running" : "", vc->waiting ? ", in WFI" : "");
		if (vc->waiting && vc->wake_at != 0 && per_us != 0) {
			con_printf(" (timer in %ld us)",
				   (long)((s64)(vc->wake_at - now) / (s64)per_us));
		}
		con_printf(", pending 0x%lx\n", (unsigned long)vc->pending_irqs);
	}
	exit_kinds(vm);
	if (vm->cfg.io_window_mib != 0) {
		con_printf("  I/O window: %u MiB at IPA 0x%lx, granted by the VM at boot\n",
			   vm->cfg.io_window_mib, (unsigned long)vm->ram_ipa);
	}
	vm_io_info(vm);
}

/*
 * The VMM tries to read the first word of every page it gave the VM: each
 * attempt must be refused by the hyp (the VM's memory is not in the VMM's
 * stage 2), and the VMM carries on.
 */
void cmd_probe(int argc, char **argv)
{
	struct vm *vm = named(argc, argv, "probe NAME");
	u32 pages = 0;
	u32 readable = 0;

	if (vm == NULL) {
		return;
	}
	for (u32 b = 0; b < vm->nblocks; b++) {
		u64 pa = vm->blocks[b];

		for (u32 p = 0; pa != 0 && p < (BLOCK_SIZE / PAGE_SIZE); p++) {
			u64 v;

			pages++;
			readable += probe_read64(pa + (u64)p * PAGE_SIZE, &v) == 0;
		}
	}
	con_printf("probe %s: the VMM read %u of the %u pages it gave the VM\n", vm->cfg.name,
		   readable, pages);
}

/* A test guest: guests/NAME.bin, 16 MiB, 4 vCPUs, unless vms/NAME.cfg says more. */
static bool guest_config(const char *arg, struct vm_config *c)
{
	if (bundle_config(arg, c, true)) {
		return true;
	}
	if (!vmcfg_valid_name(arg) || strlen(arg) > VMCFG_NAME_MAX - 2) {
		con_printf("guest: bad name '%s'\n", arg);
		return false;
	}
	memset(c, 0, sizeof(*c));
	/* Two of the same guest: the second is NAME-2. */
	fmt_format(c->name, sizeof(c->name), vm_find(arg) == NULL ? "%s" : "%s-2", arg);
	fmt_format(c->kernel, sizeof(c->kernel), "guests/%s.bin", arg);
	c->memory_mib = TEST_GUEST_MIB;
	c->vcpus = VM_MAX_VCPUS;
	c->protect = true;
	return true;
}

void cmd_guest(int argc, char **argv)
{
	struct vm *vms[2] = { NULL, NULL };
	int n = argc - 1;

	if (n < 1 || n > 2) {
		con_printf("usage: guest NAME [NAME] (test guests in the bundle)\n");
		return;
	}
	for (int i = 0; i < n; i++) {
		struct vm_config c;

		if (!guest_config(argv[1 + i], &c) || (vms[i] = create(&c)) == NULL) {
			for (int j = 0; j < i; j++) {
				(void)vm_destroy(vms[j], "not started");
			}
			vm_reap();
			return;
		}
	}
	/* Output line by line, "[name] ...", until they end (Ctrl-] detaches). */
	for (int i = 0; i < n; i++) {
		vm_attach(vms[i], ATTACH_LINES);
	}
	for (int i = 0; i < n; i++) {
		if (!start(vms[i])) {
			(void)vm_destroy(vms[i], "not started");
		}
	}
}

/*
 * disk-save NAME IMAGE: keeps the current contents of VM NAME's disk (its
 * writes included) as image IMAGE, which later VMs can name as their disk
 * (an image of the same name, uploaded or saved before, is replaced; one
 * in the bundle is shadowed): vm_disk_save.
 */
void cmd_disk_save(int argc, char **argv)
{
	struct vm *vm;
	char why[96];

	if (argc != 3) {
		con_printf("usage: disk-save NAME IMAGE\n");
		return;
	}
	vm = vm_find(argv[1]);
	if (vm == NULL) {
		con_printf("no VM called '%s' (see 'list')\n", argv[1]);
	} else if (vm_disk_save(vm, argv[2], why, sizeof(why)) != 0) {
		con_printf("disk-save: %s\n", why);
	} else if (medium_name(argv[2]) != 0) {
		con_printf("disk-save: the disk of %s (%lu KiB) is now on partition %u of the boot "
			   "medium\n",
			   vm->cfg.name, (unsigned long)(vm->disk.size >> 10), medium_name(argv[2]));
	} else {
		con_printf("disk-save: the disk of %s (%lu KiB) is now image %s\n", vm->cfg.name,
			   (unsigned long)(vm->disk.size >> 10), argv[2]);
	}
}

/*
 * memset-bench MIB: the time a plain memset takes to zero MIB of the VMM's
 * free memory, to compare with clear_vm_range's scrub (which also cleans
 * every line to the point of coherency and changes ownership).
 */
void cmd_memset_bench(int argc, char **argv)
{
	static u64 blocks[VM_MAX_BLOCKS];
	u64 mib;
	u32 n = 0;
	u64 t0;
	u64 t1;

	if (argc != 2 || !fmt_parse_u64(argv[1], strlen(argv[1]), &mib) || mib < 2 ||
	    mib > VMCFG_MEMORY_MAX) {
		con_printf("usage: memset-bench MIB (2 to 2048)\n");
		return;
	}
	while (n < mib / 2 && (blocks[n] = palloc_block()) != 0) {
		n++;
	}
	t0 = vm_counter();
	for (u32 i = 0; i < n; i++) {
		memset((void *)(uintptr_t)blocks[i], 0, BLOCK_SIZE);
	}
	t1 = vm_counter();
	for (u32 i = 0; i < n; i++) {
		palloc_free(blocks[i]);
	}
	con_printf("memset-bench: %u MiB zeroed in %lu us\n", n * 2,
		   (unsigned long)((t1 - t0) / (vm_counter_freq() / 1000000)));
}
