/*
 * VM configuration files, in the spirit of Xen's xl.cfg: one `key = value`
 * per line, `#` comments, strings in double quotes, numbers in C notation.
 * The same parser serves the VMM (configurations in the bundle) and vmctl
 * (files on the host); it is plain C, host-tested and fuzzed.
 *
 *	name = "linux"
 *	kernel = "linux/Image"
 *	ramdisk = "linux/initrd.gz"
 *	cmdline = "console=ttyAMA0 rdinit=/init"
 *	memory = 256            # MiB
 *	vcpus = 2
 *	memory_on_demand = 0    # 1: memory given on first touch
 *	disk = "disks/test.img" # a virtio block device on a copy of this image
 *	disk_readonly = 0
 *	vif = "52:54:00:12:34:56"  # a virtio network port on the VMM's switch
 *	virtio_console = 1
 *	io_window = 32          # MiB of RAM the VM grants at boot for its I/O
 *	on_poweroff = "destroy" # when the guest powers off (PSCI SYSTEM_OFF)
 *	on_reboot = "restart"   # when it resets (SYSTEM_RESET)
 *	on_crash = "destroy"    # when a vCPU takes an exception no one handles
 *	autostart = 1           # started when the VMM boots, 1-99 its order
 *
 * The three life-cycle policies take "destroy", "restart" or "preserve",
 * xl.cfg's defaults when unset. `autostart` (0, not started, when unset)
 * counts only in the bundle's configurations, and only in builds with
 * CONFIG_VMM_AUTOSTART (the release builds).
 */
#ifndef VMM_VMCFG_H
#define VMM_VMCFG_H

#include <lib/types.h>

#define VMCFG_NAME_MAX 31
#define VMCFG_PATH_MAX 63
#define VMCFG_CMDLINE_MAX 255
#define VMCFG_LINE_MAX 512
#define VMCFG_MEMORY_MAX 2048 /* MiB */
#define VMCFG_VCPUS_MAX 4
#define VMCFG_AUTOSTART_MAX 99

/** What the VMM does when a VM ends in one of the three ways of vm_config.on[]. */
enum vmcfg_action {
	VMCFG_DESTROY,  /* cleared and freed, as `destroy` */
	VMCFG_RESTART,  /* cleared, then booted again from its images (its disk kept) */
	VMCFG_PRESERVE, /* kept as it ended, its memory untouched, until `destroy` */
	VMCFG_ACTIONS
};
/** The ways a VM ends by itself, indexes of vm_config.on[]. */
enum vmcfg_end { VMCFG_ON_POWEROFF, VMCFG_ON_REBOOT, VMCFG_ON_CRASH, VMCFG_ENDS };
/** "destroy", "restart" or "preserve". */
const char *vmcfg_action_name(u32 action);

struct vm_config {
	char name[VMCFG_NAME_MAX + 1];
	char kernel[VMCFG_PATH_MAX + 1];   /* an arm64 Image, by its bundle name */
	char ramdisk[VMCFG_PATH_MAX + 1];  /* "" for none */
	char cmdline[VMCFG_CMDLINE_MAX + 1];
	u32 memory_mib;                    /* a multiple of 2 */
	u32 vcpus;
	bool protect;                      /* `protected`: always 1 today */
	bool on_demand;                    /* `memory_on_demand` */
	char disk[VMCFG_PATH_MAX + 1];     /* "" for no block device */
	bool disk_ro;
	bool vif;                          /* a network port, with address mac */
	u8 mac[6];
	bool vconsole;
	u32 io_window_mib;                 /* 0: the VM grants its buffers itself */
	bool pmu;                          /* a PMU of its own per vCPU */
	u8 on[VMCFG_ENDS];                 /* enum vmcfg_action for each vmcfg_end */
	u32 autostart;                     /* 0, or the order it starts in at boot */
};

/** Why a configuration was refused: line 0 means the file as a whole. */
struct vmcfg_error {
	u32 line;
	char msg[96];
};

/**
 * Parses the configuration text[0..len) into *c. Returns 0, or -1 with
 * *e saying where and what is wrong; *c is then unspecified.
 */
int vmcfg_parse(const char *text, size_t len, struct vm_config *c,
		struct vmcfg_error *e) __must_check;

/**
 * Writes c as configuration text in one canonical form (every setting,
 * strings escaped) that vmcfg_parse reads back to the same c. Returns the
 * length, or -1 if it does not fit in cap bytes (NUL included).
 */
int vmcfg_format(const struct vm_config *c, char *out, size_t cap);

/** Whether s is a valid VM name (1-31 of [A-Za-z0-9_.-], not starting with '.' or '-'). */
bool vmcfg_valid_name(const char *s);

#endif /* VMM_VMCFG_H */
