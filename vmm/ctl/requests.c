/*
 * The control protocol's requests about VMs and images (ctlreq.h): each
 * checks its payload, then acts through the life cycle, the devices or the
 * images, and fills the reply. The VMM's own errors (enum vm_error) become
 * the protocol's codes in one place: ctl_code.
 */
#include <abi/hv_call.h>
#include <ctl/proto.h>
#include <lib/lib.h>
#include <vmm/bundle.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/ctlreq.h>
#include <vmm/images.h>
#include <vmm/lifecycle.h>
#include <vmm/palloc.h>
#include <vmm/vmio.h>
#include <vmm/vmm.h>
#include <vmm/vmnet.h>

#define UPLOAD_IDLE_MS 10000 /* an upload idle this long may be replaced */

/* Each of the VMM's errors (vm.h) as the control protocol's (ctl/proto.h). */
static const u8 ctl_codes[] = {
	[VM_E_EXISTS] = CTL_E_EXISTS,       [VM_E_NO_SLOT] = CTL_E_NO_SLOT,
	[VM_E_NO_MEMORY] = CTL_E_NO_MEMORY, [VM_E_NO_IMAGE] = CTL_E_NO_IMAGE,
	[VM_E_BAD_IMAGE] = CTL_E_BAD_IMAGE, [VM_E_HYP] = CTL_E_HYP,
	[VM_E_NOT_FOUND] = CTL_E_NOT_FOUND, [VM_E_STATE] = CTL_E_STATE,
};
_Static_assert(ARRAY_SIZE(ctl_codes) == VM_E_STATE + 1, "every vm_error has its code");

/* The CTL_E_* code of vm_err, a negative vm_error. */
static int ctl_code(int vm_err)
{
	int e = -vm_err;

	return e > 0 && e < (int)ARRAY_SIZE(ctl_codes) && ctl_codes[e] != 0 ? ctl_codes[e]
									    : CTL_E_STATE;
}

static u64 ms(u64 n)
{
	return vm_counter_freq() / 1000 * n;
}

int ctl_fail(struct ctl_frame *rep, int err, const char *msg)
{
	rep->len = (u16)MIN(strlen(msg), (size_t)CTL_MAX_PAYLOAD);
	memcpy(rep->payload, msg, rep->len);
	return -err;
}

/* The request's payload as a NUL-terminated string of at most max chars. */
static bool payload_str(const struct ctl_frame *req, char *out, size_t max)
{
	if (req->len == 0 || req->len > max) {
		return false;
	}
	for (u32 i = 0; i < req->len; i++) {
		if (req->payload[i] < 0x20 || req->payload[i] >= 0x7f) {
			return false;
		}
		out[i] = (char)req->payload[i];
	}
	out[req->len] = '\0';
	return true;
}

/* The VM called name, not ended, in *out; 0 or -CTL_E_NOT_FOUND. */
static int find_vm(const char *name, struct ctl_frame *rep, struct vm **out)
{
	struct vm *vm = vm_find(name);

	if (vm == NULL || vm->state == VM_ENDED) {
		char msg[64];

		fmt_format(msg, sizeof(msg), "no VM called '%s'", name);
		return ctl_fail(rep, CTL_E_NOT_FOUND, msg);
	}
	*out = vm;
	return 0;
}

int ctl_req_vm(const struct ctl_frame *req, struct ctl_frame *rep, struct vm **out)
{
	char name[CTL_NAME_LEN];

	if (!payload_str(req, name, CTL_NAME_LEN - 1)) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a VM name");
	}
	return find_vm(name, rep, out);
}

/* An empty reply, or one of len bytes of rep's payload. */
static int replied(struct ctl_frame *rep, u32 len)
{
	rep->len = (u16)MIN(len, (u32)CTL_MAX_PAYLOAD);
	return 0;
}

static void record(const struct vm *vm, struct ctl_vm *r)
{
	static const u32 states[] = { [VM_LOADED] = CTL_VM_CREATED,
				      [VM_RUNNING] = CTL_VM_RUNNING,
				      [VM_STOPPED] = CTL_VM_STOPPED,
				      [VM_ENDED] = CTL_VM_ENDED };
	struct hv_mem_info mi;
	u64 end = vm->done != NULL ? vm->ended_at : vm_counter();

	memset(r, 0, sizeof(*r));
	fmt_format(r->name, sizeof(r->name), "%s", vm->cfg.name);
	r->vmid = vm->vmid;
	r->state = states[vm->state];
	r->vcpus = vm->cfg.vcpus;
	r->memory_mib = vm->cfg.memory_mib;
	r->given_mib = vm->given * 2;
	r->flags = (vm->cfg.on_demand ? CTL_VM_ON_DEMAND : 0) | CTL_VM_PROTECTED;
	r->exits = vm->exits;
	r->uptime_ms = vm->started_at == 0 ? 0 : (end - vm->started_at) / ms(1);
	if (hv_mem_info(vm->vmid, &mi) == HV_OK) {
		r->frames = mi.frames;
	}
}

