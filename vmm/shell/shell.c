/*
 * The VMM's interactive console: a line editor and a table of commands.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/bench.h>
#include <vmm/console.h>
#include <vmm/ctl.h>
#include <vmm/hostile.h>
#include <vmm/lifecycle.h>
#include <vmm/runner.h>
#include <vmm/shell.h>
#include <vmm/vmcmd.h>
#include <vmm/vmcon.h>
#include <vmm/vmio.h>
#include <vmm/vmm.h>
#include <vmm/vmshell.h>

#define LINE_MAX 128
#define MAX_ARGS 8
/*
 * How long CPU 0 sleeps when no input came (the UART holds 16+ bytes, the
 * PL011's FIFO 32): 200 us after input, doubling to 2 ms while none comes.
 * With no other VMM CPU it also runs the vCPUs, and stays at 200 us.
 */
#define IDLE_MIN_US 200
#define IDLE_MAX_US 2000

struct command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(int argc, char **argv);
};

static void cmd_help(int argc, char **argv);

/* version and cpus: what the hyp says of itself, and of the CPUs. */
static void cmd_hyp(int argc, char **argv)
{
	bool version = strcmp(argv[0], "version") == 0;
	struct hv_version v;
	struct hv_cpu_info ci;
	s64 st = version ? hv_version(&v) : hv_cpu_info(&ci);

	(void)argc;
	if (st != HV_OK) {
		con_printf("%s: hyp call failed (%ld)\n", argv[0], (long)st);
	} else if (version) {
		con_printf("vmm %s\nhyp ABI %lu.%lu, build %012lx\n", vmm_version,
			   (unsigned long)v.major, (unsigned long)v.minor,
			   (unsigned long)v.build_id);
	} else {
		con_printf("%lu CPUs online; the VMM runs on CPU %lu\n", (unsigned long)ci.online,
			   (unsigned long)ci.self);
	}
}

static void print_region(const char *what, const struct hv_region *r)
{
	con_printf("  %-10s 0x%010lx-0x%010lx %8lu KiB\n", what,
		   (unsigned long)r->base, (unsigned long)(r->base + r->size),
		   (unsigned long)(r->size >> 10));
}

static void cmd_mem(int argc, char **argv)
{
	const struct hv_boot_info *bi = vmm_boot;
	u64 total = 0;

	(void)argc;
	(void)argv;
	con_printf("Memory owned by the VMM:\n");
	for (u32 i = 0; i < bi->num_ram; i++) {
		print_region("ram", &bi->ram[i]);
		total += bi->ram[i].size;
	}
	con_printf("  total      %lu MiB (%lu KiB) in %u ranges\n",
		   (unsigned long)(total >> 20), (unsigned long)(total >> 10),
		   bi->num_ram);
	print_region("image", &bi->image);
	if (bi->bundle.size != 0) {
		print_region("bundle", &bi->bundle);
	}
	con_printf("Not accessible:\n");
	print_region("hyp", &bi->hyp);
}

static void cmd_peek(int argc, char **argv)
{
	u64 addr;
	u64 val;

	if (argc != 2 || !fmt_parse_u64(argv[1], strlen(argv[1]), &addr)) {
		con_printf("usage: peek ADDRESS (e.g. peek 0x40000000)\n");
		return;
	}
	if ((addr & 7) != 0) {
		con_printf("peek: 0x%lx is not 8-byte aligned\n", (unsigned long)addr);
		return;
	}
	if (probe_read64(addr, &val) == 0) {
		con_printf("0x%lx: 0x%016lx\n", (unsigned long)addr, (unsigned long)val);
		return;
	}
	/* ESR_EL1.EC [31:26] 0x25 and DFSC 0x10: the hyp's stage-2 refusal. */
	con_printf("peek 0x%lx: access refused (%s, ESR 0x%lx, FAR 0x%lx)\n",
		   (unsigned long)addr,
		   ((vmm_last_fault.esr >> 26) & 0x3f) == 0x25 &&
				   (vmm_last_fault.esr & 0x3f) == 0x10
			   ? "stage-2 fault reported by the hyp"
			   : "stage-1 fault",
		   (unsigned long)vmm_last_fault.esr,
		   (unsigned long)vmm_last_fault.far);
}

#if CONFIG_TEST_HOOKS
/* How often test-fault asks the hyp whether the CPU has stopped. */
#define TEST_FAULT_POLLS 10000000

