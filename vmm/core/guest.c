/*
 * `guest NAME [NAME]`: runs one or two test guests from the bundle
 * (guests/NAME.bin) as protected VMs, each on its vCPU 0, taking turns on
 * the calling CPU at every exit: loads them, gives each 16 MiB, serves
 * their exits (the PL011 console, the test device, PSCI calls) until they
 * power off, then stops, clears and destroys each VM. Console lines are
 * printed with a "[NAME] " prefix. An access to an address where nothing
 * is emulated is refused: the guest takes an external abort.
 */
#include <hyp/lib.h>
#include <vmm/fdtw.h>
#include <vmm/pl011.h>
#include <vmm/vgic.h>
#include <vmm/vmm.h>

#include "vmcmd.h"

#define RAM_IPA UINT64_C(0x40000000)
#define RAM_BLOCKS 8      /* test guests: 16 MiB */
#define LINUX_BLOCKS 128  /* Linux: 256 MiB */
#define MAX_BLOCKS LINUX_BLOCKS
#define LINUX_VCPUS 2
/* Where a Linux guest's initramfs and device tree go, from the RAM base. */
#define LINUX_DT_OFF (UINT64_C(126) << 20)
#define LINUX_INITRD_OFF (UINT64_C(128) << 20)
#define LINUX_BOOTARGS "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init"
#define UART_IPA UINT64_C(0x09000000)
#define UART_INTID 33 /* SPI 1, as on QEMU virt */
#define TESTDEV_IPA UINT64_C(0x0a000000)
#define MAX_EXITS 1000000U

#define TESTDEV_PATTERN UINT64_C(0xf1e2d3c4b5a69788)
/* The guest's GIC distributor, and its GICv3 redistributors (virt layout). */
#define GICD_IPA UINT64_C(0x08000000)
#define GICD_SIZE UINT64_C(0x10000)
#define GICR_IPA UINT64_C(0x080a0000)

/* PSCI (DEN0022 D.b): function ids, return codes. */
#define PSCI_VERSION 0x84000000U
#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON_32 0x84000003U
#define PSCI_CPU_ON_64 0xc4000003U
#define PSCI_AFFINITY_INFO_32 0x84000004U
#define PSCI_AFFINITY_INFO_64 0xc4000004U
#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define PSCI_FEATURES 0x8400000aU
#define PSCI_VERSION_1_0 0x10000U
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_INVALID_ADDRESS (-9)
#define AFFINITY_ON 0
#define AFFINITY_OFF 1

#define GUEST_VCPUS 4

/** One vCPU as the VMM schedules it. */
struct gvcpu {
	bool on;
	volatile bool busy; /* a VMM CPU is running it */
	bool waiting;       /* in WFI: runnable again at wake_at or on an SGI */
	u64 wake_at;        /* counter value; 0: only an SGI wakes it */
	u64 pending_irqs;   /* INTIDs 0-63 to inject before its next run */
	u64 flags;          /* for its next run */
	u64 reply[4];
};

struct guest {
	vmm_lock_t lock;  /* everything below, while exits are served */
	u32 cpu_exits[VMM_MAX_CPUS];
	const char *name;
	const char *done; /* why it stopped; NULL while it runs */
	u32 exits;
	struct gvcpu vc[GUEST_VCPUS];
	u32 vmid;
	u64 blocks[MAX_BLOCKS];
	u32 ram_blocks;   /* how many it gets */
	u64 entry_x0;     /* x0 of vCPU 0: the device tree for Linux */
	u32 nblocks;
	struct pl011 uart;
	bool uart_irq_raised;
	bool raw_console; /* pass console bytes through, no "[name] " lines */
	struct vgic_dist gic;
	char line[160];
	u32 linelen;
	u64 dev_value;
	u64 dev_size;
	u64 probe;
};

