/*
 * The VMs the VMM runs: a table of up to VM_MAX, each created from a
 * configuration (vmcfg.h), loaded, started, run by the VMM's CPUs in the
 * background, and destroyed (its memory cleared by the hyp and returned).
 *
 * Locking: only CPU 0 creates and destroys VMs (it runs the console and
 * the life cycle; the other CPUs run vCPUs: vm_worker). vm_run_lock orders
 * picking a vCPU with moving a VM out of VM_RUNNING; vm->lock guards the
 * VM's devices and vCPU records while its exits are served.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <generated/autoconf.h>
#include <lib/types.h>
#include <vmm/pl011.h>
#include <vmm/vdev.h>
#include <vmm/vgic.h>
#include <vmm/vmcfg.h>
#include <vmm/vmm.h>

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
};

struct vm {
	spinlock_t lock;
	enum vm_state state;
	struct vm_config cfg;
	u32 vmid;
	const char *done; /* why it ended; NULL while it runs */
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
	struct vgic_dist gic;
	/* Console: every byte goes to the ring; an attached VM's to the terminal. */
	u8 ring[VM_CON_RING];
	u64 ring_total; /* bytes ever written */
	enum vm_attach attach;
	char line[160];
	u32 linelen;
	/* virtio devices (vmio.c) and the block device's disk. */
	struct vdev vdev[VDEV_SLOTS];
	struct vblk_disk disk;
	u64 disk_pa;
	u32 disk_blocks;
	bool hvc_input;   /* typed input goes to the virtio console */
	u32 hvc_in_len;   /* typed bytes waiting for its receive buffers */
	u8 hvc_in[64];
	/* The test device of test guests. */
	u64 dev_value;
	u64 dev_size;
	u64 probe;
};

extern struct vm vm_table[VM_MAX];
/** Taken to pick a vCPU to run and to move a VM out of VM_RUNNING. */
extern spinlock_t vm_run_lock;

/** Errors of the life-cycle calls (negative), shared with the control protocol. */
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

/**
 * Creates a VM from c: a VMID from the hyp, its memory (all of it, or the
 * loader's blocks only with memory_on_demand), the kernel, ramdisk and
 * device tree loaded, its vCPUs created. Returns 0 with *out set, or a
 * negative vm_error with why[] saying what went wrong.
 */
int vm_create(const struct vm_config *c, struct vm **out, char *why, size_t whylen);
/** Starts vCPU 0 of a loaded VM; 0 or a negative vm_error. */
int vm_start(struct vm *vm, char *why, size_t whylen);
/** Stops running a VM's vCPUs (returns once none runs); 0 or -VM_E_STATE. */
int vm_stop(struct vm *vm);
/** Ends a VM (it is torn down by vm_reap); 0 or a negative vm_error. */
int vm_destroy(struct vm *vm, const char *reason);
/**
 * Tears down the VMs that ended: waits for their vCPUs to leave the CPUs,
 * stops them, clears and takes back their memory, destroys them. Prints
 * one line per VM. Called by CPU 0's loop.
 */
void vm_reap(void);

/** Appends console output of vm (its lock held) and shows it if attached. */
void vm_console_out(struct vm *vm, const char *buf, u32 n);
/** Copies the last up to `max` bytes of vm's console history; returns how many. */
u32 vm_console_history(struct vm *vm, char *buf, u32 max);
/** Types byte c into vm's UART; false if its receive FIFO is full. */
bool vm_console_in(struct vm *vm, u8 c);

/** Loads the VM's images and device tree and gives it memory (loader.c). */
int vm_load(struct vm *vm, char *why, size_t whylen);
/** Gives the block holding RAM offset `off`, zeroed (on first touch); false if out of memory. */
bool vm_give_block(struct vm *vm, u32 block);

