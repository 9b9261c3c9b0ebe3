/*
 * Flattened device tree writer and the guests' device tree. See vmm/fdtw.h.
 */
#include <lib/lib.h>
#include <vmm/fdtw.h>

#define FDT_MAGIC 0xd00dfeedU
#define HDR_LEN 40
#define RSVMAP_LEN 16 /* one terminating entry */
#define TOK_BEGIN 1U
#define TOK_END 2U
#define TOK_PROP 3U
#define TOK_FINISH 9U

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static void emit(struct fdtw *w, const void *data, u32 len)
{
	if (len == 0) {
		return;
	}
	if (w->overflow || len > w->size - w->pos) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->pos, data, len);
	w->pos += len;
}

static void emit32(struct fdtw *w, u32 v)
{
	u8 b[4];

	put32(b, v);
	emit(w, b, 4);
}

static void pad4(struct fdtw *w)
{
	static const u8 zero[4];

	emit(w, zero, (4 - (w->pos & 3)) & 3);
}

void fdtw_init(struct fdtw *w, void *buf, u32 size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	w->pos = HDR_LEN + RSVMAP_LEN;
	if (size < w->pos) {
		w->overflow = true;
		return;
	}
	memset(buf, 0, w->pos);
}

void fdtw_begin_node(struct fdtw *w, const char *name)
{
	emit32(w, TOK_BEGIN);
	emit(w, name, (u32)strlen(name) + 1);
	pad4(w);
	w->depth++;
}

void fdtw_end_node(struct fdtw *w)
{
	emit32(w, TOK_END);
	if (w->depth == 0) {
		w->overflow = true;
	} else {
		w->depth--;
	}
}

/* Offset of name in the strings block, adding it if new. */
static u32 string_off(struct fdtw *w, const char *name)
{
	u32 n = (u32)strlen(name) + 1;

	for (u32 o = 0; o < w->strings_len;) {
		if (strcmp(w->strings + o, name) == 0) {
			return o;
		}
		o += (u32)strlen(w->strings + o) + 1;
	}
	if (n > FDTW_STRINGS - w->strings_len) {
		w->overflow = true;
		return 0;
	}
	memcpy(w->strings + w->strings_len, name, n);
	w->strings_len += n;
	return w->strings_len - n;
}

void fdtw_prop(struct fdtw *w, const char *name, const void *value, u32 len)
{
	emit32(w, TOK_PROP);
	emit32(w, len);
	emit32(w, string_off(w, name));
	emit(w, value, len);
	pad4(w);
}

void fdtw_prop_empty(struct fdtw *w, const char *name)
{
	fdtw_prop(w, name, NULL, 0);
}

void fdtw_prop_u32(struct fdtw *w, const char *name, u32 v)
{
	fdtw_prop_cells(w, name, &v, 1);
}

void fdtw_prop_u64(struct fdtw *w, const char *name, u64 v)
{
	u32 c[2] = { (u32)(v >> 32), (u32)v };

	fdtw_prop_cells(w, name, c, 2);
}

void fdtw_prop_cells(struct fdtw *w, const char *name, const u32 *cells, u32 n)
{
	u8 b[64];

	if (n > sizeof(b) / 4) {
		w->overflow = true;
		return;
	}
	for (u32 i = 0; i < n; i++) {
		put32(b + 4 * i, cells[i]);
	}
	fdtw_prop(w, name, b, 4 * n);
}

void fdtw_prop_str(struct fdtw *w, const char *name, const char *s)
{
	fdtw_prop(w, name, s, (u32)strlen(s) + 1);
}

s32 fdtw_finish(struct fdtw *w)
{
	u32 struct_off = HDR_LEN + RSVMAP_LEN;
	u32 struct_len;
	u32 strings_off;

	emit32(w, TOK_FINISH);
	struct_len = w->pos - struct_off;
	strings_off = w->pos;
	emit(w, w->strings, w->strings_len);
	if (w->overflow || w->depth != 0) {
		return -1;
	}
	put32(w->buf + 0, FDT_MAGIC);
	put32(w->buf + 4, w->pos);           /* totalsize */
	put32(w->buf + 8, struct_off);       /* off_dt_struct */
	put32(w->buf + 12, strings_off);     /* off_dt_strings */
	put32(w->buf + 16, HDR_LEN);         /* off_mem_rsvmap */
	put32(w->buf + 20, 17);              /* version */
	put32(w->buf + 24, 16);              /* last_comp_version */
	put32(w->buf + 28, 0);               /* boot_cpuid_phys */
	put32(w->buf + 32, w->strings_len);  /* size_dt_strings */
	put32(w->buf + 36, struct_len);      /* size_dt_struct */
	return (s32)w->pos;
}

