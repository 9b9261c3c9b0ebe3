/*
 * Device tree → struct platform. Two walks over the blob: the first finds
 * /chosen and resolves the console's path through /aliases, the second
 * visits every node with a stack of its ancestors, so that each `reg` can
 * be decoded with its parent's #address-cells/#size-cells and translated
 * through the `ranges` of every bus above it (DTSpec 2.3.8).
 */
#include <lib/fdt.h>
#include <lib/lib.h>
#include <hyp/platform.h>

#define MAX_DEPTH 16
#define PATH_MAX_LEN 128

/* GIC interrupt specifier (3 cells: type, number, flags), DT binding. */
#define GIC_SPI 0
#define GIC_PPI 1
#define GIC_SPI_BASE 32
#define GIC_PPI_BASE 16

/* A property value: pointer and length; ptr == NULL when absent. */
struct prop {
	const u8 *ptr;
	u32 len;
};

struct node {
	const char *name;
	u32 addr_cells; /* for the children */
	u32 size_cells;
	u32 path_len;
	bool done;
	struct prop ranges, reg, compat, dtype, intr, status, enable, release,
		method, model;
};

struct walk {
	struct platform *p;
	const struct fdt *f;
	struct node st[MAX_DEPTH];
	char path[PATH_MAX_LEN];
	char stdout_path[PATH_MAX_LEN];
	bool path_overflow;
};

static bool prop_is(const struct prop *pr, const char *s)
{
	size_t n = strlen(s);

	return pr->ptr != NULL && pr->len == n + 1 && memcmp(pr->ptr, s, n) == 0 &&
	       pr->ptr[n] == '\0';
}

static bool compat_has(const struct node *n, const char *s)
{
	return n->compat.ptr != NULL &&
	       fdt_stringlist_has(n->compat.ptr, n->compat.len, s);
}

/*
 * Translates `addr` from the address space of the children of st[d-1] to the
 * root's space through the `ranges` of each ancestor bus.
 */
static bool translate(const struct walk *w, u32 d, u64 *addr)
{
	for (u32 l = d - 1; l >= 1; l--) {
		const struct node *bus = &w->st[l];
		u32 cac = bus->addr_cells;
		u32 pac = w->st[l - 1].addr_cells;
		u32 sc = bus->size_cells;
		u32 entry = 4 * (cac + pac + sc);
		bool found = false;

		if (bus->ranges.ptr == NULL) {
			return false; /* not memory-mapped into the parent */
		}
		if (bus->ranges.len == 0) {
			continue; /* identity */
		}
		for (u32 o = 0; o + entry <= bus->ranges.len; o += entry) {
			u64 child;
			u64 parent;
			u64 size;

			if (!fdt_read_cells(bus->ranges.ptr + o, cac, &child) ||
			    !fdt_read_cells(bus->ranges.ptr + o + 4 * cac, pac,
					    &parent) ||
			    !fdt_read_cells(bus->ranges.ptr + o + 4 * (cac + pac), sc,
					    &size)) {
				return false;
			}
			if (*addr >= child && *addr - child < size) {
				*addr = parent + (*addr - child);
				found = true;
				break;
			}
		}
		if (!found) {
			return false;
		}
	}
	return true;
}

/* Decodes entry `i` of the reg property of the node at depth d. */
static bool reg_entry(const struct walk *w, u32 d, u32 i, struct hv_region *r)
{
	const struct node *n = &w->st[d];
	u32 ac = w->st[d - 1].addr_cells;
	u32 sc = w->st[d - 1].size_cells;
	u32 entry = 4 * (ac + sc);
	u64 size = 0;

	if (n->reg.ptr == NULL || entry == 0 || (u64)(i + 1) * entry > n->reg.len) {
		return false;
	}
	if (!fdt_read_cells(n->reg.ptr + i * entry, ac, &r->base)) {
		return false;
	}
	if (sc != 0 && !fdt_read_cells(n->reg.ptr + i * entry + 4 * ac, sc, &size)) {
		return false;
	}
	r->size = size;
	return translate(w, d, &r->base);
}

static u32 reg_count(const struct walk *w, u32 d)
{
	u32 entry = 4 * (w->st[d - 1].addr_cells + w->st[d - 1].size_cells);

	return (w->st[d].reg.ptr == NULL || entry == 0) ? 0 : w->st[d].reg.len / entry;
}

/* INTID of entry i of a 3-cell GIC `interrupts` property, or 0. */
static u32 irq_entry(const struct node *n, u32 i)
{
	const u8 *e;
	u32 num;

	if (n->intr.ptr == NULL || (u64)(i + 1) * 12 > n->intr.len) {
		return 0;
	}
	e = n->intr.ptr + i * 12;
	num = fdt_be32(e + 4);
	switch (fdt_be32(e)) {
	case GIC_SPI:
		return num < 988 ? GIC_SPI_BASE + num : 0;
	case GIC_PPI:
		return num < 16 ? GIC_PPI_BASE + num : 0;
	default:
		return 0;
	}
}