static void cmd_test_fault(int argc, char **argv)
{
	u64 cpu;
	u64 before;
	struct hv_cpu_info ci;
	s64 st;

	if (argc != 2 || !fmt_parse_u64(argv[1], strlen(argv[1]), &cpu)) {
		con_printf("usage: test-fault CPU\n");
		return;
	}
	(void)hv_cpu_info(&ci);
	before = ci.online;
	st = hv_test_fault(cpu);
	switch (st) {
	case HV_OK:
		/* Wait for the hyp's report to finish before printing. */
		for (u32 i = 0; i < TEST_FAULT_POLLS; i++) {
			(void)hv_cpu_info(&ci);
			if (ci.online < before) {
				break;
			}
		}
		con_printf("test-fault: CPU %lu %s; %lu CPUs online\n",
			   (unsigned long)cpu,
			   ci.online < before ? "stopped" : "did not stop",
			   (unsigned long)ci.online);
		break;
	case HV_E_NOT_SUPPORTED:
		con_printf("test-fault: not in this build (CONFIG_TEST_HOOKS)\n");
		break;
	default:
		con_printf("test-fault: refused (%ld): CPU %lu is not an idle "
			   "secondary CPU\n",
			   (long)st, (unsigned long)cpu);
		break;
	}
}
#endif /* CONFIG_TEST_HOOKS */

static void cmd_poke(int argc, char **argv)
{
	u64 addr;
	u64 val;

	if (argc != 3 || !fmt_parse_u64(argv[1], strlen(argv[1]), &addr) ||
	    !fmt_parse_u64(argv[2], strlen(argv[2]), &val) || (addr & 7) != 0) {
		con_printf("usage: poke ADDRESS VALUE (ADDRESS 8-byte aligned)\n");
		return;
	}
	if (probe_write64(addr, val) == 0) {
		con_printf("0x%lx <- 0x%lx\n", (unsigned long)addr, (unsigned long)val);
	} else {
		con_printf("poke 0x%lx: access refused (ESR 0x%lx)\n",
			   (unsigned long)addr, (unsigned long)vmm_last_fault.esr);
	}
}

#if CONFIG_TEST_HOOKS
#define VM_HELP_TEST "grant, revoke, "
#else
#define VM_HELP_TEST ""
#endif

static const struct command commands[] = {
	{ "help", "", "list the commands", cmd_help },
	{ "version", "", "versions of the VMM and the hyp's ABI", cmd_hyp },
	{ "mem", "", "memory the VMM owns", cmd_mem },
	{ "cpus", "", "physical CPUs the hyp brought up", cmd_hyp },
	{ "peek", "ADDRESS", "read 8 bytes of physical memory", cmd_peek },
	{ "poke", "ADDR VAL", "write 8 bytes of physical memory", cmd_poke },
	{ "vm", "...", "create, map, " VM_HELP_TEST "stop, clear, destroy a VM", cmd_vm },
	{ "frames", "[OWNER]", "frames and table pages per owner", cmd_frames },
	{ "page", "PFN", "ownership record of a frame", cmd_page },
	{ "guest", "NAME [NAME]", "run test guests, showing their output", cmd_guest },
	{ "create", "NAME", "create a VM from vms/NAME.cfg of the bundle", cmd_create },
	{ "start", "NAME", "start a VM", cmd_start },
	{ "run", "NAME", "create, start and attach to a VM", cmd_run },
	{ "list", "", "the VMs, their state, memory, exits, uptime", cmd_list },
	{ "info", "NAME", "a VM's configuration and vCPUs", cmd_info },
	{ "console", "NAME [hvc]", "attach to a VM's console (Ctrl-] detaches; hvc: type into its virtio console)", cmd_console },
	{ "stop", "NAME", "stop running a VM's vCPUs (start resumes)", cmd_stop },
	{ "destroy", "NAME", "stop a VM and take its memory back", cmd_destroy },
	{ "shutdown", "NAME [S]", "press VM NAME's power key; destroy it after S s (60)",
	  cmd_shutdown },
	{ "reboot", "NAME [S]", "press VM NAME's restart key; destroy it after S s (60)",
	  cmd_reboot },
	{ "probe", "NAME", "try to read every page given to a VM", cmd_probe },
	{ "disk-save", "NAME IMAGE", "keep VM NAME's disk as image IMAGE", cmd_disk_save },
	{ "memset-bench", "MIB", "time a memset of MIB of free memory", cmd_memset_bench },
	{ "bench", "", "instruction counts of the hyp's calls (PMU)", cmd_bench },
#if CONFIG_TEST_HOOKS
	{ "test-fault", "CPU", "make an idle CPU fault at EL2 (test builds)",
	  cmd_test_fault },
	{ "hostile", "...", "attacks of a compromised VMM (test builds)", cmd_hostile },
#endif
};

