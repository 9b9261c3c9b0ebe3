/*
 * The control protocol between vmctl and the VMM, on the VMM's console
 * line, which it shares with typed text (docs/control-protocol.md). Both
 * sides compile this header and vmm/ctl/proto.c.
 *
 * A frame, every field little-endian:
 *
 *	offset  size  field
 *	0       1     CTL_SOF (0x01)
 *	1       1     CTL_MAGIC (0xc7)
 *	2       1     CTL_VERSION
 *	3       1     type (a ctl_type; replies have CTL_REPLY set)
 *	4       4     request id (a reply and console data carry the request's)
 *	8       2     payload length, at most CTL_MAX_PAYLOAD
 *	10      2     status: 0 in requests; 0 or -ctl_error in replies
 *	12      len   payload
 *	12+len  4     CRC-32 (IEEE 802.3) of bytes 1 to 12+len-1
 *
 * A byte that does not begin a frame is typed text. An error reply's
 * payload is a message in ASCII.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_SOF 0x01
#define CTL_MAGIC 0xc7
#define CTL_VERSION 1
#define CTL_HDR_LEN 12
#define CTL_CRC_LEN 4
#define CTL_MAX_PAYLOAD 4096
#define CTL_MAX_FRAME (CTL_HDR_LEN + CTL_MAX_PAYLOAD + CTL_CRC_LEN)
#define CTL_REPLY 0x80

enum ctl_type {
	CTL_PING = 1,           /* -> payload: the VMM's version string */
	CTL_LIST = 2,           /* -> struct ctl_vm[] */
	CTL_CREATE = 3,         /* configuration text -> struct ctl_vm */
	CTL_START = 4,          /* name: start a created VM or resume a stopped one */
	CTL_STOP = 5,           /* name: its vCPUs are no longer run */
	CTL_DESTROY = 6,        /* name: ended, memory cleared and taken back */
	CTL_INFO = 7,           /* name -> struct ctl_vm_info */
	CTL_STATS = 8,          /* -> struct ctl_stats, then ctl_owner[] */
	CTL_IMAGES = 9,         /* -> struct ctl_image[] */
	CTL_UPLOAD_BEGIN = 10,  /* struct ctl_upload: name, size */
	CTL_UPLOAD_DATA = 11,   /* u32 offset, then bytes */
	CTL_UPLOAD_END = 12,    /* u32 CRC-32 of the whole image */
	CTL_DISK_SAVE = 13,     /* VM name, NUL, image name: its disk kept as that image */
	CTL_SHUTDOWN = 14,      /* u32 timeout (s, 0: none), VM name: answered once it ended */
	CTL_REBOOT = 15,        /* the same, for a reboot */
	CTL_CONSOLE_ATTACH = 16, /* name -> its console history; then CTL_CONSOLE_DATA */
	CTL_CONSOLE_INPUT = 17,  /* bytes typed into the attached VM (no reply) */
	CTL_CONSOLE_DETACH = 18,
	CTL_CONSOLE_DATA = 19,   /* VMM -> vmctl: console output, the attach's id */
	CTL_CONSOLE_END = 20,    /* VMM -> vmctl: the attached VM ended; payload: why */
};

/* Errors of replies (the status is their negation). */
enum ctl_error {
	CTL_E_BAD_FRAME = 1,    /* bad CRC, version or length */
	CTL_E_UNKNOWN_TYPE = 2,
	CTL_E_BAD_REQUEST = 3,  /* malformed payload */
	CTL_E_NOT_FOUND = 4,    /* no VM (or image) of that name */
	CTL_E_EXISTS = 5,       /* a VM of that name exists */
	CTL_E_NO_MEMORY = 6,    /* not enough free memory */
	CTL_E_NO_SLOT = 7,      /* CONFIG_MAX_VMS VMs exist */
	CTL_E_NO_IMAGE = 8,     /* the kernel or ramdisk is neither uploaded nor in the bundle */
	CTL_E_BAD_IMAGE = 9,
	CTL_E_BAD_CONFIG = 10,
	CTL_E_STATE = 11,       /* the VM is not in a state that allows it */
	CTL_E_HYP = 12,         /* the hyp refused a call */
	CTL_E_BUSY = 13,        /* another upload is in progress */
	CTL_E_TIMEOUT = 14,     /* the guest did not power off (or reboot) in time: destroyed */
	CTL_E_ENDED = 15,       /* the VM asked to power off (or reboot) ended another way */
	CTL_E_MAX = 16,
};