static void add_region(struct hv_region *arr, u32 *num, u32 max,
		       const struct hv_region *r)
{
	if (r->size != 0 && *num < max) {
		arr[(*num)++] = *r;
	}
}

static void visit_cpu(struct walk *w, u32 d)
{
	struct platform *p = w->p;
	const struct node *n = &w->st[d];
	struct plat_cpu *c;
	u64 mpidr;

	if (p->num_cpus >= PLAT_MAX_CPUS || n->reg.ptr == NULL ||
	    n->reg.len < 4 * w->st[d - 1].addr_cells ||
	    !fdt_read_cells(n->reg.ptr, w->st[d - 1].addr_cells, &mpidr)) {
		return;
	}
	c = &p->cpus[p->num_cpus++];
	c->mpidr = mpidr;
	c->method = CPU_METHOD_NONE;
	c->release = 0;
	if (prop_is(&n->enable, "psci")) {
		c->method = CPU_METHOD_PSCI;
	} else if (prop_is(&n->enable, "spin-table") && n->release.ptr != NULL &&
		   n->release.len == 8) {
		c->method = CPU_METHOD_SPIN_TABLE;
		c->release = fdt_be64(n->release.ptr);
	}
}

static void visit_gic(struct walk *w, u32 d, u32 version)
{
	struct plat_gic *g = &w->p->gic;

	if (g->version != 0 || !reg_entry(w, d, 0, &g->dist)) {
		return;
	}
	g->version = version;
	if (version == 3) {
		(void)reg_entry(w, d, 1, &g->redist);
	} else {
		(void)reg_entry(w, d, 1, &g->cpu);
		(void)reg_entry(w, d, 2, &g->hyp);
		(void)reg_entry(w, d, 3, &g->vcpu);
	}
	g->maint_irq = irq_entry(&w->st[d], 0);
}

static void visit_uart(struct walk *w, u32 d, u32 kind)
{
	struct platform *p = w->p;
	struct hv_region r;

	if (!reg_entry(w, d, 0, &r)) {
		return;
	}
	p->uart_kind = kind;
	p->uart = r;
	p->uart_irq = irq_entry(&w->st[d], 0);
}

/* Called once per node, when all of its properties have been read. */
static void visit(struct walk *w, u32 d)
{
	struct platform *p = w->p;
	struct node *n = &w->st[d];
	const char *parent = w->st[d - 1].name;
	struct hv_region r;

	n->done = true;
	if (n->status.ptr != NULL && !prop_is(&n->status, "okay") &&
	    !prop_is(&n->status, "ok")) {
		return;
	}
	if (d == 1 && prop_is(&n->dtype, "memory")) {
		for (u32 i = 0; i < reg_count(w, d); i++) {
			if (reg_entry(w, d, i, &r)) {
				add_region(p->mem, &p->num_mem, PLAT_MAX_MEM, &r);
			}
		}
		return;
	}
	if (d == 2 && strcmp(parent, "reserved-memory") == 0) {
		for (u32 i = 0; i < reg_count(w, d); i++) {
			if (reg_entry(w, d, i, &r)) {
				add_region(p->resv, &p->num_resv, PLAT_MAX_RESV, &r);
			}
		}
		return;
	}
	if (d == 2 && strcmp(parent, "cpus") == 0 && prop_is(&n->dtype, "cpu")) {
		visit_cpu(w, d);
		return;
	}
	if (compat_has(n, "arm,psci-1.0") || compat_has(n, "arm,psci-0.2")) {
		p->psci = prop_is(&n->method, "hvc")   ? PSCI_CONDUIT_HVC
			  : prop_is(&n->method, "smc") ? PSCI_CONDUIT_SMC
						       : PSCI_CONDUIT_NONE;
		return;
	}
	if (compat_has(n, "arm,gic-v3")) {
		visit_gic(w, d, 3);
		return;
	}
	if (compat_has(n, "arm,gic-400") || compat_has(n, "arm,cortex-a15-gic")) {
		visit_gic(w, d, 2);
		return;
	}
	if (compat_has(n, "arm,armv8-timer") || compat_has(n, "arm,armv7-timer")) {
		for (u32 i = 0; i < 4; i++) {
			p->timer_irq[i] = irq_entry(n, i);
		}
		return;
	}
	if (compat_has(n, "brcm,bcm2711-rng200")) {
		(void)reg_entry(w, d, 0, &p->rng);
		return;
	}
	if (compat_has(n, "brcm,bcm2711-emmc2") || compat_has(n, "brcm,bcm2835-sdhci")) {
		if (reg_entry(w, d, 0, &r)) {
			add_region(p->sdhci, &p->num_sdhci, ARRAY_SIZE(p->sdhci), &r);
		}
		return;
	}
	if (compat_has(n, "virtio,mmio")) {
		if (reg_entry(w, d, 0, &r)) {
			add_region(p->virtio, &p->num_virtio, PLAT_MAX_VIRTIO, &r);
		}
		return;
	}
	if (w->stdout_path[0] != '\0' && strcmp(w->path, w->stdout_path) != 0) {
		return;
	}
	if (p->uart_kind == HV_UART_NONE && compat_has(n, "arm,pl011")) {
		visit_uart(w, d, HV_UART_PL011);
	} else if (p->uart_kind == HV_UART_NONE &&
		   compat_has(n, "brcm,bcm2835-aux-uart")) {
		visit_uart(w, d, HV_UART_BCM_AUX);
	}
}

