/*
 * The VMs the VMM runs (vm.c): a table of up to VM_MAX records, each
 * created from a configuration (vmcfg.h), loaded, started, run by the
 * VMM's CPUs in the background, and destroyed (lifecycle.h); what every
 * part needs about them: finding one, the lock that orders running with
 * stopping, waking a CPU for a vCPU that became runnable, and the rate
 * limit of the VMM's messages about a VM.
 *
 * Locking: only CPU 0 creates and destroys VMs (it runs the console and
 * the life cycle; the other CPUs run vCPUs: vm_worker). vm_run_lock orders
 * picking a vCPU with moving a VM out of VM_RUNNING; vm->lock guards the
 * VM's devices and vCPU records while its exits are served.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <generated/autoconf.h>
#include <lib/spinlock.h>
#include <lib/types.h>
#include <vmm/medium.h>
#include <vmm/pl011.h>
#include <vmm/vdev.h>
#include <vmm/vgic.h>
#include <vmm/vmcfg.h>
#include <vmm/vmm.h> /* VMM_MAX_CPUS */

#define VM_MAX CONFIG_MAX_VMS
#define VM_MAX_VCPUS VMCFG_VCPUS_MAX
#define VM_MAX_BLOCKS (VMCFG_MEMORY_MAX / 2)
#define VM_CON_RING 16384 /* bytes of console history per VM */

/* The guest physical layout (QEMU virt's). RAM starts at VM_RAM_IPA, or
 * below it by the I/O window (vm->ram_ipa): the kernel goes at VM_RAM_IPA. */
#define VM_RAM_IPA UINT64_C(0x40000000)
#define VM_GICD_IPA UINT64_C(0x08000000)
#define VM_GICD_SIZE UINT64_C(0x10000)
#define VM_GICR_IPA UINT64_C(0x080a0000)
#define VM_UART_IPA UINT64_C(0x09000000)
#define VM_UART_INTID 33 /* SPI 1 */
#define VM_TESTDEV_IPA UINT64_C(0x0a000000)

enum vm_state {
	VM_FREE,    /* an empty slot */
	VM_LOADED,  /* memory given and the image loaded; not started */
	VM_RUNNING, /* its vCPUs are run */
	VM_STOPPED, /* its vCPUs are not run until it is started again */
	VM_ENDED,   /* powered off, faulted or destroyed: to be torn down */
};

/** How the VMM's console shows a VM's output. */
enum vm_attach {
	ATTACH_NONE,
	ATTACH_RAW,   /* byte for byte: the terminal is the VM's console */
	ATTACH_LINES, /* whole lines with a "[name] " prefix */
};

/** One vCPU as the VMM schedules it. */
struct gvcpu {
	bool on;
	volatile bool busy; /* a VMM CPU is running it */
	bool waiting;       /* in WFI: runnable again at wake_at or on an interrupt */
	u64 wake_at;        /* counter value; 0: only an interrupt wakes it */
	u64 pending_irqs;   /* INTIDs 0-63 to inject before its next run */
	u64 flags;          /* for its next run */
	u64 reply[4];
	u64 retry_at;       /* counter value: its run was refused, tried again then */
	bool yielded;       /* its last exit gave its CPU up (test device) */
	bool in_guest;      /* in VCPU_RUN (under the VM's lock to set and clear) */
	bool woken;         /* an interrupt was injected during its run: no wait */
	u32 cpu;            /* the VMM CPU running it, while busy */
	u32 refusals;       /* runs refused in a row */
	bool off_pending_on; /* a CPU_ON came before its CPU_OFF exit was served */
	u32 last_exit;      /* HV_EXIT_* of its last exit (vmctl info) */
	u64 abort_ipa;      /* where its last refused aborts were */
	u32 aborts;         /* refused aborts in a row there, no other exit between */
	u64 exits;
	u64 run_ticks; /* counter ticks a VMM CPU held it: runs and their exits, added per turn */
};

/** What an MMIO exit reached, for the counts of exits by kind. */
enum vm_mmio_kind {
	VM_MMIO_GIC,	 /* the distributor or a redistributor */
	VM_MMIO_UART_FR, /* the PL011's flag register, read */
	VM_MMIO_UART,	 /* the rest of the PL011 */
	VM_MMIO_TESTDEV, /* the test device */
	VM_MMIO_OTHER,	 /* virtio devices, or nothing */
	VM_MMIO_KINDS
};