/* vcpu_run: x1 vmid, x2 vcpu | flags, x3..x6 reply; returns x0..x6. */
static void vcpu_run(u64 vmid, u64 vcpu_flags, const u64 reply[4], u64 out[7])
{
	register u64 x0 __asm__("x0") = HV_FN_VCPU_RUN;
	register u64 x1 __asm__("x1") = vmid;
	register u64 x2 __asm__("x2") = vcpu_flags;
	register u64 x3 __asm__("x3") = reply[0];
	register u64 x4 __asm__("x4") = reply[1];
	register u64 x5 __asm__("x5") = reply[2];
	register u64 x6 __asm__("x6") = reply[3];

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4),
			   "+r"(x5), "+r"(x6)
			 :
			 : "memory");
	out[0] = x0;
	out[1] = x1;
	out[2] = x2;
	out[3] = x3;
	out[4] = x4;
	out[5] = x5;
	out[6] = x6;
}

static s64 call(u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 *r1)
{
	u64 r[4];
	s64 st = hv_call(fn, a1, a2, a3, a4, r);

	if (r1 != NULL) {
		*r1 = r[1];
	}
	return st;
}

static void console_byte(struct guest *g, char c)
{
	if (g->raw_console) {
		/* Linux: its console is the terminal's, byte for byte. */
		con_write(&c, 1);
		return;
	}
	if (c == '\n' || g->linelen + 1 >= sizeof(g->line)) {
		g->line[g->linelen] = '\0';
		con_printf("[%s] %s\n", g->name, g->line);
		g->linelen = 0;
		if (c == '\n') {
			return;
		}
	}
	if (c != '\r') {
		g->line[g->linelen++] = c;
	}
}

/* The VMM reads a guest page through its own mapping (only if granted). */
static u64 probe_guest(struct guest *g, u64 gpa)
{
	u64 off = gpa - RAM_IPA;
	u64 val = 0;

	if (gpa < RAM_IPA || off >= (u64)g->nblocks * BLOCK_SIZE || (gpa & 7) != 0) {
		return 0;
	}
	if (probe_read64(g->blocks[off / BLOCK_SIZE] + off % BLOCK_SIZE, &val) != 0) {
		return 0;
	}
	return val;
}

/* Makes SGI intid pending on each vCPU of `targets` that has it enabled. */
static void send_sgi(struct guest *g, u32 targets, u32 intid)
{
	for (u32 t = 0; t < GUEST_VCPUS; t++) {
		if ((targets & (1U << t)) != 0 && g->vc[t].on &&
		    vgic_deliverable(&g->gic, t, intid)) {
			/* Injected before its next run, which it now needs. */
			g->vc[t].pending_irqs |= UINT64_C(1) << intid;
			g->vc[t].waiting = false;
		}
	}
}

/* GICv3: ICC_SGI1R_EL1 (IHI 0069 12.2.19): TargetList [15:0], Aff1
 * [23:16], INTID [27:24], IRM [40]; vCPU n has MPIDR Aff0 = n. */
static void sgi1r(struct guest *g, u32 self, u64 v)
{
	u32 intid = (u32)(v >> 24) & 0xf;
	u32 targets;

	if ((v >> 40) & 1) {
		targets = ((1U << GUEST_VCPUS) - 1) & ~(1U << self);
	} else if (((v >> 16) & 0xff) != 0 || ((v >> 32) & 0xff) != 0 || ((v >> 48) & 0xff) != 0) {
		targets = 0;
	} else {
		targets = (u32)v & 0xffff;
	}
	send_sgi(g, targets, intid);
}

static void uart_irq_update(struct guest *g);

