/*
 * vmctl: controls the VMs of a running system through the VMM's control
 * protocol (docs/control-protocol.md), over the VMM's console line: a Unix
 * socket (QEMU's UART, or the one `./build.sh run` serves) or a serial
 * device. The manual is docs/vmctl.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <ctl/proto.h>
#include <vmm/vmcfg.h>

#include "vmctl.h"

#ifndef VMCTL_VERSION
#define VMCTL_VERSION "unknown"
#endif

#define UPLOAD_CHUNK 2048
#define DETACH_KEY 0x1d /* Ctrl-] */

static int json;

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
		"  console NAME      attach this terminal to a VM's console (Ctrl-] detaches)\n"
		"  info NAME         a VM's configuration and vCPUs\n"
		"  stats             the VMs and the frames the hyp records for each owner\n"
		"  images            images VMs can boot: uploaded, and in the bundle\n"
		"  upload FILE [NAME]  send an image to the VMM (named after FILE by default)\n"
		"  disk-save NAME IMAGE  keep VM NAME's disk, with its writes, as image IMAGE\n"
		"  ping              check the connection; prints the VMM's version\n"
		"\n"
		"Options:\n"
		"  -c, --connect PATH  the VMM's console: a Unix socket or a serial device\n"
		"                      (default: $VMCTL_CONNECT)\n"
		"  --json              machine-readable output\n"
		"  -h, --help          this help\n"
		"  -V, --version       vmctl's version\n"
		"\n"
		"Exit status: 0 done, 1 refused by the VMM, 2 bad usage or configuration,\n"
		"3 the VMM could not be reached.\n");
}

/* -------------------------------------------------------- commands ---- */

static size_t name_arg(const char *name)
{
	size_t n = strlen(name);

	if (!vmcfg_valid_name(name)) {
		die(EX_USAGE, "'%s' is not a VM name", name);
	}
	return n;
}

static int cmd_list(void)
{
	struct ctl_frame *r = request(CTL_LIST, NULL, 0);
	const struct ctl_vm *v = (const struct ctl_vm *)(const void *)r->payload;
	size_t n = r->len / sizeof(*v);

	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ",\n " : "");
			json_vm(&v[i]);
		}
		printf("]\n");
		return EX_OK;
	}
	print_vm_header();
	for (size_t i = 0; i < n; i++) {
		print_vm(&v[i]);
	}
	return EX_OK;
}

/* Reads and checks a configuration file; exits with FILE:LINE: on errors. */
static void load_config(const char *file, struct vm_config *c)
{
	static char text[CTL_MAX_PAYLOAD];
	struct vmcfg_error e;
	FILE *f = fopen(file, "r");
	size_t n;

	if (f == NULL) {
		die(EX_USAGE, "%s: %s", file, strerror(errno));
	}
	n = fread(text, 1, sizeof(text), f);
	if (n == sizeof(text) && fgetc(f) != EOF) {
		die(EX_USAGE, "%s: larger than %zu bytes", file, sizeof(text));
	}
	fclose(f);
	if (vmcfg_parse(text, n, c, &e) != 0) {
		if (e.line != 0) {
			die(EX_USAGE, "%s:%u: %s", file, e.line, e.msg);
		}
		die(EX_USAGE, "%s: %s", file, e.msg);
	}
}

static int cmd_create(const struct vm_config *cfg)
{
	char canon[CTL_MAX_PAYLOAD] = "";
	const struct vm_config c = *cfg;
	struct ctl_frame *r;
	const struct ctl_vm *v;

	/* What the VMM gets: the settings alone, in one canonical form. */
	if (vmcfg_format(&c, canon, sizeof(canon)) < 0) {
		die(EX_USAGE, "the configuration does not fit in a request");
	}
	r = request(CTL_CREATE, canon, strlen(canon));
	v = (const struct ctl_vm *)(const void *)r->payload;
	if (r->len < sizeof(*v)) {
		die(EX_CONNECT, "short reply from the VMM");
	}
	if (json) {
		json_vm(v);
		printf("\n");
	} else {
		printf("%s: created as vm%u (%u MiB, %u vCPUs); 'vmctl start %s' runs it\n",
		       v->name, v->vmid, v->memory_mib, v->vcpus, v->name);
	}
	return EX_OK;
}

