/*
 * The control protocol's server (docs/control-protocol.md): CPU 0 feeds it
 * every byte of the console line; frames are answered, other bytes go back
 * to the shell or the attached VM as typed text. A bad frame gets an error
 * reply (when its header was read) and a logged reason; input is then
 * dropped until the line has been quiet for a moment, so the rest of a bad
 * frame is never taken for typed commands. A frame cut short is dropped
 * after a second of silence.
 */
#include <abi/hv_call.h>
#include <ctl/proto.h>
#include <lib/lib.h>
#include <vmm/ctl.h>
#include <vmm/images.h>
#include <vmm/vm.h>

#define TRUNCATED_MS 1000
#define QUIET_MS 100
#define CONSOLE_CHUNK 1024
#define INPUT_QUEUE 4096
#define UPLOAD_IDLE_MS 10000 /* an upload idle this long may be replaced */

static struct ctl_decoder dec;
static struct ctl_frame req;
static struct ctl_frame rep;
static u8 wire[CTL_MAX_FRAME];
static u64 last_byte;
static bool discarding;

/* The console streamed to vmctl: which VM, for which request, from where. */
static struct {
	struct vm *vm; /* NULL: none */
	u32 gen;
	u32 id;
	u64 sent; /* ring_total already sent */
	u8 input[INPUT_QUEUE];
	u32 in_head, in_count;
} con;

static u64 ms(u64 n)
{
	return vm_counter_freq() / 1000 * n;
}

static void send(u8 type, u32 id, int16_t status, const void *payload, u32 len)
{
	size_t n;

	rep.type = type;
	rep.id = id;
	rep.status = status;
	rep.len = (u16)MIN(len, (u32)CTL_MAX_PAYLOAD);
	if (payload != rep.payload) {
		memcpy(rep.payload, payload, rep.len);
	}
	n = ctl_encode(&rep, wire, sizeof(wire));
	con_write_raw(wire, n);
}

static void reply_error(int err, const char *msg)
{
	send((u8)(req.type | CTL_REPLY), req.id, (int16_t)-err, msg, (u32)strlen(msg));
}

static void reply(const void *payload, u32 len)
{
	send((u8)(req.type | CTL_REPLY), req.id, 0, payload, len);
}

static int ctl_err(int vm_err)
{
	static const int map[] = {
		[VM_E_EXISTS] = CTL_E_EXISTS,       [VM_E_NO_SLOT] = CTL_E_NO_SLOT,
		[VM_E_NO_MEMORY] = CTL_E_NO_MEMORY, [VM_E_NO_IMAGE] = CTL_E_NO_IMAGE,
		[VM_E_BAD_IMAGE] = CTL_E_BAD_IMAGE, [VM_E_HYP] = CTL_E_HYP,
		[VM_E_NOT_FOUND] = CTL_E_NOT_FOUND, [VM_E_STATE] = CTL_E_STATE,
	};
	int e = -vm_err;

	return e > 0 && e < (int)ARRAY_SIZE(map) && map[e] != 0 ? map[e] : CTL_E_STATE;
}

/* The request's payload as a NUL-terminated string of at most max chars. */
static bool payload_str(char *out, size_t max)
{
	if (req.len == 0 || req.len > max) {
		return false;
	}
	for (u32 i = 0; i < req.len; i++) {
		if (req.payload[i] < 0x20 || req.payload[i] >= 0x7f) {
			return false;
		}
		out[i] = (char)req.payload[i];
	}
	out[req.len] = '\0';
	return true;
}

/* The VM the request names, or NULL after an error reply. */
static struct vm *named_vm(void)
{
	char name[CTL_NAME_LEN];
	struct vm *vm;