static void record_prop(struct node *n, const struct fdt_item *it)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
		{ "ranges", offsetof(struct node, ranges) },
		{ "reg", offsetof(struct node, reg) },
		{ "compatible", offsetof(struct node, compat) },
		{ "device_type", offsetof(struct node, dtype) },
		{ "interrupts", offsetof(struct node, intr) },
		{ "status", offsetof(struct node, status) },
		{ "enable-method", offsetof(struct node, enable) },
		{ "cpu-release-addr", offsetof(struct node, release) },
		{ "method", offsetof(struct node, method) },
		{ "model", offsetof(struct node, model) },
	};

	if (strcmp(it->name, "#address-cells") == 0 && it->len == 4) {
		n->addr_cells = fdt_be32(it->value);
		return;
	}
	if (strcmp(it->name, "#size-cells") == 0 && it->len == 4) {
		n->size_cells = fdt_be32(it->value);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(it->name, known[i].name) == 0) {
			struct prop *pr = (struct prop *)((u8 *)n + known[i].off);

			pr->ptr = it->value;
			pr->len = it->len;
			return;
		}
	}
}

static void path_push(struct walk *w, u32 d, const char *name)
{
	u32 base = w->st[d - 1].path_len;
	size_t n = strlen(name);

	if (base + 1 + n + 1 > PATH_MAX_LEN) {
		w->path_overflow = true;
		n = 0;
	}
	w->path[base] = '/';
	memcpy(&w->path[base + 1], name, n);
	w->path[base + 1 + n] = '\0';
	w->st[d].path_len = base + 1 + (u32)n;
}

static void root_done(struct walk *w)
{
	const struct prop *m = &w->st[0].model;
	size_t n;

	w->st[0].done = true;
	if (m->ptr != NULL && m->len > 0) {
		n = MIN((size_t)m->len - 1, sizeof(w->p->model) - 1);
		memcpy(w->p->model, m->ptr, n);
		w->p->model[n] = '\0';
	}
}

/* Visits the node at depth d if it has not been yet. */
static void finish_props(struct walk *w, u32 d)
{
	if (w->st[d].done) {
		return;
	}
	if (d == 0) {
		root_done(w);
	} else {
		visit(w, d);
	}
}

static int walk_tree(struct walk *w)
{
	struct fdt_item it;
	u32 off = 0;
	s32 depth = -1;

	for (;;) {
		int err = fdt_next(w->f, &off, &it);

		if (err != 0) {
			return err;
		}
		if (it.token == FDT_END) {
			return depth == -1 ? 0 : FDT_E_BADSTRUCT;
		}
		if (it.token == FDT_BEGIN_NODE) {
			if (depth >= 0) {
				finish_props(w, (u32)depth);
			}
			if (depth + 1 >= MAX_DEPTH) {
				return FDT_E_DEPTH;
			}
			depth++;
			memset(&w->st[depth], 0, sizeof(w->st[depth]));
			w->st[depth].name = it.name;
			w->st[depth].addr_cells = 2; /* DTSpec 2.3.5 defaults */
			w->st[depth].size_cells = 1;
			if (depth > 0) {
				path_push(w, (u32)depth, it.name);
			} else {
				w->path[0] = '\0';
			}
		} else if (it.token == FDT_END_NODE) {
			if (depth < 0) {
				return FDT_E_BADSTRUCT;
			}
			finish_props(w, (u32)depth);
			depth--;
			if (depth >= 0) {
				w->path[w->st[depth].path_len] = '\0';
			}
		} else if (depth < 0) {
			return FDT_E_BADSTRUCT; /* property outside the root */
		} else {
			record_prop(&w->st[depth], &it);
		}
	}
}