static int cmd_simple(uint8_t type, const char *name, const char *done)
{
	request(type, name, name_arg(name));
	if (json) {
		printf("{\"name\": ");
		json_str(name, strlen(name));
		printf(", \"result\": \"%s\"}\n", done);
	} else {
		printf("%s: %s\n", name, done);
	}
	return EX_OK;
}

static int cmd_disk_save(const char *name, const char *image)
{
	char payload[CTL_NAME_LEN + 64];
	size_t n = name_arg(name);
	size_t m = strlen(image);

	if (m == 0 || m > 63) {
		die(EX_USAGE, "image names are 1-63 characters");
	}
	memcpy(payload, name, n);
	payload[n] = '\0';
	memcpy(payload + n + 1, image, m);
	request(CTL_DISK_SAVE, payload, n + 1 + m);
	if (json) {
		printf("{\"name\": ");
		json_str(name, strlen(name));
		printf(", \"image\": ");
		json_str(image, m);
		printf(", \"result\": \"saved\"}\n");
	} else {
		printf("%s: disk saved as image %s\n", name, image);
	}
	return EX_OK;
}

static const char *const dev_kind[3] = { "block", "network", "console" };

static int cmd_info(const char *name)
{
	struct ctl_frame *r = request(CTL_INFO, name, name_arg(name));
	const struct ctl_vm_info *i = (const struct ctl_vm_info *)(const void *)r->payload;
	uint32_t nv;

	if (r->len < sizeof(*i)) {
		die(EX_CONNECT, "short reply from the VMM");
	}
	nv = i->nvcpus < 4 ? i->nvcpus : 4;
	if (json) {
		printf("{\"vm\": ");
		json_vm(&i->vm);
		printf(", \"kernel\": ");
		json_str(i->kernel, sizeof(i->kernel));
		printf(", \"ramdisk\": ");
		json_str(i->ramdisk, sizeof(i->ramdisk));
		printf(", \"cmdline\": ");
		json_str(i->cmdline, sizeof(i->cmdline));
		printf(", \"vcpus\": [");
		for (uint32_t k = 0; k < nv; k++) {
			printf("%s{\"on\": %s, \"in_wfi\": %s, \"pending\": %llu}", k ? ", " : "",
			       i->vcpu[k].on ? "true" : "false",
			       i->vcpu[k].waiting ? "true" : "false",
			       (unsigned long long)i->vcpu[k].pending);
		}
		printf("], \"io_window_mib\": %u, \"devices\": [", i->io_window_mib);
		for (uint32_t k = 0, first = 1; k < 3; k++) {
			const struct ctl_device *d = &i->dev[k];

			if (!d->present) {
				continue;
			}
			printf("%s{\"kind\": \"%s\", \"detail\": ", first ? "" : ", ", dev_kind[k]);
			json_str(d->detail, sizeof(d->detail));
			printf(", \"requests\": %llu, \"refusals\": %llu, \"needs_reset\": %s",
			       (unsigned long long)d->requests, (unsigned long long)d->refusals,
			       d->needs_reset ? "true" : "false");
			if (k == 1) {
				printf(", \"spoofed\": %llu, \"undelivered\": %llu",
				       (unsigned long long)i->port.spoofed,
				       (unsigned long long)i->port.undelivered);
			}
			printf("}");
			first = 0;
		}
		printf("]}\n");
		return EX_OK;
	}
	print_vm_header();
	print_vm(&i->vm);
	printf("kernel   %.64s\nramdisk  %.64s\ncmdline  %.256s\n", i->kernel,
	       i->ramdisk[0] ? i->ramdisk : "none", i->cmdline);
	printf("memory   %u MiB%s, %u MiB given; %llu frames at the hyp\n", i->vm.memory_mib,
	       (i->vm.flags & CTL_VM_ON_DEMAND) ? " on demand" : "", i->vm.given_mib,
	       (unsigned long long)i->vm.frames);
	for (uint32_t k = 0; k < nv; k++) {
		printf("vcpu %u   %s%s, pending 0x%llx\n", k, i->vcpu[k].on ? "on" : "off",
		       i->vcpu[k].waiting ? ", in WFI" : "", (unsigned long long)i->vcpu[k].pending);
	}
	if (i->io_window_mib != 0) {
		printf("window   %u MiB granted by the VM at boot for its I/O\n", i->io_window_mib);
	}
	for (uint32_t k = 0; k < 3; k++) {
		const struct ctl_device *d = &i->dev[k];

		if (d->present) {
			printf("virtio   %-8s %-28.64s %llu requests, %llu refused%s", dev_kind[k],
			       d->detail[0] ? d->detail : "-", (unsigned long long)d->requests,
			       (unsigned long long)d->refusals,
			       d->needs_reset ? "; needs a reset" : "");
			if (k == 1) {
				printf("; frames dropped: %llu spoofed, %llu undelivered",
				       (unsigned long long)i->port.spoofed,
				       (unsigned long long)i->port.undelivered);
			}
			printf("\n");
		}
	}
	return EX_OK;
}