#define CTL_NAME_LEN 32

/* VM states in records. */
enum ctl_state { CTL_VM_CREATED = 1, CTL_VM_RUNNING = 2, CTL_VM_STOPPED = 3, CTL_VM_ENDED = 4 };

#define CTL_VM_ON_DEMAND 1U
#define CTL_VM_PROTECTED 2U

struct ctl_vm {
	char name[CTL_NAME_LEN];
	uint32_t vmid;
	uint32_t state;
	uint32_t vcpus;
	uint32_t memory_mib;
	uint32_t given_mib;  /* memory given so far */
	uint32_t flags;      /* CTL_VM_* */
	uint64_t exits;
	uint64_t uptime_ms;
	uint64_t frames;     /* frames the hyp records as the VM's */
};

struct ctl_vcpu {
	uint32_t on;
	uint32_t waiting; /* in WFI */
	uint64_t pending; /* interrupts queued for it */
};

/* One virtio device of a VM: kind 0 block, 1 network, 2 console. */
struct ctl_device {
	uint32_t present;
	uint32_t needs_reset;  /* refused a request; waits for the driver's reset */
	uint64_t requests;
	uint64_t refusals;
	char detail[64];       /* the disk image, or the MAC address */
};

/*
 * A VM's port on the switch (when dev[1] is present): frames dropped. After
 * dev[] so that a vmctl that knows only the records before it still reads
 * them.
 */
struct ctl_port {
	uint64_t spoofed;     /* it sent them with a source MAC not its own */
	uint64_t undelivered; /* for it, but its queue was full or its device needed a reset */
};

/*
 * How the VMM runs one vCPU, one per vcpu[] (the first nvcpus mean
 * something); after port, like it: an older vmctl reads the records before
 * it, and a newer one an older VMM's reply without it. last_exit: the
 * reason (HV_EXIT_*) of its last exit, 0 before its first.
 */
struct ctl_vcpu_run {
	uint32_t running; /* a VMM CPU is in a run of it */
	uint32_t cpu;     /* that CPU, or the last that ran it */
	uint64_t exits;
	uint32_t last_exit;
	uint32_t pad;
};

/*
 * What a VM has used, after run (the same rule: a peer that does not know
 * it reads what comes before): per vCPU the microseconds a VMM CPU held it
 * (its runs and the serving of their exits; waiting in WFI included when
 * it had a CPU to itself), its exits by reason (HV_EXIT_*, index 0
 * unused), and its MMIO exits by what they reached.
 */
#define CTL_EXIT_REASONS 9
enum ctl_mmio_kind {
	CTL_MMIO_GIC,
	CTL_MMIO_UART_FR, /* the PL011's flag register, read */
	CTL_MMIO_UART,
	CTL_MMIO_TESTDEV,
	CTL_MMIO_OTHER, /* virtio devices, or nothing */
	CTL_MMIO_KINDS
};
struct ctl_vm_usage {
	uint64_t run_us[4];
	uint64_t exits[CTL_EXIT_REASONS];
	uint64_t mmio[CTL_MMIO_KINDS];
};

struct ctl_vm_info {
	struct ctl_vm vm;
	char kernel[64];
	char ramdisk[64];
	char cmdline[256];
	uint32_t nvcpus;
	uint32_t io_window_mib; /* granted by the VM at boot; 0: none */
	struct ctl_vcpu vcpu[4];
	struct ctl_device dev[3];
	struct ctl_port port;
	struct ctl_vcpu_run run[4];
	struct ctl_vm_usage usage;
};

struct ctl_stats {
	uint32_t nowners; /* ctl_owner records that follow */
	uint32_t free_mib;
	uint32_t table_pages_free;
	uint32_t pad;
};

struct ctl_owner {
	uint32_t owner; /* 0: the VMM, else a VMID */
	char name[CTL_NAME_LEN]; /* "vmm" or the VM's */
	uint32_t table_pages;
	uint64_t frames;
};

