/*
 * vmctl's commands: each sends its requests over the line to the VMM and
 * prints the replies, as a table or as JSON (docs/vmctl.md). The
 * interactive console is console.c; the command line is vmctl.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctl/proto.h>
#include <vmm/vmcfg.h>

#include "vmctl.h"

#define UPLOAD_CHUNK 2048

size_t name_arg(const char *name)
{
	size_t n = strlen(name);

	if (!vmcfg_valid_name(name)) {
		die(EX_USAGE, "'%s' is not a VM name", name);
	}
	return n;
}

int cmd_list(char *const *args)
{
	struct ctl_frame *r = request(CTL_LIST, NULL, 0);
	const struct ctl_vm *v = (const struct ctl_vm *)(const void *)r->payload;
	size_t n = r->len / sizeof(*v);

	(void)args;
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

/* The configuration of create, read before the line is opened. */
static struct vm_config config;

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

void check_create(char *const *args)
{
	load_config(args[0], &config);
}

int cmd_create(char *const *args)
{
	char canon[CTL_MAX_PAYLOAD] = "";
	const struct vm_config c = config;
	struct ctl_frame *r;
	const struct ctl_vm *v;

	(void)args;
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

int cmd_start(char *const *args)
{
	return cmd_simple(CTL_START, args[0], "running");
}

int cmd_stop(char *const *args)
{
	return cmd_simple(CTL_STOP, args[0], "stopped");
}

int cmd_destroy(char *const *args)
{
	return cmd_simple(CTL_DESTROY, args[0], "destroyed");
}

int cmd_disk_save(char *const *args)
{
	const char *name = args[0];
	const char *image = args[1];
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

/* A vCPU's last exit (HV_EXIT_*), by name. */
static const char *exit_name(uint32_t reason)
{
	static const char *const names[] = { "none", "mmio",  "abort", "hvc",  "wfi",
					     "fault", "sgi", "irq",   "power" };

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}

int cmd_info(char *const *args)
{
	const char *name = args[0];
	struct ctl_frame *r = request(CTL_INFO, name, name_arg(name));
	const struct ctl_vm_info *i = (const struct ctl_vm_info *)(const void *)r->payload;
	uint32_t nv;
	int has_run;

	if (r->len < offsetof(struct ctl_vm_info, run)) {
		die(EX_CONNECT, "short reply from the VMM");
	}
	has_run = r->len >= sizeof(*i); /* an older VMM sends no ctl_vcpu_run */
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
			printf("%s{\"on\": %s, \"in_wfi\": %s, \"pending\": %llu", k ? ", " : "",
			       i->vcpu[k].on ? "true" : "false",
			       i->vcpu[k].waiting ? "true" : "false",
			       (unsigned long long)i->vcpu[k].pending);
			if (has_run) {
				printf(", \"running\": %s, \"cpu\": %u, \"exits\": %llu, "
				       "\"last_exit\": \"%s\"",
				       i->run[k].running ? "true" : "false", i->run[k].cpu,
				       (unsigned long long)i->run[k].exits,
				       exit_name(i->run[k].last_exit));
			}
			printf("}");
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
		printf("vcpu %u   %s%s", k, i->vcpu[k].on ? "on" : "off",
		       i->vcpu[k].waiting ? ", in WFI" : "");
		if (has_run && i->run[k].running) {
			printf(", running on CPU %u", i->run[k].cpu);
		}
		printf(", pending 0x%llx", (unsigned long long)i->vcpu[k].pending);
		if (has_run) {
			printf("; %llu exits, the last %s", (unsigned long long)i->run[k].exits,
			       exit_name(i->run[k].last_exit));
		}
		printf("\n");
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

int cmd_stats(char *const *args)
{
	static struct ctl_frame lst;
	struct ctl_frame *r = request(CTL_LIST, NULL, 0);
	const struct ctl_vm *v;
	const struct ctl_stats *st;
	const struct ctl_owner *o;
	size_t nv;
	uint64_t total = 0;

	(void)args;
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

int cmd_images(char *const *args)
{
	struct ctl_frame *r = request(CTL_IMAGES, NULL, 0);
	const struct ctl_image *im = (const struct ctl_image *)(const void *)r->payload;
	size_t n = r->len / sizeof(*im);

	(void)args;
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

int cmd_upload(char *const *args)
{
	const char *file = args[0];
	const char *name = args[1];
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

int cmd_ping(char *const *args)
{
	struct ctl_frame *r = request(CTL_PING, NULL, 0);

	(void)args;
	if (json) {
		printf("{\"vmm\": ");
		json_str((const char *)r->payload, r->len);
		printf("}\n");
	} else {
		printf("vmm %.*s\n", (int)r->len, (const char *)r->payload);
	}
	return EX_OK;
}