static int cmd_stats(void)
{
	static struct ctl_frame lst;
	struct ctl_frame *r = request(CTL_LIST, NULL, 0);
	const struct ctl_vm *v;
	const struct ctl_stats *st;
	const struct ctl_owner *o;
	size_t nv;
	uint64_t total = 0;

	lst = *r;
	v = (const struct ctl_vm *)(const void *)lst.payload;
	nv = lst.len / sizeof(*v);
	r = request(CTL_STATS, NULL, 0);
	st = (const struct ctl_stats *)(const void *)r->payload;
	o = (const struct ctl_owner *)(const void *)(st + 1);
	if (r->len < sizeof(*st) || r->len < sizeof(*st) + st->nowners * sizeof(*o)) {
		die(EX_CONNECT, "short reply from the VMM");
	}
	for (uint32_t k = 0; k < st->nowners; k++) {
		total += o[k].frames;
	}
	if (json) {
		printf("{\"vms\": [");
		for (size_t k = 0; k < nv; k++) {
			printf(k ? ", " : "");
			json_vm(&v[k]);
		}
		printf("], \"owners\": [");
		for (uint32_t k = 0; k < st->nowners; k++) {
			printf("%s{\"owner\": %u, \"name\": ", k ? ", " : "", o[k].owner);
			json_str(o[k].name, sizeof(o[k].name));
			printf(", \"frames\": %llu, \"table_pages\": %u}",
			       (unsigned long long)o[k].frames, o[k].table_pages);
		}
		printf("], \"frames_total\": %llu, \"free_mib\": %u, \"table_pages_free\": %u}\n",
		       (unsigned long long)total, st->free_mib, st->table_pages_free);
		return EX_OK;
	}
	print_vm_header();
	for (size_t k = 0; k < nv; k++) {
		print_vm(&v[k]);
	}
	printf("\n%-6s %-16s %12s %12s\n", "OWNER", "NAME", "FRAMES", "TABLE_PAGES");
	for (uint32_t k = 0; k < st->nowners; k++) {
		printf("%-6u %-16.*s %12llu %12u\n", o[k].owner, CTL_NAME_LEN, o[k].name,
		       (unsigned long long)o[k].frames, o[k].table_pages);
	}
	printf("%-6s %-16s %12llu\n", "", "total", (unsigned long long)total);
	printf("%u MiB free for VMs; %u table pages free in the hyp's pool\n", st->free_mib,
	       st->table_pages_free);
	return EX_OK;
}

static int cmd_images(void)
{
	struct ctl_frame *r = request(CTL_IMAGES, NULL, 0);
	const struct ctl_image *im = (const struct ctl_image *)(const void *)r->payload;
	size_t n = r->len / sizeof(*im);

	if (json) {
		printf("[");
		for (size_t k = 0; k < n; k++) {
			printf(k ? ",\n " : "");
			printf("{\"name\": ");
			json_str(im[k].name, sizeof(im[k].name));
			printf(", \"size\": %llu, \"source\": \"%s\"}", (unsigned long long)im[k].size,
			       im[k].uploaded ? "uploaded" : "bundle");
		}
		printf("]\n");
		return EX_OK;
	}
	printf("%-40s %12s %s\n", "NAME", "BYTES", "SOURCE");
	for (size_t k = 0; k < n; k++) {
		printf("%-40.64s %12llu %s\n", im[k].name, (unsigned long long)im[k].size,
		       im[k].uploaded ? "uploaded" : "bundle");
	}
	return EX_OK;
}