	if (!payload_str(name, CTL_NAME_LEN - 1)) {
		reply_error(CTL_E_BAD_REQUEST, "expected a VM name");
		return NULL;
	}
	vm = vm_find(name);
	if (vm == NULL || vm->state == VM_ENDED) {
		char msg[64];

		fmt_format(msg, sizeof(msg), "no VM called '%s'", name);
		reply_error(CTL_E_NOT_FOUND, msg);
		return NULL;
	}
	return vm;
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

static void do_list(void)
{
	struct ctl_vm *out = (struct ctl_vm *)(void *)rep.payload;
	u32 n = 0;

	for (u32 i = 0; i < VM_MAX; i++) {
		if (vm_table[i].state != VM_FREE && vm_table[i].state != VM_ENDED) {
			record(&vm_table[i], &out[n++]);
		}
	}
	reply(rep.payload, n * (u32)sizeof(*out));
}

static void do_create(void)
{
	static struct vm_config c;
	struct vmcfg_error e;
	char why[96];
	struct vm *vm;
	int err;

	if (vmcfg_parse((const char *)req.payload, req.len, &c, &e) != 0) {
		char msg[128];

		fmt_format(msg, sizeof(msg), "configuration:%u: %s", e.line, e.msg);
		reply_error(CTL_E_BAD_CONFIG, msg);
		return;
	}
	(void)vmm_start_cpus();
	err = vm_create(&c, &vm, why, sizeof(why));
	if (err != 0) {
		reply_error(ctl_err(err), why);
		return;
	}
	con_printf("vm %s: created by vmctl (vm%u, %u MiB, %u vCPUs)\n", c.name, vm->vmid,
		   c.memory_mib, c.vcpus);
	record(vm, (struct ctl_vm *)(void *)rep.payload);
	reply(rep.payload, sizeof(struct ctl_vm));
}

static void do_life(void)
{
	struct vm *vm = named_vm();
	char why[96] = "";
	int err = 0;

	if (vm == NULL) {
		return;
	}
	switch (req.type) {
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
	if (err != 0) {
		reply_error(ctl_err(err), why);
	} else {
		reply(NULL, 0);
	}
}

static void do_info(void)
{
	struct ctl_vm_info *in = (struct ctl_vm_info *)(void *)rep.payload;
	struct vm *vm = named_vm();

	if (vm == NULL) {
		return;
	}
	memset(in, 0, sizeof(*in));
	record(vm, &in->vm);
	fmt_format(in->kernel, sizeof(in->kernel), "%s", vm->cfg.kernel);
	fmt_format(in->ramdisk, sizeof(in->ramdisk), "%s", vm->cfg.ramdisk);
	fmt_format(in->cmdline, sizeof(in->cmdline), "%s", vm->cfg.cmdline);
	in->nvcpus = vm->cfg.vcpus;
	for (u32 i = 0; i < vm->cfg.vcpus; i++) {
		in->vcpu[i].on = vm->vc[i].on;
		in->vcpu[i].waiting = vm->vc[i].waiting;
		in->vcpu[i].pending = vm->vc[i].pending_irqs;
	}
	in->io_window_mib = vm->cfg.io_window_mib;
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
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
	vm_io_port_drops(vm, &in->port.spoofed, &in->port.undelivered);
	reply(in, sizeof(*in));
}

static void do_stats(void)
{
	struct ctl_stats *st = (struct ctl_stats *)(void *)rep.payload;
	struct ctl_owner *o = (struct ctl_owner *)(void *)(st + 1);
	struct hv_mem_info mi;

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
	reply(st, (u32)((u8 *)o - (u8 *)st));
}

static void do_images(void)
{
	struct ctl_image *out = (struct ctl_image *)(void *)rep.payload;
	const u32 max = CTL_MAX_PAYLOAD / sizeof(*out);
	u64 cursor = 0;
	const char *name;
	u64 size;
	u32 n = 0;

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
	reply(out, n * (u32)sizeof(*out));
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

static void do_upload(void)
{
	if (req.type == CTL_UPLOAD_BEGIN) {
		struct ctl_upload u;

		if (req.len != sizeof(u)) {
			reply_error(CTL_E_BAD_REQUEST, "expected a name and a size");
			return;
		}
		memcpy(&u, req.payload, sizeof(u));
		u.name[sizeof(u.name) - 1] = '\0';
		if (!valid_image_name(u.name)) {
			reply_error(CTL_E_BAD_REQUEST, "bad image name");
			return;
		}
		if (upload != NULL && vm_counter() - upload_at < ms(UPLOAD_IDLE_MS)) {
			reply_error(CTL_E_BUSY, "another upload is in progress");
			return;
		}
		if (upload != NULL) {
			con_printf("image %s: upload abandoned, dropped\n", upload->name);
			image_drop(upload); /* left unfinished for too long */
		}
		upload = image_begin(u.name, u.size);
		upload_at = vm_counter();
		if (upload == NULL) {
			reply_error(CTL_E_NO_MEMORY,
				    "no free image slot, or not 1 byte to 256 MiB, or no room");
			return;
		}
		reply(NULL, 0);
		return;
	}
	if (upload == NULL) {
		reply_error(CTL_E_STATE, "no upload in progress");
		return;
	}
	if (req.type == CTL_UPLOAD_DATA) {
		u32 off;

		if (req.len < 4) {
			reply_error(CTL_E_BAD_REQUEST, "expected an offset and data");
			return;
		}
		memcpy(&off, req.payload, 4);
		if (off != upload->received || req.len - 4u > upload->size - upload->received) {
			reply_error(CTL_E_BAD_REQUEST, "data out of order or past the end");
			return;
		}
		memcpy((void *)(uintptr_t)(upload->addr + off), req.payload + 4, req.len - 4u);
		upload->received += req.len - 4u;
		upload_at = vm_counter();
		reply(NULL, 0);
		return;
	}
	/* CTL_UPLOAD_END */
	{
		u32 crc;

		if (req.len != 4) {
			reply_error(CTL_E_BAD_REQUEST, "expected a CRC");
			return;
		}
		memcpy(&crc, req.payload, 4);
		if (upload->received != upload->size ||
		    ctl_crc32(0, (const void *)(uintptr_t)upload->addr, upload->size) != crc) {
			image_drop(upload);
			upload = NULL;
			reply_error(CTL_E_BAD_IMAGE, "incomplete, or the CRC does not match");
			return;
		}
		upload->complete = true;
		con_printf("image %s: uploaded, %lu bytes\n", upload->name,
			   (unsigned long)upload->size);
		upload = NULL;
		reply(NULL, 0);
	}
}

static void do_console(void)
{
	struct vm *vm;
	u32 n;

	if (req.type == CTL_CONSOLE_INPUT) {
		if (con.vm == NULL || req.id != con.id) {
			return; /* no reply: input for a console no longer attached */
		}
		for (u32 i = 0; i < req.len && con.in_count < INPUT_QUEUE; i++) {
			con.input[(con.in_head + con.in_count++) % INPUT_QUEUE] = req.payload[i];
		}
		return;
	}
	if (req.type == CTL_CONSOLE_DETACH) {
		if (con.vm != NULL && req.id == con.id) {
			con.vm = NULL;
		}
		reply(NULL, 0);
		return;
	}
	vm = named_vm();
	if (vm == NULL) {
		return;
	}
	if (con.vm != NULL) {
		const char *why = "another vmctl attached a console";

		send(CTL_CONSOLE_END, con.id, 0, why, (u32)strlen(why));
	}
	spin_lock(&vm->lock);
	vm->hvc_input = false; /* vmctl types into the PL011 */
	spin_unlock(&vm->lock);
	con.vm = vm;
	con.gen = vm->gen;
	con.id = req.id;
	con.in_count = 0;
	n = vm_console_history(vm, (char *)rep.payload, CTL_MAX_PAYLOAD);
	con.sent = vm->ring_total;
	reply(rep.payload, n);
}

/* CTL_DISK_SAVE: "vm\0image". */
static void do_disk_save(void)
{
	const u8 *nul = NULL;
	char name[CTL_NAME_LEN];
	char image[IMAGE_NAME_MAX + 1];
	u32 n1;
	u32 n2;
	char why[96];
	struct vm *vm;
	int err;

	for (u32 i = 0; i < req.len && nul == NULL; i++) {
		nul = req.payload[i] == 0 ? &req.payload[i] : NULL;
	}
	n1 = nul != NULL ? (u32)(nul - req.payload) : 0;
	n2 = nul != NULL ? req.len - n1 - 1 : 0;
	if (nul == NULL || n1 == 0 || n1 >= sizeof(name) || n2 == 0 || n2 >= sizeof(image)) {
		reply_error(CTL_E_BAD_REQUEST, "expected a VM name and an image name");
		return;
	}
	memcpy(name, req.payload, n1);
	name[n1] = '\0';
	memcpy(image, nul + 1, n2);
	image[n2] = '\0';
	for (u32 i = 0; i < n2; i++) {
		if ((u8)image[i] < 0x20 || (u8)image[i] >= 0x7f) {
			reply_error(CTL_E_BAD_REQUEST, "image names are printable ASCII");
			return;
		}
	}
	vm = vm_find(name);
	if (vm == NULL || vm->state == VM_ENDED) {
		fmt_format(why, sizeof(why), "no VM called '%s'", name);
		reply_error(CTL_E_NOT_FOUND, why);
		return;
	}
	err = vm_disk_save(vm, image, why, sizeof(why));
	if (err != 0) {
		reply_error(ctl_err(err), why);
	} else {
		reply(NULL, 0);
	}
}

static void handle(void)
{
	switch (req.type) {
	case CTL_PING:
		reply(vmm_version, (u32)strlen(vmm_version));
		break;
	case CTL_LIST:
		do_list();
		break;
	case CTL_CREATE:
		do_create();
		break;
	case CTL_START:
	case CTL_STOP:
	case CTL_DESTROY:
		do_life();
		break;
	case CTL_INFO:
		do_info();
		break;
	case CTL_STATS:
		do_stats();
		break;
	case CTL_IMAGES:
		do_images();
		break;
	case CTL_UPLOAD_BEGIN:
	case CTL_UPLOAD_DATA:
	case CTL_UPLOAD_END:
		do_upload();
		break;
	case CTL_CONSOLE_ATTACH:
	case CTL_CONSOLE_INPUT:
	case CTL_CONSOLE_DETACH:
		do_console();
		break;
	case CTL_DISK_SAVE:
		do_disk_save();
		break;
	default:
		con_printf("control: unknown request type %u (id %u): refused\n", req.type, req.id);
		reply_error(CTL_E_UNKNOWN_TYPE, "unknown request type");
		break;
	}
}

u32 ctl_input(u8 byte, u8 text[2])
{
	struct ctl_result r;
	u64 now = vm_counter();

	if (discarding && now - last_byte < ms(QUIET_MS)) {
		last_byte = now;
		return 0;
	}
	discarding = false;
	last_byte = now;
	ctl_feed(&dec, byte, &req, &r);
	switch (r.event) {
	case CTL_EV_TEXT:
		text[0] = r.text[0];
		text[1] = r.text[1];
		return r.ntext;
	case CTL_EV_FRAME:
		if ((req.type & CTL_REPLY) != 0 || req.status != 0) {
			con_printf("control: frame of type 0x%x (id %u) is not a request: dropped\n",
				   req.type, req.id);
			break;
		}
		handle();
		break;
	case CTL_EV_ERROR:
		con_printf("control: bad frame (id %u): %s; input dropped until the line is quiet\n",
			   req.id, r.why);
		reply_error(CTL_E_BAD_FRAME, r.why);
		discarding = true;
		break;
	default:
		break;
	}
	return 0;
}

/* Sends the attached console's next chunk of output. */
static void stream_some(void)
{
	u64 total = con.vm->ring_total;
	u32 n;

	if (total - con.sent > VM_CON_RING) {
		con.sent = total - VM_CON_RING; /* overwritten before it was sent */
	}
	n = (u32)MIN(total - con.sent, (u64)CONSOLE_CHUNK);
	spin_lock(&con.vm->lock);
	for (u32 i = 0; i < n; i++) {
		rep.payload[i] = con.vm->ring[(con.sent + i) % VM_CON_RING];
	}
	spin_unlock(&con.vm->lock);
	con.sent += n;
	send(CTL_CONSOLE_DATA, con.id, 0, rep.payload, n);
}

void ctl_poll(void)
{
	u64 now = vm_counter();

	if (ctl_in_frame(&dec) && now - last_byte > ms(TRUNCATED_MS)) {
		con_printf("control: truncated frame dropped (%u bytes, nothing more came)\n",
			   dec.have);
		ctl_decoder_reset(&dec);
	}
	if (con.vm == NULL) {
		return;
	}
	if (con.vm->gen != con.gen || con.vm->state == VM_FREE || con.vm->state == VM_ENDED) {
		const char *why = "the VM ended";

		/* Its last words are still in the ring unless the slot was reused. */
		while (con.vm->gen == con.gen && con.vm->ring_total != con.sent) {
			stream_some();
		}
		send(CTL_CONSOLE_END, con.id, 0, why, (u32)strlen(why));
		con.vm = NULL;
		return;
	}
	/* Typed input waits here until the VM's receive FIFO has room. */
	while (con.in_count != 0 && vm_console_in(con.vm, con.input[con.in_head])) {
		con.in_head = (con.in_head + 1) % INPUT_QUEUE;
		con.in_count--;
	}
	if (con.vm->ring_total != con.sent) {
		stream_some();
	}
}

bool ctl_console_busy(void)
{
	return con.vm != NULL;
}
