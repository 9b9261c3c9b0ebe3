/*
 * vmctl's line to the VMM: opening it (a Unix socket or a serial device),
 * sending frames, and reading the frames meant for it out of a stream
 * that also carries typed text.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmctl.h"

const char *prog = "vmctl";
int conn = -1;
uint32_t next_id;
struct ctl_frame in;
static struct ctl_decoder dec;

void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------ connection ---- */

void open_conn(const char *path)
{
	struct stat st;

	if (path == NULL || *path == '\0') {
		die(EX_USAGE, "no connection: give -c SOCKET|TTY or set VMCTL_CONNECT");
	}
	if (stat(path, &st) != 0) {
		die(EX_CONNECT, "%s: %s", path, strerror(errno));
	}
	if (S_ISSOCK(st.st_mode)) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(a.sun_path)) {
			die(EX_USAGE, "%s: socket path too long", path);
		}
		strcpy(a.sun_path, path);
		conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (conn < 0 || connect(conn, (struct sockaddr *)&a, sizeof(a)) != 0) {
			die(EX_CONNECT, "%s: %s", path, strerror(errno));
		}
	} else {
		struct termios t;

		conn = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (conn < 0) {
			die(EX_CONNECT, "%s: %s", path, strerror(errno));
		}
		if (tcgetattr(conn, &t) == 0) {
			cfmakeraw(&t);
			cfsetispeed(&t, B115200);
			cfsetospeed(&t, B115200);
			t.c_cflag |= CLOCAL | CREAD;
			tcsetattr(conn, TCSANOW, &t);
		}
	}
	next_id = (uint32_t)getpid() << 16 | (uint32_t)(now_ms() & 0xffff);
}

void write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			die(EX_CONNECT, "writing to the VMM: %s", strerror(errno));
		}
		b += w;
		n -= (size_t)w;
	}
}

void send_frame(uint8_t type, uint32_t id, const void *payload, size_t len)
{
	static struct ctl_frame f;
	static uint8_t wire[CTL_MAX_FRAME];
	size_t n;

	f.type = type;
	f.id = id;
	f.status = 0;
	f.len = (uint16_t)len;
	if (len > 0) {
		memcpy(f.payload, payload, len);
	}
	n = ctl_encode(&f, wire, sizeof(wire));
	write_all(conn, wire, n);
}

/* Bytes read from the line and not decoded yet. */
static uint8_t ibuf[4096];
static size_t ipos, ilen;

/*
 * Decodes the next whole frame into `in` (typed text and bad frames on the
 * line are skipped), reading as needed until timeout_ms. Returns 1, or 0
 * if none came in time.
 */
int next_frame(int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = conn, .events = POLLIN };
		int64_t left;
		ssize_t n;

		while (ipos < ilen) {
			struct ctl_result r;

			ctl_feed(&dec, ibuf[ipos++], &in, &r);
			if (r.event == CTL_EV_FRAME) {
				return 1;
			}
		}
		left = (int64_t)(deadline - now_ms());
		if (poll(&p, 1, left > 0 ? (int)left : 0) <= 0) {
			if (left <= 0) {
				return 0;
			}
			continue;
		}
		n = read(conn, ibuf, sizeof(ibuf));
		if (n == 0) {
			die(EX_CONNECT, "the VMM's line closed");
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			die(EX_CONNECT, "reading from the VMM: %s", strerror(errno));
		}
		ipos = 0;
		ilen = (size_t)n;
	}
}

/* Waits for a frame carrying request id `id`; 1, or 0 on timeout. */
int read_frame(uint32_t id, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		int64_t left = (int64_t)(deadline - now_ms());

		if (!next_frame(left > 0 ? (int)left : 0)) {
			return 0;
		}
		if (in.id == id) {
			return 1;
		}
	}
}

/* Sends a request and waits for its reply; exits on error replies. */
struct ctl_frame *request_any(uint8_t type, const void *payload, size_t len)
{
	uint32_t id = next_id++;

	send_frame(type, id, payload, len);
	if (!read_frame(id, TIMEOUT_MS)) {
		die(EX_CONNECT, "no reply from the VMM in %d s", TIMEOUT_MS / 1000);
	}
	if ((in.type & ~CTL_REPLY) != type || (in.type & CTL_REPLY) == 0) {
		die(EX_CONNECT, "unexpected frame type 0x%x from the VMM", in.type);
	}
	return &in;
}

struct ctl_frame *request(uint8_t type, const void *payload, size_t len)
{
	(void)request_any(type, payload, len);
	if (in.status != 0) {
		if (in.len > 0) {
			die(EX_REFUSED, "%s: %.*s", ctl_strerror(in.status), (int)in.len,
			    (const char *)in.payload);
		}
		die(EX_REFUSED, "%s", ctl_strerror(in.status));
	}
	return &in;
}