static int cmd_upload(const char *file, const char *name)
{
	struct ctl_upload u;
	uint8_t chunk[4 + UPLOAD_CHUNK];
	FILE *f = fopen(file, "rb");
	uint32_t crc = 0;
	uint64_t size;
	uint64_t off = 0;
	uint64_t t0 = now_ms();
	int tty = isatty(STDERR_FILENO);

	if (f == NULL) {
		die(EX_USAGE, "%s: %s", file, strerror(errno));
	}
	if (name == NULL) {
		name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	}
	if (strlen(name) >= sizeof(u.name)) {
		die(EX_USAGE, "image name '%s' is longer than 63 characters", name);
	}
	{
		struct stat st;

		if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
			die(EX_USAGE, "%s: not a regular file", file);
		}
		size = (uint64_t)st.st_size;
	}
	memset(&u, 0, sizeof(u));
	strcpy(u.name, name);
	u.size = size;
	request(CTL_UPLOAD_BEGIN, &u, sizeof(u));
	while (off < size) {
		uint32_t o32 = (uint32_t)off;
		size_t want = size - off < UPLOAD_CHUNK ? (size_t)(size - off) : UPLOAD_CHUNK;
		size_t n = fread(chunk + 4, 1, want, f);

		if (n == 0) {
			die(EX_USAGE, "%s: read error", file);
		}
		memcpy(chunk, &o32, 4);
		crc = ctl_crc32(crc, chunk + 4, n);
		request(CTL_UPLOAD_DATA, chunk, 4 + n);
		off += n;
		if (tty && (off % (UPLOAD_CHUNK * 64) == 0 || off == size)) {
			fprintf(stderr, "\r%s: %llu of %llu KiB", name, (unsigned long long)(off >> 10),
				(unsigned long long)(size >> 10));
		}
	}
	fclose(f);
	if (tty) {
		fputc('\n', stderr);
	}
	request(CTL_UPLOAD_END, &crc, 4);
	if (json) {
		printf("{\"name\": ");
		json_str(name, strlen(name));
		printf(", \"size\": %llu, \"seconds\": %.1f}\n", (unsigned long long)size,
		       (double)(now_ms() - t0) / 1000.0);
	} else {
		printf("%s: uploaded, %llu bytes in %.1f s\n", name, (unsigned long long)size,
		       (double)(now_ms() - t0) / 1000.0);
	}
	return EX_OK;
}

static struct termios saved_tio;
static int tio_saved;

static void restore_tty(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	}
}

static int in_fd;

