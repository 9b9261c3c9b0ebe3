/*
 * The control protocol's server (docs/control-protocol.md): CPU 0 feeds it
 * every byte of the console line; frames are answered, other bytes go back
 * to the shell or the attached VM as typed text. A bad frame gets an error
 * reply (when its header was read) and a logged reason; input is then
 * dropped until the line has been quiet for a moment, so the rest of a bad
 * frame is never taken for typed commands. A frame cut short is dropped
 * after a second of silence.
 *
 * Here: the line, the replies, the console streamed to vmctl; the requests
 * about VMs and images are decoded and served by ctl/requests.c.
 */
#include <ctl/proto.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/counter.h>
#include <vmm/ctl.h>
#include <vmm/ctlreq.h>
#include <vmm/lifecycle.h>
#include <vmm/vm.h>
#include <vmm/vmcon.h>
#include <vmm/vmio.h>
#include <vmm/vmm.h>

#define TRUNCATED_MS 1000
#define QUIET_MS 100
#define CONSOLE_CHUNK 1024
#define INPUT_QUEUE 4096

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

/* Answers the request: status st (0 or -CTL_E_*) and len bytes of payload. */
static void reply(int st, const void *payload, u32 len)
{
	send((u8)(req.type | CTL_REPLY), req.id, (int16_t)st, payload, len);
}

static void do_console(void)
{
	struct vm *vm;
	int err;
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
		reply(0, NULL, 0);
		return;
	}
	err = ctl_req_vm(&req, &rep, &vm);
	if (err != 0) {
		reply(err, rep.payload, rep.len);
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
	reply(0, rep.payload, n);
}

static int ping(const struct ctl_frame *q, struct ctl_frame *r)
{
	(void)q;
	r->len = (u16)strlen(vmm_version);
	memcpy(r->payload, vmm_version, r->len);
	return 0;
}

/* The requests answered with one reply each, by type (ctlreq.h). */
static int (*const handlers[])(const struct ctl_frame *, struct ctl_frame *) = {
	[CTL_PING] = ping,
	/* VMs */
	[CTL_LIST] = ctl_list, [CTL_CREATE] = ctl_create, [CTL_INFO] = ctl_info,
	[CTL_START] = ctl_life, [CTL_STOP] = ctl_life, [CTL_DESTROY] = ctl_life,
	[CTL_DISK_SAVE] = ctl_disk_save, [CTL_SHUTDOWN] = ctl_end, [CTL_REBOOT] = ctl_end,
	/* memory and images */
	[CTL_STATS] = ctl_stats, [CTL_IMAGES] = ctl_images, [CTL_UPLOAD_BEGIN] = ctl_upload,
	[CTL_UPLOAD_DATA] = ctl_upload, [CTL_UPLOAD_END] = ctl_upload,
};

static void handle(void)
{
	int st;

	if (req.type == CTL_CONSOLE_ATTACH || req.type == CTL_CONSOLE_INPUT ||
	    req.type == CTL_CONSOLE_DETACH) {
		do_console();
		return;
	}
	rep.len = 0;
	if (req.type < ARRAY_SIZE(handlers) && handlers[req.type] != NULL) {
		st = handlers[req.type](&req, &rep);
	} else {
		con_printf("control: unknown request type %u (id %u): refused\n", req.type, req.id);
		st = ctl_fail(&rep, CTL_E_UNKNOWN_TYPE, "unknown request type");
	}
	if (st != CTL_LATER) {
		reply(st, rep.payload, rep.len);
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
		reply(-CTL_E_BAD_FRAME, r.why, (u32)strlen(r.why));
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
	struct vm_end_answer a;

	/* Shutdowns and reboots answered once the VM ended (vm_reap). */
	while (vm_end_answer(&a)) {
		send((u8)(a.type | CTL_REPLY), a.id, (int16_t)a.status, a.text,
		     (u32)strlen(a.text));
	}
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
	while (con.in_count != 0 && vm_io_type(con.vm, con.input[con.in_head])) {
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