struct ctl_image {
	char name[64];
	uint64_t size;
	uint32_t uploaded; /* 1: uploaded, 0: in the bundle */
	uint32_t pad;
};

struct ctl_upload {
	char name[64];
	uint64_t size;
};

struct ctl_frame {
	uint8_t type;
	uint32_t id;
	int16_t status;
	uint16_t len;
	uint8_t payload[CTL_MAX_PAYLOAD];
};

/* The records are the same bytes on both sides (both little-endian LP64). */
_Static_assert(sizeof(struct ctl_vm) == 80, "ctl_vm layout");
_Static_assert(offsetof(struct ctl_vm, vmid) == CTL_NAME_LEN, "ctl_vm layout");
_Static_assert(offsetof(struct ctl_vm, exits) == 56, "ctl_vm layout");
_Static_assert(offsetof(struct ctl_vm, frames) == 72, "ctl_vm layout");
_Static_assert(sizeof(struct ctl_vcpu) == 16, "ctl_vcpu layout");
_Static_assert(offsetof(struct ctl_vcpu, pending) == 8, "ctl_vcpu layout");
_Static_assert(sizeof(struct ctl_device) == 88, "ctl_device layout");
_Static_assert(offsetof(struct ctl_device, detail) == 24, "ctl_device layout");
_Static_assert(sizeof(struct ctl_port) == 16, "ctl_port layout");
_Static_assert(sizeof(struct ctl_vcpu_run) == 24, "ctl_vcpu_run layout");
_Static_assert(sizeof(struct ctl_vm_info) == 1056, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, usage) == 912, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, kernel) == 80, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, nvcpus) == 464, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, vcpu) == 472, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, dev) == 536, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, port) == 800, "ctl_vm_info layout");
_Static_assert(offsetof(struct ctl_vm_info, run) == 816, "ctl_vm_info layout");
_Static_assert(sizeof(struct ctl_stats) == 16, "ctl_stats layout");
_Static_assert(sizeof(struct ctl_owner) == 48, "ctl_owner layout");
_Static_assert(offsetof(struct ctl_owner, table_pages) == 4 + CTL_NAME_LEN, "ctl_owner layout");
_Static_assert(offsetof(struct ctl_owner, frames) == 40, "ctl_owner layout");
_Static_assert(sizeof(struct ctl_image) == 80, "ctl_image layout");
_Static_assert(offsetof(struct ctl_image, size) == 64, "ctl_image layout");
_Static_assert(sizeof(struct ctl_upload) == 72, "ctl_upload layout");
_Static_assert(offsetof(struct ctl_upload, size) == 64, "ctl_upload layout");

/** CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of p[0..n), continuing crc. */
uint32_t ctl_crc32(uint32_t crc, const void *p, size_t n);

/** Encodes f into out[0..cap); returns the frame's length, 0 if it does not fit. */
size_t ctl_encode(const struct ctl_frame *f, uint8_t *out, size_t cap);

/** An incremental decoder of the byte stream. */
struct ctl_decoder {
	uint32_t have;  /* bytes of the current frame so far; 0: between frames */
	uint32_t need;  /* its total length once the header is in */
	uint8_t buf[CTL_MAX_FRAME];
};

enum ctl_event {
	CTL_EV_NONE,  /* the byte was taken into a frame */
	CTL_EV_TEXT,  /* text[0..ntext) are typed text */
	CTL_EV_FRAME, /* *f is a whole, checked frame */
	CTL_EV_ERROR, /* a bad frame was dropped; *why says why, f->id and f->type as read */
};

struct ctl_result {
	enum ctl_event event;
	uint8_t text[2];
	uint32_t ntext;
	const char *why;
};

void ctl_decoder_reset(struct ctl_decoder *d);
/** Feeds one byte; the result says what it completed. */
void ctl_feed(struct ctl_decoder *d, uint8_t byte, struct ctl_frame *f, struct ctl_result *r);
/** Whether the decoder is inside a frame (for timeouts of truncated frames). */
static inline int ctl_in_frame(const struct ctl_decoder *d)
{
	return d->have != 0;
}

/** A short description of a status for messages. */
const char *ctl_strerror(int status);

#endif /* CTL_PROTO_H */