/* The guest layout: QEMU virt's addresses (docs/architecture.md). */
#define GICD_BASE 0x08000000U
#define GICC_BASE 0x08010000U
#define GICR_BASE 0x080a0000U
#define GICR_STRIDE 0x20000U
#define UART_BASE 0x09000000U
#define UART_SPI 1U
#define PHANDLE_GIC 1U
#define PHANDLE_CLK 2U
#define GIC_SPI 0U
#define GIC_PPI 1U
#define IRQ_LEVEL_HIGH 4U
#define PPI_LEVEL_LOW 8U /* with all CPUs in the mask: 0xf08 */

static void node_name(char *buf, u32 size, const char *base, u64 addr)
{
	fmt_format(buf, size, "%s@%lx", base, (unsigned long)addr);
}

static void reg(struct fdtw *w, u64 base, u64 size)
{
	u32 cells[4] = { (u32)(base >> 32), (u32)base, (u32)(size >> 32), (u32)size };

	fdtw_prop_cells(w, "reg", cells, 4);
}

/*
 * The virtio-mmio devices, on a simple bus whose dma-ranges limit DMA to
 * the window the VM grants: Linux then allocates rings there (its DMA
 * zone ends at the window's top) and bounces every other buffer through
 * its swiotlb, which it also places there (docs/io.md).
 */
static void virtio_bus(struct fdtw *w, const struct guest_dt *c)
{
	char name[40];
	u32 cells[6];

	fdtw_begin_node(w, "virtio-bus");
	fdtw_prop_str(w, "compatible", "simple-bus");
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_empty(w, "ranges");
	if (c->dma_size != 0) {
		cells[0] = cells[2] = (u32)(c->dma_base >> 32);
		cells[1] = cells[3] = (u32)c->dma_base;
		cells[4] = (u32)(c->dma_size >> 32);
		cells[5] = (u32)c->dma_size;
		fdtw_prop_cells(w, "dma-ranges", cells, 6);
	}
	fdtw_prop_empty(w, "dma-coherent");
	for (u32 s = 0; s < 32; s++) {
		u64 base = c->virtio_base + s * c->virtio_stride;

		if ((c->virtio_slots & (1U << s)) == 0) {
			continue;
		}
		node_name(name, sizeof(name), "virtio_mmio", base);
		fdtw_begin_node(w, name);
		fdtw_prop_str(w, "compatible", "virtio,mmio");
		reg(w, base, c->virtio_stride);
		cells[0] = GIC_SPI;
		cells[1] = c->virtio_spi + s;
		cells[2] = IRQ_LEVEL_HIGH;
		fdtw_prop_cells(w, "interrupts", cells, 3);
		fdtw_prop_empty(w, "dma-coherent");
		fdtw_end_node(w);
	}
	fdtw_end_node(w);
}

