/*
 * vmctl top: the VMs as xentop shows domains, refreshed every second: per
 * VM its state, the time its vCPUs held a physical CPU (in seconds, and
 * as a share of one CPU over the view's second: a vCPU with a CPU to
 * itself holds it while it waits in WFI, which the VMM cannot tell from
 * work), its exits per second by kind, its memory, and its block and
 * network requests per second. Each view comes from two looks at the VMM
 * a second apart (`list`, then `info` of each VM): a VM the first look did
 * not see is shown with no rates, one gone by the second is not shown.
 * --once prints one view and ends; --json prints it as one JSON object.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmctl.h"

#define TOP_MAX_VMS (CTL_MAX_PAYLOAD / sizeof(struct ctl_vm))
#define TOP_DELAY_MS 1000

/* One VM as one look saw it. */
struct top_vm {
	struct ctl_vm vm;
	struct ctl_vm_usage usage;
	uint64_t run_us; /* of all its vCPUs */
	uint64_t blk;    /* block requests so far */
	uint64_t net;    /* network requests so far */
	int has_usage;   /* the VMM sent usage (an older one does not) */
};

struct top_look {
	uint64_t at_ms;
	size_t n;
	struct top_vm vm[TOP_MAX_VMS];
};

static void look(struct top_look *l)
{
	static struct ctl_vm listed[TOP_MAX_VMS];
	struct ctl_frame *r = request(CTL_LIST, NULL, 0);
	size_t n = r->len / sizeof(struct ctl_vm);

	memcpy(listed, r->payload, n * sizeof(struct ctl_vm));
	l->at_ms = now_ms();
	l->n = 0;
	for (size_t k = 0; k < n; k++) {
		const char *name = listed[k].name;
		size_t len = strnlen(name, CTL_NAME_LEN);
		const struct ctl_vm_info *i;
		struct top_vm *v;

		r = request_any(CTL_INFO, name, len);
		i = (const struct ctl_vm_info *)(const void *)r->payload;
		if (r->status != 0 || r->len < offsetof(struct ctl_vm_info, run)) {
			continue; /* ended since the list */
		}
		v = &l->vm[l->n++];
		memset(v, 0, sizeof(*v));
		v->vm = i->vm;
		v->has_usage = r->len >= sizeof(*i);
		if (v->has_usage) {
			v->usage = i->usage;
			for (uint32_t c = 0; c < 4 && c < i->nvcpus; c++) {
				v->run_us += i->usage.run_us[c];
			}
		}
		v->blk = i->dev[0].requests;
		v->net = i->dev[1].requests;
	}
}

/* The same VM in the earlier look (same name and VMID), or v itself if it
 * is new (its rates are then 0). */
static const struct top_vm *before(const struct top_look *l, const struct top_vm *v)
{
	for (size_t k = 0; k < l->n; k++) {
		if (l->vm[k].vm.vmid == v->vm.vmid &&
		    strncmp(l->vm[k].vm.name, v->vm.name, CTL_NAME_LEN) == 0) {
			return &l->vm[k];
		}
	}
	return v;
}

/* The columns of exits by kind: MMIO, then the other reasons. */
static const struct {
	const char *name;
	uint32_t reason;
} kinds[] = {
	{ "mmio", 1 }, { "wfi", 4 }, { "irq", 7 },   { "hvc", 3 },
	{ "sgi", 6 },  { "power", 8 }, { "abort", 2 }, { "fault", 5 },
};
static const char *const mmio_names[CTL_MMIO_KINDS] = { "gic", "uart_flag_reads", "uart_other",
							 "test_device", "virtio_and_other" };

/* A counter's rate between two looks dt seconds apart. */
static double rate(uint64_t now, uint64_t then, double dt)
{
	return dt <= 0 || now < then ? 0.0 : (double)(now - then) / dt;
}