static void cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		con_printf("  %-12s %-11s %s\n", commands[i].name, commands[i].args,
			   commands[i].help);
	}
}

static int split(char *line, char **argv)
{
	int argc = 0;

	for (char *p = line; *p != '\0' && argc < MAX_ARGS;) {
		while (*p == ' ' || *p == '\t') {
			*p++ = '\0';
		}
		if (*p == '\0') {
			break;
		}
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			p++;
		}
	}
	return argc;
}

static void execute(char *line)
{
	char *argv[MAX_ARGS];
	int argc = split(line, argv);

	if (argc == 0) {
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].run(argc, argv);
			return;
		}
	}
	con_printf("%s: unknown command (try 'help')\n", argv[0]);
}

/*
 * Line editing, a byte at a time: echo, backspace, Ctrl-C. Returns true
 * when a line is complete in buf.
 */
static bool edit(char *buf, size_t size, size_t *n, int c)
{
	if (c == '\r' || c == '\n') {
		con_putc('\n');
		buf[*n] = '\0';
		*n = 0;
		return true;
	}
	if (c == 0x7f || c == 0x08) {
		if (*n > 0) {
			(*n)--;
			con_write("\b \b", 3);
		}
	} else if (c == 0x03) {
		con_write("^C\n", 3);
		buf[0] = '\0';
		*n = 0;
		return true;
	} else if (c >= 0x20 && c < 0x7f && *n + 1 < size) {
		buf[(*n)++] = (char)c;
		con_putc((char)c);
	}
	return false;
}

/* Typed input waiting for the attached VM's UART to have room. */
static struct {
	u8 buf[1024];
	u32 head, count;
} ahead;

/* Typed input for the attached VMs (the first takes it); Ctrl-] detaches. */
static void attached_input(u8 c)
{
	if (c == 0x1d) {
		vm_detach_all();
		ahead.count = 0;
		con_putc('\n');
	} else if (ahead.count < sizeof(ahead.buf)) {
		ahead.buf[(ahead.head + ahead.count++) % sizeof(ahead.buf)] = c;
	}
}

/* Moves typed input into the attached VM's UART as its FIFO drains. */
static void feed_attached(void)
{
	struct vm *vm;

	if (vm_attached == 0) {
		ahead.count = 0;
		return;
	}
	vm = &vm_table[__builtin_ctz(vm_attached)];
	while (ahead.count != 0 && vm_io_type(vm, ahead.buf[ahead.head])) {
		ahead.head = (ahead.head + 1) % sizeof(ahead.buf);
		ahead.count--;
	}
}

/*
 * CPU 0's loop: the console (the shell, or the input of attached VMs), the
 * reaping of VMs that ended, and vCPUs too when the VMM has no other CPU.
 */
void shell_run(void)
{
	char line[LINE_MAX];
	size_t n = 0;
	bool was_attached = false;
	u64 idle_us = IDLE_MIN_US;

	if (vm_attached == 0) {
		con_write("vmm> ", 5);
	}
	for (;;) {
		bool active = false;
		int c = -1;
		u8 text[2];
		u32 ntext;

		/* The line is always read: frames must get through even while
		 * an attached VM does not take its input (that waits in ahead). */
		c = ahead.count < sizeof(ahead.buf) ? con_getc() : -1;
		ntext = c >= 0 ? ctl_input((u8)c, text) : 0;
		active = c >= 0 || ctl_console_busy();
		for (u32 i = 0; i < ntext; i++) {
			if (vm_attached != 0) {
				attached_input(text[i]);
			} else if (edit(line, sizeof(line), &n, text[i])) {
				execute(line);
				if (vm_attached == 0) {
					con_write("vmm> ", 5);
				}
			}
		}
		feed_attached();
		ctl_poll();
		/* A command that attached a VM which ended at once (a short
		 * test guest, reaped just below) still gets its prompt back. */
		was_attached = was_attached || vm_attached != 0;
		vm_reap();
		if (was_attached && vm_attached == 0) {
			con_write("vmm> ", 5);
		}
		was_attached = vm_attached != 0;
		if (vmm_cpus_running <= 1) {
			active = vm_run_one() || active;
		}
		if (active) {
			idle_us = IDLE_MIN_US;
		} else {
			/* Nothing came in: sleep (input waits in the UART). */
			(void)hv_cpu_idle(idle_us);
			if (vmm_cpus_running > 1) {
				idle_us = MIN(idle_us * 2, IDLE_MAX_US);
			}
		}
	}
}