s32 guest_dt_build(void *buf, u32 size, const struct guest_dt *c)
{
	static const char virt[] = "linux,dummy-virt";
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	static const char uart_compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	struct fdtw w;
	char name[40];
	u32 cells[16];
	u32 ppi_flags = ((1U << c->ncpus) - 1) << 8 | PPI_LEVEL_LOW;

	fdtw_init(&w, buf, size);
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_prop(&w, "compatible", virt, sizeof(virt));
	fdtw_prop_str(&w, "model", "hyp protected VM");
	fdtw_prop_u32(&w, "interrupt-parent", PHANDLE_GIC);

	fdtw_begin_node(&w, "chosen");
	if (c->bootargs != NULL) {
		fdtw_prop_str(&w, "bootargs", c->bootargs);
	}
	node_name(name, sizeof(name), "/pl011", UART_BASE);
	fdtw_prop_str(&w, "stdout-path", name);
	if (c->initrd_start != 0) {
		fdtw_prop_u64(&w, "linux,initrd-start", c->initrd_start);
		fdtw_prop_u64(&w, "linux,initrd-end", c->initrd_end);
	}
	if (c->rng_seed_len != 0) {
		fdtw_prop(&w, "rng-seed", c->rng_seed, c->rng_seed_len);
	}
	if (c->kaslr_seeded) {
		fdtw_prop_u64(&w, "kaslr-seed", c->kaslr_seed);
	}
	fdtw_end_node(&w);

	node_name(name, sizeof(name), "memory", c->ram_base);
	fdtw_begin_node(&w, name);
	fdtw_prop_str(&w, "device_type", "memory");
	cells[0] = (u32)(c->ram_base >> 32);
	cells[1] = (u32)c->ram_base;
	cells[2] = (u32)(c->ram_size >> 32);
	cells[3] = (u32)c->ram_size;
	fdtw_prop_cells(&w, "reg", cells, 4);
	fdtw_end_node(&w);

	fdtw_begin_node(&w, "cpus");
	fdtw_prop_u32(&w, "#address-cells", 1);
	fdtw_prop_u32(&w, "#size-cells", 0);
	for (u32 i = 0; i < c->ncpus; i++) {
		node_name(name, sizeof(name), "cpu", i);
		fdtw_begin_node(&w, name);
		fdtw_prop_str(&w, "device_type", "cpu");
		fdtw_prop_str(&w, "compatible", "arm,armv8");
		fdtw_prop_u32(&w, "reg", i);
		fdtw_prop_str(&w, "enable-method", "psci");
		fdtw_end_node(&w);
	}
	fdtw_end_node(&w);

	fdtw_begin_node(&w, "psci");
	fdtw_prop(&w, "compatible", psci_compat, sizeof(psci_compat));
	fdtw_prop_str(&w, "method", "hvc");
	fdtw_end_node(&w);

	fdtw_begin_node(&w, "timer");
	fdtw_prop_str(&w, "compatible", "arm,armv8-timer");
	{
		static const u32 ppis[4] = { 13, 14, 11, 10 }; /* sec, phys, virt, hyp */

		for (u32 i = 0; i < 4; i++) {
			cells[3 * i] = GIC_PPI;
			cells[3 * i + 1] = ppis[i];
			cells[3 * i + 2] = ppi_flags;
		}
		fdtw_prop_cells(&w, "interrupts", cells, 12);
	}
	fdtw_prop_empty(&w, "always-on");
	fdtw_end_node(&w);

	if (c->pmu) {
		/* No interrupts: the hyp offers no overflow interrupt, so a
		 * guest counts, and samples nothing. */
		fdtw_begin_node(&w, "pmu");
		fdtw_prop_str(&w, "compatible", "arm,armv8-pmuv3");
		fdtw_end_node(&w);
	}

	node_name(name, sizeof(name), "intc", GICD_BASE);
	fdtw_begin_node(&w, name);
	fdtw_prop_str(&w, "compatible", c->gic_version == 3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
	fdtw_prop_u32(&w, "#interrupt-cells", 3);
	fdtw_prop_u32(&w, "#address-cells", 2); /* as for an interrupt-map parent */
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_prop_empty(&w, "ranges");
	fdtw_prop_empty(&w, "interrupt-controller");
	cells[0] = 0;
	cells[1] = GICD_BASE;
	cells[2] = 0;
	cells[3] = 0x10000;
	cells[4] = 0;
	cells[5] = c->gic_version == 3 ? GICR_BASE : GICC_BASE;
	cells[6] = 0;
	cells[7] = c->gic_version == 3 ? c->ncpus * GICR_STRIDE : 0x2000;
	fdtw_prop_cells(&w, "reg", cells, 8);
	fdtw_prop_u32(&w, "phandle", PHANDLE_GIC);
	fdtw_end_node(&w);

	fdtw_begin_node(&w, "apb-pclk");
	fdtw_prop_str(&w, "compatible", "fixed-clock");
	fdtw_prop_u32(&w, "#clock-cells", 0);
	fdtw_prop_u32(&w, "clock-frequency", 24000000);
	fdtw_prop_str(&w, "clock-output-names", "clk24mhz");
	fdtw_prop_u32(&w, "phandle", PHANDLE_CLK);
	fdtw_end_node(&w);

	node_name(name, sizeof(name), "pl011", UART_BASE);
	fdtw_begin_node(&w, name);
	fdtw_prop(&w, "compatible", uart_compat, sizeof(uart_compat));
	cells[0] = 0;
	cells[1] = UART_BASE;
	cells[2] = 0;
	cells[3] = 0x1000;
	fdtw_prop_cells(&w, "reg", cells, 4);
	cells[0] = GIC_SPI;
	cells[1] = UART_SPI;
	cells[2] = IRQ_LEVEL_HIGH;
	fdtw_prop_cells(&w, "interrupts", cells, 3);
	cells[0] = PHANDLE_CLK;
	cells[1] = PHANDLE_CLK;
	fdtw_prop_cells(&w, "clocks", cells, 2);
	fdtw_prop(&w, "clock-names", clock_names, sizeof(clock_names));
	fdtw_end_node(&w);

	if (c->virtio_slots != 0) {
		virtio_bus(&w, c);
	}
	fdtw_end_node(&w);
	return fdtw_finish(&w);
}