int ctl_list(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct ctl_vm *out = (struct ctl_vm *)(void *)rep->payload;
	u32 n = 0;

	(void)req;
	for (u32 i = 0; i < VM_MAX; i++) {
		if (vm_table[i].state != VM_FREE && vm_table[i].state != VM_ENDED) {
			record(&vm_table[i], &out[n++]);
		}
	}
	return replied(rep, n * (u32)sizeof(*out));
}

int ctl_create(const struct ctl_frame *req, struct ctl_frame *rep)
{
	static struct vm_config c;
	struct vmcfg_error e;
	char why[96];
	struct vm *vm;
	int err;

	if (vmcfg_parse((const char *)req->payload, req->len, &c, &e) != 0) {
		char msg[128];

		fmt_format(msg, sizeof(msg), "configuration:%u: %s", e.line, e.msg);
		return ctl_fail(rep, CTL_E_BAD_CONFIG, msg);
	}
	(void)vmm_start_cpus();
	err = vm_create(&c, &vm, why, sizeof(why));
	if (err != 0) {
		return ctl_fail(rep, ctl_code(err), why);
	}
	con_printf("vm %s: created by vmctl (vm%u, %u MiB, %u vCPUs)\n", c.name, vm->vmid,
		   c.memory_mib, c.vcpus);
	record(vm, (struct ctl_vm *)(void *)rep->payload);
	return replied(rep, sizeof(struct ctl_vm));
}

int ctl_life(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct vm *vm;
	char why[96] = "";
	int err = ctl_req_vm(req, rep, &vm);

	if (err != 0) {
		return err;
	}
	switch (req->type) {
	case CTL_START:
		err = vm_start(vm, why, sizeof(why));
		break;
	case CTL_STOP:
		err = vm_stop(vm);
		fmt_format(why, sizeof(why), "vm %s is not running", vm->cfg.name);
		break;
	default: /* CTL_DESTROY */
		(void)vm_destroy(vm, "destroyed");
		vm_reap();
		break;
	}
	return err != 0 ? ctl_fail(rep, ctl_code(err), why) : replied(rep, 0);
}