/** Whether [gpa, gpa + len) is in vm's RAM. */
bool vm_ram_range(const struct vm *vm, u64 gpa, u64 len);
/** Whether another message about vm may be printed now (8 a second). */
bool vm_log_allowed(struct vm *vm);
/**
 * Raises a level-sensitive SPI while `level` is high (*raised remembers
 * that it was queued); lock held.
 */
void vm_irq_line(struct vm *vm, u32 intid, bool level, bool *raised);

/* virtio devices (vmio.c). */
/** Sets up the devices vm's configuration asks for; 0 or a negative vm_error. */
int vm_io_create(struct vm *vm, char *why, size_t whylen);
/** Takes vm off the switch and frees its disk (before its memory is cleared). */
void vm_io_destroy(struct vm *vm);
/** An MMIO access to the devices' slots (lock held); false if not theirs. */
bool vm_io_mmio(struct vm *vm, u64 ipa, u64 size, bool write, u64 val, u64 *out);
/** Delivers the frames the switch holds for VMs with free receive buffers. */
void vm_io_flush(void);
/**
 * Keeps the current contents of vm's disk as image `image` (replacing an
 * uploaded or saved image of that name; shadowing one in the bundle).
 * 0 or a negative vm_error with why[] saying what went wrong.
 */
int vm_disk_save(struct vm *vm, const char *image, char *why, size_t whylen);
/**
 * Types byte c into vm's virtio console (lock held); false if the bytes
 * waiting for the driver's buffers fill the queue.
 */
bool vm_io_console_in(struct vm *vm, u8 c);
/** Prints the devices of vm and their counters. */
void vm_io_info(struct vm *vm);
/**
 * What vm's switch port dropped: frames it sent with a source address not
 * its own (*spoofed), and frames for it that found its queue full or its
 * device needing a reset (*undelivered). Both 0 without a port.
 */
void vm_io_port_drops(struct vm *vm, u64 *spoofed, u64 *undelivered);

/** Serves exit e of vCPU i of vm (its lock held): vmexit.c. */
void vm_handle_exit(struct vm *vm, u32 i, const struct hv_exit *e);
/** Raises or lowers the UART's interrupt after its state changed (lock held). */
void vm_uart_irq_update(struct vm *vm);

/** Runs vCPUs of running VMs; never returns (secondary CPUs). */
__noreturn void vm_worker(u32 cpu);
/** Wakes a sleeping VMM CPU: a vCPU became runnable. */
void vm_kick(void);
/** Runs one runnable vCPU to its next exit if there is one (CPU 0 alone). */
bool vm_run_one(void);

/** The counter (CNTVCT_EL0) and its frequency. */
u64 vm_counter(void);
u64 vm_counter_freq(void);

/** Console commands (vmshell.c). */
void cmd_guest(int argc, char **argv);
void cmd_create(int argc, char **argv);
void cmd_start(int argc, char **argv);
void cmd_stop(int argc, char **argv);
void cmd_run(int argc, char **argv);
void cmd_list(int argc, char **argv);
void cmd_info(int argc, char **argv);
void cmd_console(int argc, char **argv);
void cmd_destroy(int argc, char **argv);
void cmd_probe(int argc, char **argv);
void cmd_memset_bench(int argc, char **argv);
void cmd_disk_save(int argc, char **argv);
/** The hostile VMM's attacks (test builds only: hostile.c). */
void cmd_hostile(int argc, char **argv);
/** `hostile hvc on|off` (test builds only: hostile_hvc.c). */
void cmd_hostile_hvc(int argc, char **argv);
/** Whether the hostile VMM answered a guest's call to the VMM (into reply). */
bool hostile_hvc_answer(struct vm *vm, u64 fn, u64 reply[4]);
/** A hostile task posted to worker CPU cpu ran (test builds only). */
bool hostile_poll(u32 cpu);

/** The VMs the console is attached to (bitmap of slots); 0: the shell. */
extern u32 vm_attached;
/** Detaches the console from every VM. */
void vm_detach_all(void);

#endif /* VMM_VM_H */