struct vm {
	spinlock_t lock;
	enum vm_state state;
	struct vm_config cfg;
	u32 vmid;
	const char *done; /* why it ended; NULL while it runs */
	u8 end_how;       /* how: a vmcfg_end (its policy applies), or VMCFG_ENDS */
	bool preserved;   /* ended and kept by its policy until destroyed */
	bool destroy_asked;
	u32 boots;        /* restarts before this boot (on_* = "restart") */
	u64 exits;
	u64 ram_mmio_exits; /* MMIO exits in its RAM: the hyp never makes one */
	u32 cpu_exits[VMM_MAX_CPUS];
	u32 gen;        /* differs for every VM a slot has held */
	u64 started_at; /* counter value at start */
	u64 log_window; /* rate limit of messages about it */
	u32 log_count;
	u64 ended_at;
	struct gvcpu vc[VM_MAX_VCPUS];
	u64 blocks[VM_MAX_BLOCKS]; /* VMM address of each 2 MiB of its RAM; 0: not given */
	u32 nblocks;               /* its RAM in 2 MiB blocks */
	u64 ram_ipa;               /* where its RAM starts */
	u32 given;                 /* blocks given so far */
	u64 entry;                 /* vCPU 0's entry point (IPA) */
	u64 dt_ipa;                /* its device tree: x0 at entry */
	struct pl011 uart;
	bool uart_irq_raised;
	bool uart_lent;     /* its register frame is lent to the guest (vmirq.c) */
	bool uart_no_lend;  /* the hyp refused the lend: every access exits */
	struct vgic_dist gic;
	/* Per vCPU, the SGIs the hyp posts itself (HV_FN_SGI_DIRECT): what
	 * gic delivers now (vgic_sgi_mask), as last told. */
	u16 sgi_direct[VM_MAX_VCPUS];
	/* Console: every byte goes to the ring; an attached VM's to the terminal. */
	u8 ring[VM_CON_RING];
	u64 ring_total; /* bytes ever written */
	enum vm_attach attach;
	char line[160];
	u32 linelen;
	/* virtio devices (vmio.h) and the block device's disk. */
	struct vdev vdev[VDEV_SLOTS];
	struct vblk_disk disk;
	u64 disk_pa;
	u32 disk_blocks;
	struct medium_part *disk_part; /* its disk on the boot medium, or NULL */
	bool hvc_input;   /* typed input goes to the virtio console */
	bool at_barrier;  /* the guest wrote the test device's barrier */
	u32 hvc_in_len;   /* typed bytes waiting for its receive buffers */
	u8 hvc_in[64];
	u32 nkeys;        /* key events waiting for the input driver's buffers */
	struct vinput_event keys[8];
	/* A shutdown or reboot asked of its guest (lifecycle.h vm_ask_end):
	 * destroyed at end_deadline (counter; 0: never) if still running, and
	 * a control request answered when it ends (end_req_type 0: none). */
	u8 end_asked; /* 0, or 1 + VMCFG_ON_POWEROFF or VMCFG_ON_REBOOT */
	u8 end_req_type;
	u32 end_req_id;
	u32 end_timeout_s;
	u64 end_asked_at;
	u64 end_deadline;
	/* The test device of test guests. */
	u64 dev_value;
	u64 dev_size;
	u64 probe;
	u64 sgi_exits; /* HV_EXIT_SGI exits: the SGIs the hyp left to the VMM */
	/* Exits by kind (info): by HV_EXIT_* reason (0: any other), and the
	 * MMIO ones by what they reached (VM_MMIO_*). */
	u64 reason_exits[HV_EXIT_POWER + 1];
	u64 mmio_exits[VM_MMIO_KINDS];
};

/** The VM slots; VM_FREE ones are empty. */
extern struct vm vm_table[VM_MAX];
/** Taken to pick a vCPU to run and to move a VM out of VM_RUNNING. */
extern spinlock_t vm_run_lock;

/**
 * The VMM's errors (negative) in creating, loading and running VMs; the
 * control protocol's server maps them onto its codes (ctl/requests.c).
 */
enum vm_error {
	VM_E_EXISTS = 1,   /* a VM of that name exists */
	VM_E_NO_SLOT = 2,  /* CONFIG_MAX_VMS VMs exist */
	VM_E_NO_MEMORY = 3,
	VM_E_NO_IMAGE = 4, /* kernel or ramdisk not in the bundle */
	VM_E_BAD_IMAGE = 5,
	VM_E_HYP = 6,      /* the hyp refused a call */
	VM_E_NOT_FOUND = 7,
	VM_E_STATE = 8,    /* not in a state that allows it */
};

/** The VM called name, or NULL. */
struct vm *vm_find(const char *name);

/** VMM CPUs asleep in HV_FN_CPU_IDLE (bit per CPU): the runner's. */
extern volatile u32 vm_idle_cpus;
/** Per VMM CPU: it runs a vCPU that may wait in the guest (HV_RUN_WAIT_IN_GUEST). */
extern volatile bool vm_guest_wait[VMM_MAX_CPUS];
/** A runnable vCPU waits for a CPU: runs end at their next exit (runner.c). */
extern volatile bool vm_want_cpu;
/**
 * A vCPU became runnable: wakes a sleeping VMM CPU, or else ends the run
 * of one whose vCPU may be waiting in the guest, so that it looks again.
 */
void vm_kick(void);
/**
 * GICv3, after the guest's distributor or redistributor access (vm's
 * lock held): tells the hyp the SGIs the model now delivers to each vCPU,
 * which it then posts itself (HV_FN_SGI_DIRECT), before the guest runs on.
 */
void vm_sgi_direct_update(struct vm *vm);
/**
 * An interrupt was queued for vCPU t of vm (under vm->lock): it is
 * injected now (HV_FN_IRQ_INJECT: a vCPU in VCPU_RUN takes it with no
 * exit, any other as it next enters) and a waiting vCPU made runnable.
 */
void vm_wake_vcpu(struct vm *vm, u32 t);
/**
 * Injects the interrupts queued for vCPU t of vm (under vm->lock); one the
 * hyp refuses stays queued.
 */
void vm_inject_pending(struct vm *vm, u32 t);

/** Whether another message about vm may be printed now (8 a second). */
bool vm_log_allowed(struct vm *vm);

#endif /* VMM_VM_H */