int ctl_info(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct ctl_vm_info *in = (struct ctl_vm_info *)(void *)rep->payload;
	struct vm *vm;
	int err = ctl_req_vm(req, rep, &vm);

	if (err != 0) {
		return err;
	}
	memset(in, 0, sizeof(*in));
	/* Under the VM's lock: its exits and its vCPUs' as of one moment. */
	spin_lock(&vm->lock);
	record(vm, &in->vm);
	fmt_format(in->kernel, sizeof(in->kernel), "%s", vm->cfg.kernel);
	fmt_format(in->ramdisk, sizeof(in->ramdisk), "%s", vm->cfg.ramdisk);
	fmt_format(in->cmdline, sizeof(in->cmdline), "%s", vm->cfg.cmdline);
	in->nvcpus = vm->cfg.vcpus;
	for (u32 i = 0; i < vm->cfg.vcpus; i++) {
		in->vcpu[i].on = vm->vc[i].on;
		in->vcpu[i].waiting = vm->vc[i].waiting;
		in->vcpu[i].pending = vm->vc[i].pending_irqs;
		in->run[i].running = __atomic_load_n(&vm->vc[i].busy, __ATOMIC_ACQUIRE);
		in->run[i].cpu = vm->vc[i].cpu;
		in->run[i].exits = vm->vc[i].exits;
		in->run[i].last_exit = vm->vc[i].last_exit;
		in->usage.run_us[i] = __atomic_load_n(&vm->vc[i].run_ticks, __ATOMIC_RELAXED) /
				      (vm_counter_freq() / 1000000);
	}
	_Static_assert(CTL_EXIT_REASONS == ARRAY_SIZE(vm->reason_exits) &&
			       (u32)CTL_MMIO_KINDS == (u32)VM_MMIO_KINDS,
		       "the usage record has the VMM's counters");
	memcpy(in->usage.exits, vm->reason_exits, sizeof(in->usage.exits));
	memcpy(in->usage.mmio, vm->mmio_exits, sizeof(in->usage.mmio));
	spin_unlock(&vm->lock);
	in->io_window_mib = vm->cfg.io_window_mib;
	/* The block, network and console devices (the power button has no record). */
	for (u32 s = 0; s < ARRAY_SIZE(in->dev); s++) {
		const struct vdev *d = &vm->vdev[s];
		const u8 *m = vm->cfg.mac;

		in->dev[s].present = d->present;
		in->dev[s].needs_reset = (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0;
		in->dev[s].requests = d->requests;
		in->dev[s].refusals = d->refusals;
		if (s == VDEV_BLK && d->present) {
			fmt_format(in->dev[s].detail, sizeof(in->dev[s].detail), "%s%s", vm->cfg.disk,
				   vm->cfg.disk_ro ? " (read-only)" : "");
		} else if (s == VDEV_NET && d->present) {
			fmt_format(in->dev[s].detail, sizeof(in->dev[s].detail),
				   "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
		}
	}
	vmnet_port_drops(vm, &in->port.spoofed, &in->port.undelivered);
	return replied(rep, sizeof(*in));
}

int ctl_stats(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct ctl_stats *st = (struct ctl_stats *)(void *)rep->payload;
	struct ctl_owner *o = (struct ctl_owner *)(void *)(st + 1);
	struct hv_mem_info mi;

	(void)req;
	memset(st, 0, sizeof(*st));
	st->free_mib = palloc_free_blocks() * 2;
	for (u32 i = 0; i <= VM_MAX; i++) {
		const struct vm *vm = i == 0 ? NULL : &vm_table[i - 1];
		u32 owner = vm == NULL ? 0 : vm->vmid;

		if (vm != NULL && (vm->state == VM_FREE || vm->state == VM_ENDED)) {
			continue;
		}
		if (hv_mem_info(owner, &mi) != HV_OK) {
			continue;
		}
		memset(o, 0, sizeof(*o));
		o->owner = owner;
		fmt_format(o->name, sizeof(o->name), "%s", vm == NULL ? "vmm" : vm->cfg.name);
		o->frames = mi.frames;
		o->table_pages = (u32)mi.table_pages;
		st->table_pages_free = (u32)mi.pool_free;
		st->nowners++;
		o++;
	}
	return replied(rep, (u32)((u8 *)o - (u8 *)st));
}

int ctl_images(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct ctl_image *out = (struct ctl_image *)(void *)rep->payload;
	const u32 max = CTL_MAX_PAYLOAD / sizeof(*out);
	u64 cursor = 0;
	const char *name;
	u64 size;
	u32 n = 0;

	(void)req;
	for (u32 i = 0; i < IMAGES_MAX && n < max; i++) {
		if (images[i].complete) {
			memset(&out[n], 0, sizeof(*out));
			fmt_format(out[n].name, sizeof(out[n].name), "%s", images[i].name);
			out[n].size = images[i].size;
			out[n++].uploaded = 1;
		}
	}
	while (n < max && bundle_next(&cursor, &name, &size)) {
		memset(&out[n], 0, sizeof(*out));
		fmt_format(out[n].name, sizeof(out[n].name), "%s", name);
		out[n++].size = size;
	}
	return replied(rep, n * (u32)sizeof(*out));
}

static struct image *upload;
static u64 upload_at; /* its last request */

/* An uploaded image's name: 1-63 of [A-Za-z0-9_.-], not starting with '.'. */
static bool valid_image_name(const char *s)
{
	size_t n = strnlen(s, IMAGE_NAME_MAX + 1);

	if (n == 0 || n > IMAGE_NAME_MAX || s[0] == '.') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-')) {
			return false;
		}
	}
	return true;
}

static int upload_begin(const struct ctl_frame *req, struct ctl_frame *rep)
{
	struct ctl_upload u;

	if (req->len != sizeof(u)) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a name and a size");
	}
	memcpy(&u, req->payload, sizeof(u));
	u.name[sizeof(u.name) - 1] = '\0';
	if (!valid_image_name(u.name)) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "bad image name");
	}
	if (upload != NULL && vm_counter() - upload_at < ms(UPLOAD_IDLE_MS)) {
		return ctl_fail(rep, CTL_E_BUSY, "another upload is in progress");
	}
	if (upload != NULL) {
		con_printf("image %s: upload abandoned, dropped\n", upload->name);
		image_drop(upload); /* left unfinished for too long */
	}
	upload = image_begin(u.name, u.size);
	upload_at = vm_counter();
	if (upload == NULL) {
		return ctl_fail(rep, CTL_E_NO_MEMORY,
				"no free image slot, or not 1 byte to 256 MiB, or no room");
	}
	return replied(rep, 0);
}