/* Emulates an MMIO access; returns false for an address nothing serves. */
static bool mmio(struct guest *g, u32 self, u64 ipa, u64 size, bool write, u64 val,
		 u64 *out)
{
	*out = 0;
	if (ipa >= GICD_IPA && ipa < GICD_IPA + GICD_SIZE) {
		struct vgic_sgi sgi;

		*out = vgic_dist_access(&g->gic, self, ipa - GICD_IPA, (u32)size, write, val,
					&sgi);
		if (sgi.targets != 0) {
			send_sgi(g, sgi.targets, sgi.intid);
		}
		uart_irq_update(g); /* enables or routing may have changed */
		return true;
	}
	if (g->gic.version == 3 && ipa >= GICR_IPA &&
	    ipa < GICR_IPA + GUEST_VCPUS * VGIC_REDIST_STRIDE) {
		*out = vgic_redist_access(&g->gic, ipa - GICR_IPA, (u32)size, write, val);
		return true;
	}
	if (ipa >= UART_IPA && ipa < UART_IPA + PAGE_SIZE) {
		char buf[32];
		u32 n;

		(void)size;
		*out = pl011_access(&g->uart, ipa - UART_IPA, write, (u32)val);
		while ((n = pl011_take_tx(&g->uart, buf, sizeof(buf))) != 0) {
			for (u32 i = 0; i < n; i++) {
				console_byte(g, buf[i]);
			}
		}
		uart_irq_update(g);
		return true;
	}
	if (ipa >= TESTDEV_IPA && ipa < TESTDEV_IPA + PAGE_SIZE) {
		u64 off = ipa - TESTDEV_IPA;

		if (write && off == 0x000) {
			g->dev_value = val;
			g->dev_size = size;
		} else if (write && off == 0x200) {
			g->probe = probe_guest(g, val);
		} else if (write && off == 0x318) {
			/* "Type" up to 8 bytes into the guest's UART. */
			for (u32 b = 0; b < 8 && ((val >> (8 * b)) & 0xff) != 0; b++) {
				(void)pl011_receive(&g->uart, (u8)(val >> (8 * b)));
			}
			uart_irq_update(g);
		} else if (!write) {
			*out = off == 0x000   ? TESTDEV_PATTERN
			       : off == 0x100 ? g->dev_value
			       : off == 0x108 ? g->dev_size
			       : off == 0x208 ? g->probe
			       : off == 0x300 ? g->vmid
			       : off == 0x310 ? vmm_boot->gic_version
					      : 0;
		}
		/* A write at 0x308 only yields: every exit switches guests. */
		return true;
	}
	return false;
}

static u64 le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* Copies into the guest's RAM at offset off, while the VMM still owns it. */
static void guest_copy(struct guest *g, u64 off, const void *src, u64 len)
{
	const u8 *s = src;

	while (len > 0) {
		u64 o = off % BLOCK_SIZE;
		u64 n = MIN(len, BLOCK_SIZE - o);

		memcpy((void *)(uintptr_t)(g->blocks[off / BLOCK_SIZE] + o), s, n);
		off += n;
		s += n;
		len -= n;
	}
}

/*
 * Gives the guest its RAM with the Image placed as the arm64 boot protocol
 * says (2 MiB-aligned base + text_offset) and, for Linux, the initramfs
 * and a device tree; then donates every block.
 */
