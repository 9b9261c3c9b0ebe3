/*
 * vmctl's parts: the command line (vmctl.c), the commands (commands.c and
 * console.c), the line to the VMM (conn.c) and output (print.c).
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
/** Nonzero with --json: commands print JSON instead of tables. */
extern int json;
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
/** The same, returning an error reply too (its status is nonzero). */
struct ctl_frame *request_any(uint8_t type, const void *payload, size_t len);

/** Output of records (print.c). */
void json_str(const char *s, size_t max);
const char *state_name(uint32_t s);
void json_vm(const struct ctl_vm *v);
void print_vm_header(void);
void print_vm(const struct ctl_vm *v);

/**
 * The commands (commands.c, console.c). Each takes its arguments, checked
 * in number by vmctl.c, as a NULL-terminated vector, and returns the exit
 * status; on a refusal or a lost line they exit instead.
 */
int cmd_list(char *const *args);
int cmd_create(char *const *args);
int cmd_start(char *const *args);
int cmd_stop(char *const *args);
int cmd_destroy(char *const *args);
int cmd_console(char *const *args);
int cmd_info(char *const *args);
int cmd_stats(char *const *args);
int cmd_images(char *const *args);
int cmd_upload(char *const *args);
int cmd_disk_save(char *const *args);
int cmd_ping(char *const *args);
int cmd_top(char *const *args);
/** shutdown and reboot (end.c): NAME [--timeout S]; the check of those. */
int cmd_shutdown(char *const *args);
int cmd_reboot(char *const *args);
void check_end(char *const *args);
/** Reads create's configuration file; exits with FILE:LINE: on errors. */
void check_create(char *const *args);
/** The length of a VM name; exits with a usage error if it is not one. */
size_t name_arg(const char *name);

#endif /* VMCTL_H */
