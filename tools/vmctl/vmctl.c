/*
 * vmctl: controls the VMs of a running system through the VMM's control
 * protocol (docs/control-protocol.md), over the VMM's console line: a Unix
 * socket (QEMU's UART, or the one `./build.sh run` serves) or a serial
 * device. The manual is docs/vmctl.md. This file reads the command line:
 * the options, then the command, whose arguments are checked before the
 * line is opened; commands.c and console.c do each command's work.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmctl.h"

#ifndef VMCTL_VERSION
#define VMCTL_VERSION "unknown"
#endif

int json;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmctl [-c SOCKET|TTY] [--json] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  list              the VMs: state, vCPUs, memory, exits, uptime\n"
		"  create FILE.cfg   create a VM from a configuration file (not started)\n"
		"  start NAME        start a created VM, or resume a stopped one\n"
		"  stop NAME         stop running a VM's vCPUs\n"
		"  destroy NAME      end a VM; its memory is cleared and taken back\n"
		"  shutdown NAME [--timeout S]  press the VM's power key and wait until it\n"
		"                    powers off; destroyed after S seconds (60; 0: no limit)\n"
		"  reboot NAME [--timeout S]    the same with its restart key\n"
		"  console NAME      attach this terminal to a VM's console (Ctrl-] detaches)\n"
		"  info NAME         a VM's configuration and vCPUs\n"
		"  stats             the VMs and the frames the hyp records for each owner\n"
		"  images            images VMs can boot: uploaded, and in the bundle\n"
		"  upload FILE [NAME]  send an image to the VMM (named after FILE by default)\n"
		"  disk-save NAME IMAGE  keep VM NAME's disk, with its writes, as image IMAGE\n"
		"  ping              check the connection; prints the VMM's version\n"
		"  top [--once]      a view of the VMs refreshed every second: CPU time held,\n"
		"                    exits per second by kind, memory, I/O requests per second\n"
		"\n"
		"Options:\n"
		"  -c, --connect PATH  the VMM's console: a Unix socket or a serial device\n"
		"                      (default: $VMCTL_CONNECT)\n"
		"  --json              machine-readable output\n"
		"  -h, --help          this help\n"
		"  -V, --version       vmctl's version\n"
		"\n"
		"Exit status: 0 done, 1 refused by the VMM (or the VM did not shut down\n"
		"in time), 2 bad usage or configuration,\n"
		"3 the VMM could not be reached.\n");
}

static void check_name(char *const *args)
{
	(void)name_arg(args[0]);
}

static void check_top(char *const *args)
{
	if (args[0] != NULL && strcmp(args[0], "--once") != 0) {
		fprintf(stderr, "%s: top: unknown argument '%s' (only --once)\n", prog, args[0]);
		exit(EX_USAGE);
	}
}

/* A command: its arguments (between min_args and max_args), what is checked
 * of them before the line is opened, and the work. */
static const struct command {
	const char *name;
	int min_args;
	int max_args;
	void (*check)(char *const *args);
	int (*run)(char *const *args);
} commands[] = {
	{ "list", 0, 0, NULL, cmd_list },
	{ "create", 1, 1, check_create, cmd_create },
	{ "start", 1, 1, check_name, cmd_start },
	{ "stop", 1, 1, check_name, cmd_stop },
	{ "destroy", 1, 1, check_name, cmd_destroy },
	{ "shutdown", 1, 3, check_end, cmd_shutdown },
	{ "reboot", 1, 3, check_end, cmd_reboot },
	{ "console", 1, 1, check_name, cmd_console },
	{ "info", 1, 1, check_name, cmd_info },
	{ "stats", 0, 0, NULL, cmd_stats },
	{ "images", 0, 0, NULL, cmd_images },
	{ "upload", 1, 2, NULL, cmd_upload },
	{ "disk-save", 2, 2, check_name, cmd_disk_save },
	{ "ping", 0, 0, NULL, cmd_ping },
	{ "top", 0, 1, check_top, cmd_top },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			return &commands[i];
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = getenv("VMCTL_CONNECT");
	const struct command *c;
	int i = 1;
	const char *cmd;

	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("vmctl %s\n", VMCTL_VERSION);
			return EX_OK;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if ((strcmp(a, "-c") == 0 || strcmp(a, "--connect") == 0) && i + 1 < argc) {
			path = argv[++i];
		} else if (strncmp(a, "--connect=", 10) == 0) {
			path = a + 10;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[i];
	argc -= i + 1;
	argv += i + 1;
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	c = find_command(cmd);
	if (c == NULL) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		usage(stderr);
		return EX_USAGE;
	}
	if (argc < c->min_args || argc > c->max_args) {
		fprintf(stderr, "%s: %s: wrong number of arguments\n", prog, cmd);
		usage(stderr);
		return EX_USAGE;
	}
	/* A bad name or configuration file is reported without reaching for
	 * the VMM. */
	if (c->check != NULL) {
		c->check(argv);
	}
	open_conn(path);
	return c->run(argv);
}