static bool load(struct guest *g, const u8 *img, u64 len, const u8 *initrd, u64 initrd_len)
{
	u64 ram = (u64)g->ram_blocks * BLOCK_SIZE;
	u64 text_offset;
	u64 image_size;
	s64 st;

	if (len < 64 || memcmp(img + 56, "ARM\x64", 4) != 0) {
		con_printf("guest %s: not an arm64 Image\n", g->name);
		return false;
	}
	text_offset = le64(img + 8);
	image_size = le64(img + 16);
	if (image_size < len || text_offset + image_size > (initrd != NULL ? LINUX_DT_OFF : ram)) {
		con_printf("guest %s: an Image of %lu bytes does not fit\n", g->name,
			   (unsigned long)image_size);
		return false;
	}
	if (initrd != NULL && initrd_len > ram - LINUX_INITRD_OFF) {
		con_printf("guest %s: the initramfs does not fit\n", g->name);
		return false;
	}
	for (g->nblocks = 0; g->nblocks < g->ram_blocks; g->nblocks++) {
		u64 b = palloc_block();

		if (b == 0) {
			con_printf("guest %s: out of memory\n", g->name);
			return false;
		}
		g->blocks[g->nblocks] = b;
	}
	memset((void *)(uintptr_t)g->blocks[0], 0, BLOCK_SIZE);
	guest_copy(g, text_offset, img, len);
	if (initrd != NULL) {
		static u8 dt[8192];
		struct guest_dt c = { RAM_IPA, ram, LINUX_VCPUS, vmm_boot->gic_version,
				      LINUX_BOOTARGS, RAM_IPA + LINUX_INITRD_OFF,
				      RAM_IPA + LINUX_INITRD_OFF + initrd_len };
		s32 n = guest_dt_build(dt, sizeof(dt), &c);

		if (n < 0) {
			con_printf("guest %s: device tree too large\n", g->name);
			return false;
		}
		guest_copy(g, LINUX_INITRD_OFF, initrd, initrd_len);
		guest_copy(g, LINUX_DT_OFF, dt, (u64)n);
		g->entry_x0 = RAM_IPA + LINUX_DT_OFF;
	}
	for (u32 i = 0; i < g->nblocks; i++) {
		st = call(HV_FN_PROT_AND_MAP, g->vmid, RAM_IPA + (u64)i * BLOCK_SIZE,
			  g->blocks[i] | 3, 2, NULL);
		if (st != HV_OK) {
			con_printf("guest %s: prot_and_map failed (%ld)\n", g->name, (long)st);
			return false;
		}
	}
	return true;
}

/*
 * PSCI for the guest's vCPUs: the policy is the VMM's (which vCPU starts
 * where); the hyp only checks that an entry point is the VM's own memory.
 * Returns the value for the caller's x0.
 */
static s64 psci(struct guest *g, u32 self, const u64 *r)
{
	u64 fn = r[2];
	u64 target = r[3] & 0xff00ffffffU;
	s64 st;

	switch (fn) {
	case PSCI_VERSION:
		return PSCI_VERSION_1_0;
	case PSCI_FEATURES:
		switch (r[3]) {
		case PSCI_VERSION:
		case PSCI_CPU_OFF:
		case PSCI_CPU_ON_32:
		case PSCI_CPU_ON_64:
		case PSCI_AFFINITY_INFO_32:
		case PSCI_AFFINITY_INFO_64:
		case PSCI_SYSTEM_OFF:
		case PSCI_SYSTEM_RESET:
		case PSCI_FEATURES:
			return PSCI_SUCCESS;
		default:
			return PSCI_NOT_SUPPORTED;
		}
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		if (target >= GUEST_VCPUS) {
			return PSCI_INVALID_PARAMETERS;
		}
		if (g->vc[target].on) {
			return PSCI_ALREADY_ON;
		}
		st = call(HV_FN_VCPU_INIT, g->vmid, target, r[4], r[5], NULL);
		if (st != HV_OK) {
			return st == HV_E_DENIED ? PSCI_INVALID_ADDRESS
						 : PSCI_INVALID_PARAMETERS;
		}
		memset(&g->vc[target], 0, sizeof(g->vc[target]));
		g->vc[target].on = true;
		return PSCI_SUCCESS;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		if (target >= GUEST_VCPUS || r[4] != 0) {
			return PSCI_INVALID_PARAMETERS;
		}
		return g->vc[target].on ? AFFINITY_ON : AFFINITY_OFF;
	default:
		(void)self;
		return PSCI_NOT_SUPPORTED;
	}
}

/* Injects the interrupts queued for vCPU i (it is not running). */
static void inject_pending(struct guest *g, u32 i)
{
	struct gvcpu *vc = &g->vc[i];

	for (u32 id = 0; id < 64 && vc->pending_irqs != 0; id++) {
		if ((vc->pending_irqs & (UINT64_C(1) << id)) != 0 &&
		    call(HV_FN_IRQ_INJECT, g->vmid, i, id, 0, NULL) == HV_OK) {
			vc->pending_irqs &= ~(UINT64_C(1) << id);
		}
	}
}

