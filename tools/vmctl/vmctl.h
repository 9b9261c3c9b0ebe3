/*
 * vmctl's parts: the line to the VMM (conn.c), output (print.c) and the
 * commands (vmctl.c).
 */
#ifndef VMCTL_H
#define VMCTL_H

#include <stddef.h>
#include <stdint.h>

#include <ctl/proto.h>

/* Exit statuses (docs/vmctl.md). */
enum { EX_OK = 0, EX_REFUSED = 1, EX_USAGE = 2, EX_CONNECT = 3 };

#define TIMEOUT_MS 60000

extern const char *prog;
/** The line to the VMM (a file descriptor), -1 until open_conn. */
extern int conn;
/** The id of the next request. */
extern uint32_t next_id;
/** The last frame next_frame or read_frame decoded. */
extern struct ctl_frame in;

/** Prints "vmctl: message" on stderr and exits with status. */
void die(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
uint64_t now_ms(void);
/** Opens the line: a Unix socket, or a serial device set to raw 115200. */
void open_conn(const char *path);
void write_all(int fd, const void *p, size_t n);
void send_frame(uint8_t type, uint32_t id, const void *payload, size_t len);
/** The next whole frame into `in`; 1, or 0 if none came in timeout_ms. */
int next_frame(int timeout_ms);
/** Waits for a frame carrying request id `id`; 1, or 0 on timeout. */
int read_frame(uint32_t id, int timeout_ms);
/** Sends a request and returns its reply; exits on an error reply. */
struct ctl_frame *request(uint8_t type, const void *payload, size_t len);

/** Output of records (print.c). */
void json_str(const char *s, size_t max);
const char *state_name(uint32_t s);
void json_vm(const struct ctl_vm *v);
void print_vm_header(void);
void print_vm(const struct ctl_vm *v);

#endif /* VMCTL_H */