static void print_json(const struct top_look *l, const struct top_look *e)
{
	double dt = (double)(l->at_ms - e->at_ms) / 1000.0;

	printf("{\"interval_s\": %.3f, \"vms\": [", dt);
	for (size_t k = 0; k < l->n; k++) {
		const struct top_vm *v = &l->vm[k];
		const struct top_vm *b = before(e, v);

		printf("%s{\"name\": ", k ? ", " : "");
		json_str(v->vm.name, sizeof(v->vm.name));
		printf(", \"vmid\": %u, \"state\": \"%s\", \"vcpus\": %u, \"memory_mib\": %u, "
		       "\"given_mib\": %u, \"frames\": %llu, \"held_seconds\": %.3f, "
		       "\"held_percent\": %.1f, \"exits_per_s\": {\"total\": %.1f",
		       v->vm.vmid, state_name(v->vm.state), v->vm.vcpus, v->vm.memory_mib,
		       v->vm.given_mib, (unsigned long long)v->vm.frames, (double)v->run_us / 1e6,
		       rate(v->run_us, b->run_us, dt) / 1e4,
		       rate(v->vm.exits, b->vm.exits, dt));
		for (size_t x = 0; x < sizeof(kinds) / sizeof(kinds[0]); x++) {
			uint32_t r = kinds[x].reason;

			printf(", \"%s\": %.1f", kinds[x].name,
			       rate(v->usage.exits[r], b->usage.exits[r], dt));
		}
		printf("}, \"mmio_per_s\": {");
		for (uint32_t m = 0; m < CTL_MMIO_KINDS; m++) {
			printf("%s\"%s\": %.1f", m ? ", " : "", mmio_names[m],
			       rate(v->usage.mmio[m], b->usage.mmio[m], dt));
		}
		printf("}, \"block_requests_per_s\": %.1f, \"network_requests_per_s\": %.1f, "
		       "\"usage_known\": %s}",
		       rate(v->blk, b->blk, dt), rate(v->net, b->net, dt),
		       v->has_usage ? "true" : "false");
	}
	printf("]}\n");
}

static void print_table(const struct top_look *l, const struct top_look *e)
{
	double dt = (double)(l->at_ms - e->at_ms) / 1000.0;

	printf("%-16s %-8s %5s %9s %10s %6s %9s %8s %8s %8s %8s %8s %8s %8s\n", "NAME", "STATE",
	       "VCPUS", "MEM_MIB", "HELD_S", "HELD%", "EXITS/S", "MMIO/S", "WFI/S", "IRQ/S",
	       "HVC/S", "OTHER/S", "BLK_R/S", "NET_R/S");
	for (size_t k = 0; k < l->n; k++) {
		const struct top_vm *v = &l->vm[k];
		const struct top_vm *b = before(e, v);
		double other = 0.0;

		for (size_t x = 4; x < sizeof(kinds) / sizeof(kinds[0]); x++) {
			uint32_t r = kinds[x].reason;

			other += rate(v->usage.exits[r], b->usage.exits[r], dt);
		}
		printf("%-16.*s %-8s %5u %4u/%-4u %10.1f %6.1f %9.1f %8.1f %8.1f %8.1f %8.1f %8.1f "
		       "%8.1f %8.1f\n",
		       CTL_NAME_LEN, v->vm.name, state_name(v->vm.state), v->vm.vcpus,
		       v->vm.given_mib, v->vm.memory_mib, (double)v->run_us / 1e6,
		       rate(v->run_us, b->run_us, dt) / 1e4,
		       rate(v->vm.exits, b->vm.exits, dt),
		       rate(v->usage.exits[1], b->usage.exits[1], dt),
		       rate(v->usage.exits[4], b->usage.exits[4], dt),
		       rate(v->usage.exits[7], b->usage.exits[7], dt),
		       rate(v->usage.exits[3], b->usage.exits[3], dt), other,
		       rate(v->blk, b->blk, dt), rate(v->net, b->net, dt));
	}
}

static void pause_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

int cmd_top(char *const *args)
{
	static struct top_look looks[2];
	int once = args[0] != NULL;
	int cur = 0;

	look(&looks[cur]);
	for (;;) {
		pause_ms(TOP_DELAY_MS);
		cur ^= 1;
		look(&looks[cur]);
		if (!once && !json) {
			printf("\033[H\033[2J"); /* the view from the top of a clear screen */
		}
		if (json) {
			print_json(&looks[cur], &looks[cur ^ 1]);
		} else {
			print_table(&looks[cur], &looks[cur ^ 1]);
		}
		fflush(stdout);
		if (once) {
			return EX_OK;
		}
	}
}