/*
 * The PL011's interrupt line (SPI 1, INTID 33) into the emulated
 * distributor: raised when the masked status becomes non-zero, queued for
 * the vCPU it is routed to if the guest enabled it; lowered when the guest
 * has served it.
 */
static void uart_irq_update(struct guest *g)
{
	bool level = pl011_mis(&g->uart) != 0;

	if (level && !g->uart_irq_raised) {
		u32 t = vgic_spi_target(&g->gic, UART_INTID);

		if (vgic_deliverable(&g->gic, t, UART_INTID)) {
			g->vc[t].pending_irqs |= UINT64_C(1) << UART_INTID;
			g->vc[t].waiting = false;
			g->uart_irq_raised = true;
		}
	} else if (!level) {
		g->uart_irq_raised = false;
	}
}

/* Serves the exit r of vCPU i (g->lock held); sets g->done at the end. */
static void handle_exit(struct guest *g, u32 i, const u64 *r)
{
	struct gvcpu *vc = &g->vc[i];

	vc->flags = 0;
	memset(vc->reply, 0, sizeof(vc->reply));
	g->cpu_exits[vmm_cpu() % VMM_MAX_CPUS]++;
	if (++g->exits >= MAX_EXITS) {
		g->done = "too many exits";
		return;
	}
	if ((s64)r[0] != HV_OK) {
		g->done = "vcpu_run refused";
		return;
	}
	switch (r[1]) {
	case HV_EXIT_MMIO:
		if (!mmio(g, i, r[2], r[3] & 0xff, (r[3] & HV_MMIO_WRITE) != 0, r[4],
			  &vc->reply[0])) {
			con_printf("guest %s: MMIO at IPA 0x%lx refused: no device there\n",
				   g->name, (unsigned long)r[2]);
			vc->flags = HV_RUN_ABORT;
		}
		break;
	case HV_EXIT_HVC:
		/* PSCI over HVC only; SMC and unknown calls are not supported. */
		if (r[6] != 0) {
			vc->reply[0] = (u64)(s64)HV_E_NOT_SUPPORTED;
		} else if (r[2] == PSCI_SYSTEM_OFF || r[2] == PSCI_SYSTEM_RESET) {
			g->done = r[2] == PSCI_SYSTEM_OFF ? "powered off" : "reset";
		} else if (r[2] == PSCI_CPU_OFF) {
			vc->on = false;
		} else {
			vc->reply[0] = (u64)psci(g, i, r);
		}
		break;
	case HV_EXIT_WFI:
		vc->waiting = true;
		vc->wake_at = r[2];
		break;
	case HV_EXIT_SGI:
		sgi1r(g, i, r[2]);
		break;
	case HV_EXIT_IRQ:
		break; /* end of its time slice: the next vCPU's turn */
	case HV_EXIT_ABORT:
		con_printf("guest %s: access at IPA 0x%lx refused: no memory there\n",
			   g->name, (unsigned long)r[2]);
		vc->flags = HV_RUN_ABORT;
		break;
	case HV_EXIT_FAULT:
		con_printf("guest %s: vCPU %u: unhandled exception, ESR 0x%lx\n", g->name,
			   i, (unsigned long)r[2]);
		g->done = "stopped by a fault";
		break;
	default:
		g->done = "unknown exit";
		break;
	}
}

/* The guests being run, shared by the VMM's CPUs. */
static struct {
	vmm_lock_t lock;
	struct guest *gs;
	int n;
	u32 next;
	volatile bool active;
} runner;