static int upload_data(const struct ctl_frame *req, struct ctl_frame *rep)
{
	u32 off;

	if (req->len < 4) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected an offset and data");
	}
	memcpy(&off, req->payload, 4);
	if (off != upload->received || req->len - 4u > upload->size - upload->received) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "data out of order or past the end");
	}
	memcpy((void *)(uintptr_t)(upload->addr + off), req->payload + 4, req->len - 4u);
	upload->received += req->len - 4u;
	upload_at = vm_counter();
	return replied(rep, 0);
}

static int upload_end(const struct ctl_frame *req, struct ctl_frame *rep)
{
	u32 crc;

	if (req->len != 4) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a CRC");
	}
	memcpy(&crc, req->payload, 4);
	if (upload->received != upload->size ||
	    ctl_crc32(0, (const void *)(uintptr_t)upload->addr, upload->size) != crc) {
		image_drop(upload);
		upload = NULL;
		return ctl_fail(rep, CTL_E_BAD_IMAGE, "incomplete, or the CRC does not match");
	}
	upload->complete = true;
	con_printf("image %s: uploaded, %lu bytes\n", upload->name, (unsigned long)upload->size);
	upload = NULL;
	return replied(rep, 0);
}

int ctl_upload(const struct ctl_frame *req, struct ctl_frame *rep)
{
	if (req->type == CTL_UPLOAD_BEGIN) {
		return upload_begin(req, rep);
	}
	if (upload == NULL) {
		return ctl_fail(rep, CTL_E_STATE, "no upload in progress");
	}
	return req->type == CTL_UPLOAD_DATA ? upload_data(req, rep) : upload_end(req, rep);
}

int ctl_disk_save(const struct ctl_frame *req, struct ctl_frame *rep)
{
	const u8 *nul = NULL;
	char name[CTL_NAME_LEN];
	char image[IMAGE_NAME_MAX + 1];
	u32 n1;
	u32 n2;
	char why[96];
	struct vm *vm;
	int err;

	for (u32 i = 0; i < req->len && nul == NULL; i++) {
		nul = req->payload[i] == 0 ? &req->payload[i] : NULL;
	}
	n1 = nul != NULL ? (u32)(nul - req->payload) : 0;
	n2 = nul != NULL ? req->len - n1 - 1 : 0;
	if (nul == NULL || n1 == 0 || n1 >= sizeof(name) || n2 == 0 || n2 >= sizeof(image)) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a VM name and an image name");
	}
	memcpy(name, req->payload, n1);
	name[n1] = '\0';
	memcpy(image, nul + 1, n2);
	image[n2] = '\0';
	for (u32 i = 0; i < n2; i++) {
		if ((u8)image[i] < 0x20 || (u8)image[i] >= 0x7f) {
			return ctl_fail(rep, CTL_E_BAD_REQUEST, "image names are printable ASCII");
		}
	}
	err = find_vm(name, rep, &vm);
	if (err != 0) {
		return err;
	}
	err = vm_disk_save(vm, image, why, sizeof(why));
	return err != 0 ? ctl_fail(rep, ctl_code(err), why) : replied(rep, 0);
}

int ctl_end(const struct ctl_frame *req, struct ctl_frame *rep)
{
	char name[CTL_NAME_LEN];
	char why[160];
	u32 timeout;
	struct vm *vm;
	int err;

	if (req->len <= 4 || (size_t)req->len - 4 >= sizeof(name)) {
		return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a timeout and a VM name");
	}
	memcpy(&timeout, req->payload, 4);
	for (u32 i = 4; i < req->len; i++) {
		if (req->payload[i] < 0x20 || req->payload[i] >= 0x7f) {
			return ctl_fail(rep, CTL_E_BAD_REQUEST, "expected a timeout and a VM name");
		}
		name[i - 4] = (char)req->payload[i];
	}
	name[req->len - 4] = '\0';
	err = find_vm(name, rep, &vm);
	if (err != 0) {
		return err;
	}
	err = vm_ask_end(vm, req->type == CTL_REBOOT, timeout, req->type, req->id, why,
			 sizeof(why));
	return err != 0 ? ctl_fail(rep, ctl_code(err), why) : CTL_LATER;
}