static void on_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int cmd_console(const char *name)
{
	uint32_t id = next_id++;
	uint8_t buf[4096];

	send_frame(CTL_CONSOLE_ATTACH, id, name, name_arg(name));
	if (!read_frame(id, TIMEOUT_MS)) {
		die(EX_CONNECT, "no reply from the VMM");
	}
	if (in.status != 0) {
		die(EX_REFUSED, "%s: %.*s", ctl_strerror(in.status), (int)in.len,
		    (const char *)in.payload);
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios t = saved_tio;

		tio_saved = 1;
		atexit(restore_tty);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		signal(SIGINT, on_signal);
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	fprintf(stderr, "[attached to %s; Ctrl-] detaches]\r\n", name);
	in_fd = STDIN_FILENO;
	write_all(STDOUT_FILENO, in.payload, in.len); /* its recent history */
	for (;;) {
		struct pollfd p[2] = { { .fd = conn, .events = POLLIN },
				       { .fd = in_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			die(EX_CONNECT, "poll: %s", strerror(errno));
		}
		if (p[0].revents & (POLLERR | POLLNVAL)) {
			die(EX_CONNECT, "the VMM's line failed");
		}
		if (p[1].revents & (POLLERR | POLLNVAL)) {
			in_fd = -1; /* no more input; output still shown */
			continue;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0 || memchr(buf, DETACH_KEY, (size_t)n) != NULL) {
				size_t keep = n <= 0 ? 0 : (size_t)((uint8_t *)memchr(buf, DETACH_KEY, (size_t)n) - buf);

				if (keep > 0) {
					send_frame(CTL_CONSOLE_INPUT, id, buf, keep);
				}
				send_frame(CTL_CONSOLE_DETACH, id, NULL, 0);
				(void)read_frame(id, 5000);
				fprintf(stderr, "\r\n[detached from %s]\r\n", name);
				return EX_OK;
			}
			send_frame(CTL_CONSOLE_INPUT, id, buf, (size_t)n);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			while (next_frame(0)) {
				if (in.id != id) {
					continue;
				}
				if (in.type == CTL_CONSOLE_DATA) {
					write_all(STDOUT_FILENO, in.payload, in.len);
				} else if (in.type == CTL_CONSOLE_END) {
					fprintf(stderr, "\r\n[%s: %.*s]\r\n", name, (int)in.len,
						(const char *)in.payload);
					return EX_OK;
				}
			}
		}
	}
}

static int cmd_ping(void)
{
	struct ctl_frame *r = request(CTL_PING, NULL, 0);

	if (json) {
		printf("{\"vmm\": ");
		json_str((const char *)r->payload, r->len);
		printf("}\n");
	} else {
		printf("vmm %.*s\n", (int)r->len, (const char *)r->payload);
	}
	return EX_OK;
}

static void need(int argc, int want, const char *cmd)
{
	if (argc != want) {
		fprintf(stderr, "%s: %s: wrong number of arguments\n", prog, cmd);
		usage(stderr);
		exit(EX_USAGE);
	}
}

int main(int argc, char **argv)
{
	const char *path = getenv("VMCTL_CONNECT");
	static struct vm_config config;
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
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "stats") == 0 || strcmp(cmd, "images") == 0 ||
	    strcmp(cmd, "ping") == 0) {
		need(argc, 0, cmd);
	} else if (strcmp(cmd, "upload") == 0) {
		if (argc < 1 || argc > 2) {
			need(argc, 1, cmd);
		}
	} else if (strcmp(cmd, "disk-save") == 0) {
		need(argc, 2, cmd);
		(void)name_arg(argv[0]);
	} else if (strcmp(cmd, "create") == 0 || strcmp(cmd, "start") == 0 ||
		   strcmp(cmd, "stop") == 0 || strcmp(cmd, "destroy") == 0 ||
		   strcmp(cmd, "console") == 0 || strcmp(cmd, "info") == 0) {
		need(argc, 1, cmd);
		if (strcmp(cmd, "create") != 0) {
			(void)name_arg(argv[0]);
		}
	} else {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(cmd, "create") == 0) {
		/* A bad file is reported without reaching for the VMM. */
		load_config(argv[0], &config);
	}
	open_conn(path);
	if (strcmp(cmd, "list") == 0) {
		return cmd_list();
	} else if (strcmp(cmd, "create") == 0) {
		return cmd_create(&config);
	} else if (strcmp(cmd, "start") == 0) {
		return cmd_simple(CTL_START, argv[0], "running");
	} else if (strcmp(cmd, "stop") == 0) {
		return cmd_simple(CTL_STOP, argv[0], "stopped");
	} else if (strcmp(cmd, "destroy") == 0) {
		return cmd_simple(CTL_DESTROY, argv[0], "destroyed");
	} else if (strcmp(cmd, "console") == 0) {
		return cmd_console(argv[0]);
	} else if (strcmp(cmd, "info") == 0) {
		return cmd_info(argv[0]);
	} else if (strcmp(cmd, "stats") == 0) {
		return cmd_stats();
	} else if (strcmp(cmd, "images") == 0) {
		return cmd_images();
	} else if (strcmp(cmd, "upload") == 0) {
		return cmd_upload(argv[0], argc == 2 ? argv[1] : NULL);
	} else if (strcmp(cmd, "disk-save") == 0) {
		return cmd_disk_save(argv[0], argv[1]);
	}
	return cmd_ping();
}
