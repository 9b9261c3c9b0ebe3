/*
 * vmctl shutdown NAME [--timeout S] and vmctl reboot NAME [--timeout S]:
 * the VMM presses the VM's power or restart key (its virtio input device,
 * which the guest's acpid or systemd-logind acts on) and answers once the
 * VM has ended, or once it destroyed the VM at the timeout.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmctl.h"

#define END_TIMEOUT_S 60
#define END_TIMEOUT_MAX 86400

/* The --timeout of args[1..] (default END_TIMEOUT_S); exits on a bad one. */
static uint32_t timeout_of(char *const *args)
{
	const char *v = NULL;
	char *end;
	unsigned long t;

	if (args[1] == NULL) {
		return END_TIMEOUT_S;
	}
	if (strncmp(args[1], "--timeout=", 10) == 0 && args[2] == NULL) {
		v = args[1] + 10;
	} else if (strcmp(args[1], "--timeout") == 0 && args[2] != NULL && args[3] == NULL) {
		v = args[2];
	} else {
		die(EX_USAGE, "expected NAME [--timeout SECONDS], not '%s'", args[1]);
	}
	t = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || t > END_TIMEOUT_MAX) {
		die(EX_USAGE, "--timeout takes 0 (no limit) to %d seconds, not '%s'",
		    END_TIMEOUT_MAX, v);
	}
	return (uint32_t)t;
}

void check_end(char *const *args)
{
	(void)name_arg(args[0]);
	(void)timeout_of(args);
}

static int ask_end(char *const *args, uint8_t type)
{
	const char *name = args[0];
	uint32_t t = timeout_of(args);
	size_t n = name_arg(name);
	uint8_t payload[4 + CTL_NAME_LEN];
	uint32_t id = next_id++;
	int wait_ms;

	memcpy(payload, &t, 4); /* little-endian, as the VMM is */
	memcpy(payload + 4, name, n);
	if (!json) {
		if (t != 0) {
			fprintf(stderr, "%s: asking %s to %s; destroyed if it still runs in %u s\n",
				prog, name, type == CTL_REBOOT ? "reboot" : "power off", t);
		} else {
			fprintf(stderr, "%s: asking %s to %s\n", prog, name,
				type == CTL_REBOOT ? "reboot" : "power off");
		}
	}
	send_frame(type, id, payload, 4 + n);
	/* The answer comes when the VM has ended: the VMM's timeout, and a
	 * margin for its teardown. */
	wait_ms = t != 0 ? (int)(t + 60) * 1000 : INT_MAX;
	if (!read_frame(id, wait_ms)) {
		die(EX_CONNECT, "no answer from the VMM in %d s", wait_ms / 1000);
	}
	if ((in.type & ~CTL_REPLY) != type || (in.type & CTL_REPLY) == 0) {
		die(EX_CONNECT, "unexpected frame type 0x%x from the VMM", in.type);
	}
	if (in.status != 0 && in.status != -CTL_E_TIMEOUT && in.status != -CTL_E_ENDED) {
		die(EX_REFUSED, "%s: %.*s", ctl_strerror(in.status), (int)in.len,
		    (const char *)in.payload);
	}
	if (json) {
		printf("{\"name\": ");
		json_str(name, n);
		printf(", \"result\": \"%s\", \"message\": ",
		       in.status == 0 ? "done" : in.status == -CTL_E_TIMEOUT ? "timeout" : "ended otherwise");
		json_str((const char *)in.payload, in.len);
		printf("}\n");
	} else {
		fprintf(in.status == 0 ? stdout : stderr, "%.*s\n", (int)in.len,
			(const char *)in.payload);
	}
	return in.status == 0 ? EX_OK : EX_REFUSED;
}

int cmd_shutdown(char *const *args)
{
	return ask_end(args, CTL_SHUTDOWN);
}

int cmd_reboot(char *const *args)
{
	return ask_end(args, CTL_REBOOT);
}
