/*
 * vmctl console NAME: this terminal attached to a VM's console, raw, until
 * Ctrl-] detaches or the VM ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <ctl/proto.h>

#include "vmctl.h"

#define DETACH_KEY 0x1d /* Ctrl-] */

static struct termios saved_tio;
static int tio_saved;

static void restore_tty(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	}
}

static int in_fd;

static void on_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

int cmd_console(char *const *args)
{
	const char *name = args[0];
	uint32_t id = next_id++;
	uint8_t buf[4096];

	send_frame(CTL_CONSOLE_ATTACH, id, name, name_arg(name));
	if (!read_frame(id, TIMEOUT_MS)) {
		die(EX_CONNECT, "no reply from the VMM");
	}
	if (in.status != 0) {
		die(EX_REFUSED, "%s: %.*s", ctl_strerror(in.status), (int)in.len,
		    (const char *)in.payload);
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios t = saved_tio;

		tio_saved = 1;
		atexit(restore_tty);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		signal(SIGINT, on_signal);
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	fprintf(stderr, "[attached to %s; Ctrl-] detaches]\r\n", name);
	in_fd = STDIN_FILENO;
	write_all(STDOUT_FILENO, in.payload, in.len); /* its recent history */
	for (;;) {
		struct pollfd p[2] = { { .fd = conn, .events = POLLIN },
				       { .fd = in_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			die(EX_CONNECT, "poll: %s", strerror(errno));
		}
		if (p[0].revents & (POLLERR | POLLNVAL)) {
			die(EX_CONNECT, "the VMM's line failed");
		}
		if (p[1].revents & (POLLERR | POLLNVAL)) {
			in_fd = -1; /* no more input; output still shown */
			continue;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0 || memchr(buf, DETACH_KEY, (size_t)n) != NULL) {
				size_t keep = n <= 0 ? 0 : (size_t)((uint8_t *)memchr(buf, DETACH_KEY, (size_t)n) - buf);

				if (keep > 0) {
					send_frame(CTL_CONSOLE_INPUT, id, buf, keep);
				}
				send_frame(CTL_CONSOLE_DETACH, id, NULL, 0);
				(void)read_frame(id, 5000);
				fprintf(stderr, "\r\n[detached from %s]\r\n", name);
				return EX_OK;
			}
			send_frame(CTL_CONSOLE_INPUT, id, buf, (size_t)n);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			while (next_frame(0)) {
				if (in.id != id) {
					continue;
				}
				if (in.type == CTL_CONSOLE_DATA) {
					write_all(STDOUT_FILENO, in.payload, in.len);
				} else if (in.type == CTL_CONSOLE_END) {
					fprintf(stderr, "\r\n[%s: %.*s]\r\n", name, (int)in.len,
						(const char *)in.payload);
					return EX_OK;
				}
			}
		}
	}
}