static u64 counter(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

/* A vCPU in WFI is runnable again once its timer deadline has passed. */
static bool awake(struct gvcpu *vc, u64 now)
{
	if (vc->waiting && vc->wake_at != 0 && now >= vc->wake_at) {
		vc->waiting = false;
	}
	return !vc->waiting;
}

/* Picks a runnable vCPU no CPU is running; false if there is none now. */
static bool pick(struct guest **gp, u32 *ip)
{
	bool found = false;
	u32 slots;
	u64 now = counter();

	vmm_lock(&runner.lock);
	slots = (u32)runner.n * GUEST_VCPUS;
	for (u32 k = 0; k < slots && !found; k++) {
		u32 s = (runner.next + k) % slots;
		struct guest *g = &runner.gs[s / GUEST_VCPUS];
		struct gvcpu *vc = &g->vc[s % GUEST_VCPUS];

		if (g->done == NULL && vc->on && !vc->busy && awake(vc, now)) {
			vc->busy = true;
			*gp = g;
			*ip = s % GUEST_VCPUS;
			runner.next = s + 1;
			found = true;
		}
	}
	vmm_unlock(&runner.lock);
	return found;
}

/* Runs vCPU i of g on this CPU to its next exit and serves the exit. */
static void run_one(struct guest *g, u32 i)
{
	struct gvcpu *vc = &g->vc[i];
	u64 r[7];

	vmm_lock(&g->lock);
	inject_pending(g, i);
	vmm_unlock(&g->lock);
	vcpu_run(g->vmid, i | vc->flags, vc->reply, r);
	vmm_lock(&g->lock);
	handle_exit(g, i, r);
	vmm_unlock(&g->lock);
	__atomic_store_n(&vc->busy, false, __ATOMIC_RELEASE);
}

void guest_worker(u32 cpu)
{
	struct guest *g;
	u32 i;

	(void)cpu;
	for (;;) {
		if (__atomic_load_n(&runner.active, __ATOMIC_ACQUIRE) && pick(&g, &i)) {
			run_one(g, i);
		} else {
			__asm__ volatile("yield");
		}
	}
}

static bool all_done(struct guest *gs, int n)
{
	for (int k = 0; k < n; k++) {
		bool any = false;

		for (u32 v = 0; v < GUEST_VCPUS; v++) {
			any = any || gs[k].vc[v].on;
		}
		vmm_lock(&gs[k].lock);
		if (gs[k].done == NULL && !any) {
			gs[k].done = "all vCPUs off";
		}
		vmm_unlock(&gs[k].lock);
		if (gs[k].done == NULL) {
			return false;
		}
	}
	return true;
}

static bool any_busy(struct guest *gs, int n)
{
	for (int k = 0; k < n; k++) {
		for (u32 v = 0; v < GUEST_VCPUS; v++) {
			if (__atomic_load_n(&gs[k].vc[v].busy, __ATOMIC_ACQUIRE)) {
				return true;
			}
		}
	}
	return false;
}

static void teardown(struct guest *g)
{
	s64 st = call(HV_FN_VM_STOP, g->vmid, 0, 0, 0, NULL);

	(void)st;
	for (u32 i = 0; i < g->nblocks; i++) {
		st = call(HV_FN_CLEAR_VM_RANGE, g->vmid, g->blocks[i] >> PAGE_SHIFT, 512, 0,
			  NULL);
		if (st == HV_OK) {
			palloc_free(g->blocks[i]);
		}
	}
	st = call(HV_FN_VM_DESTROY, g->vmid, 0, 0, 0, NULL);
	if (st != HV_OK) {
		con_printf("guest %s: destroy failed (%ld)\n", g->name, (long)st);
	}
}

/*
 * Creates the VM, loads the guest and readies vCPU 0; false on failure.
 * A test guest is guests/NAME.bin; "linux" is linux/Image with
 * linux/initrd.gz and a device tree.
 */
static bool start(struct guest *g, const char *name)
{
	bool is_linux = strcmp(name, "linux") == 0;
	char path[64];
	const u8 *img;
	const u8 *initrd = NULL;
	u64 len;
	u64 initrd_len = 0;
	u64 vmid;
	s64 st;

	memset(g, 0, sizeof(*g));
	g->name = name;
	g->ram_blocks = is_linux ? LINUX_BLOCKS : RAM_BLOCKS;
	g->raw_console = is_linux;
	pl011_reset(&g->uart);
	/* The distributor has as many CPU interfaces as the guest has CPUs. */
	vgic_init(&g->gic, vmm_boot->gic_version, is_linux ? LINUX_VCPUS : GUEST_VCPUS);
	fmt_format(path, sizeof(path), is_linux ? "linux/Image" : "guests/%s.bin", name);
	if (!bundle_find(path, &img, &len) ||
	    (is_linux && !bundle_find("linux/initrd.gz", &initrd, &initrd_len))) {
		con_printf("guest %s: no %s in the bundle\n", name,
			   is_linux ? "linux/Image and linux/initrd.gz" : path);
		return false;
	}
	st = call(HV_FN_VM_CREATE, 0, 0, 0, 0, &vmid);
	if (st != HV_OK) {
		con_printf("guest %s: vm_create failed (%ld)\n", name, (long)st);
		return false;
	}
	g->vmid = (u32)vmid;
	if (!load(g, img, len, initrd, initrd_len)) {
		teardown(g);
		return false;
	}
	st = HV_OK;
	for (u32 i = 0; i < GUEST_VCPUS && st == HV_OK; i++) {
		st = call(HV_FN_VCPU_CREATE, g->vmid, i, 0, 0, NULL);
	}
	if (st == HV_OK) {
		u64 text_offset = le64(img + 8);

		st = call(HV_FN_VCPU_INIT, g->vmid, 0, RAM_IPA + text_offset, g->entry_x0, NULL);
	}
	if (st == HV_OK) {
		st = call(HV_FN_VM_START, g->vmid, 0, 0, 0, NULL);
	}
	if (st != HV_OK) {
		con_printf("guest %s: vCPU set-up failed (%ld)\n", name, (long)st);
		teardown(g);
		return false;
	}
	g->vc[0].on = true;
	return true;
}

void cmd_guest(int argc, char **argv)
{
	struct guest gs[2];
	int n = argc - 1;
	bool running = true;

	if (n < 1 || n > 2) {
		con_printf("usage: guest NAME [NAME] (test guests in the bundle, or linux)\n");
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!start(&gs[i], argv[1 + i])) {
			for (int j = 0; j < i; j++) {
				teardown(&gs[j]);
			}
			return;
		}
	}
	/* Every VMM CPU runs vCPUs, round robin, an exit each. */
	(void)running;
	(void)vmm_start_cpus();
	vmm_lock(&runner.lock);
	runner.gs = gs;
	runner.n = n;
	runner.next = 0;
	vmm_unlock(&runner.lock);
	__atomic_store_n(&runner.active, true, __ATOMIC_RELEASE);
	while (!all_done(gs, n)) {
		struct guest *g;
		u32 v;
		/* Typed input waits in the UART until the guest's FIFO has room. */
		int c = gs[0].uart.rx_count < PL011_RX_FIFO ? con_getc() : -1;

		if (c == 0x1d) { /* Ctrl-]: stop the guests */
			for (int k = 0; k < n; k++) {
				vmm_lock(&gs[k].lock);
				if (gs[k].done == NULL) {
					gs[k].done = "stopped from the console";
				}
				vmm_unlock(&gs[k].lock);
			}
		} else if (c >= 0) { /* typed input goes to the first guest's UART */
			vmm_lock(&gs[0].lock);
			(void)pl011_receive(&gs[0].uart, (u8)c);
			uart_irq_update(&gs[0]);
			vmm_unlock(&gs[0].lock);
		}
		if (pick(&g, &v)) {
			run_one(g, v);
		}
	}
	__atomic_store_n(&runner.active, false, __ATOMIC_RELEASE);
	while (any_busy(gs, n)) {
		__asm__ volatile("yield");
	}
	for (int i = 0; i < n; i++) {
		struct guest *g = &gs[i];

		if (g->linelen != 0) {
			console_byte(g, '\n');
		}
		u32 cpus = 0;

		for (u32 c = 0; c < VMM_MAX_CPUS; c++) {
			cpus += g->cpu_exits[c] != 0;
		}
		teardown(g);
		con_printf("guest %s: %s after %u exits on %u CPUs (vm%u)\n", g->name, g->done,
			   g->exits, cpus, g->vmid);
	}
}