/*
 * Finds property `prop` of the depth-1 node `node` (e.g. "chosen").
 * Returns true with *out set if present.
 */
static bool find_top_prop(const struct fdt *f, const char *node,
			  const char *prop, struct prop *out)
{
	struct fdt_item it;
	u32 off = 0;
	s32 depth = -1;
	bool inside = false;

	while (fdt_next(f, &off, &it) == 0 && it.token != FDT_END) {
		if (it.token == FDT_BEGIN_NODE) {
			depth++;
			inside = depth == 1 && strcmp(it.name, node) == 0;
		} else if (it.token == FDT_END_NODE) {
			depth--;
			inside = false;
		} else if (inside && strcmp(it.name, prop) == 0) {
			out->ptr = it.value;
			out->len = it.len;
			return true;
		}
	}
	return false;
}

/* Copies a property string up to `stop` (or its end) into dst. */
static bool copy_str(char *dst, size_t size, const struct prop *pr, char stop)
{
	size_t n = 0;

	while (n < pr->len && pr->ptr[n] != '\0' && pr->ptr[n] != stop) {
		n++;
	}
	if (n >= size) {
		return false;
	}
	memcpy(dst, pr->ptr, n);
	dst[n] = '\0';
	return true;
}

/* Resolves /chosen/stdout-path, through /aliases if it names an alias. */
static void find_stdout(struct walk *w)
{
	struct prop pr;
	char alias[32];

	w->stdout_path[0] = '\0';
	if (!find_top_prop(w->f, "chosen", "stdout-path", &pr) &&
	    !find_top_prop(w->f, "chosen", "linux,stdout-path", &pr)) {
		return;
	}
	if (pr.len > 0 && pr.ptr[0] == '/') {
		if (!copy_str(w->stdout_path, sizeof(w->stdout_path), &pr, ':')) {
			w->stdout_path[0] = '\0';
		}
		return;
	}
	if (!copy_str(alias, sizeof(alias), &pr, ':') ||
	    !find_top_prop(w->f, "aliases", alias, &pr) ||
	    !copy_str(w->stdout_path, sizeof(w->stdout_path), &pr, '\0')) {
		w->stdout_path[0] = '\0';
	}
}

static bool chosen_addr(const struct fdt *f, const char *name, u64 *out)
{
	struct prop pr;

	if (!find_top_prop(f, "chosen", name, &pr)) {
		return false;
	}
	if (pr.len == 4 || pr.len == 8) {
		return fdt_read_cells(pr.ptr, pr.len / 4, out);
	}
	return false;
}

/* Where /chosen/NAME's value is in the blob, if present. */
static void chosen_prop(const struct fdt *f, const char *name, struct plat_prop *out)
{
	struct prop pr;

	if (find_top_prop(f, "chosen", name, &pr) && pr.len != 0) {
		out->off = (u32)(pr.ptr - f->blob);
		out->len = pr.len;
	}
}

static void read_rsvmap(struct walk *w)
{
	struct hv_region r;

	for (u32 i = 0; i < PLAT_MAX_RESV; i++) {
		if (fdt_rsvmap(w->f, i, &r.base, &r.size) != 1) {
			break;
		}
		add_region(w->p->resv, &w->p->num_resv, PLAT_MAX_RESV, &r);
	}
}

s64 platform_parse(struct platform *p, const void *blob, size_t max)
{
	static const char *const fdt_errors[] = {
		"", "bad magic", "truncated", "unsupported version",
		"bad structure block", "bad strings block", "nested too deeply",
	};
	struct fdt f;
	struct walk w;
	int err;
	u64 start;
	u64 end;

	memset(p, 0, sizeof(*p));
	err = fdt_open(&f, blob, max);
	if (err == 0) {
		memset(&w, 0, sizeof(w));
		w.p = p;
		w.f = &f;
		find_stdout(&w);
		read_rsvmap(&w);
		err = walk_tree(&w);
	}
	if (err < 0) {
		u32 i = (u32)-err;

		p->error = i < ARRAY_SIZE(fdt_errors) ? fdt_errors[i] : "malformed";
		return HV_E_INVALID;
	}
	if (chosen_addr(&f, "linux,initrd-start", &start) &&
	    chosen_addr(&f, "linux,initrd-end", &end) && end > start) {
		p->initrd_start = start;
		p->initrd_end = end;
	}
	chosen_prop(&f, "rng-seed", &p->rng_seed);
	chosen_prop(&f, "kaslr-seed", &p->kaslr_seed);
	if (p->num_mem == 0) {
		p->error = "no memory node";
		return HV_E_INVALID;
	}
	if (p->num_cpus == 0) {
		p->error = "no cpu nodes";
		return HV_E_INVALID;
	}
	return HV_OK;
}
