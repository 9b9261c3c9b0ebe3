/*
 * Console output of the hyp. See hyp/log.h.
 */
#include <hyp/arch.h>
#include <lib/lib.h>
#include <hyp/log.h>
#include <lib/uart.h>

static u32 log_uart_kind;
static uintptr_t log_uart_base;
static bool log_locking;
static spinlock_t log_lock;
/* CPU holding log_lock + 1, so a fault while printing does not deadlock. */
static volatile u32 log_owner;

void log_init(u32 uart_kind, paddr_t base)
{
	log_uart_kind = uart_kind;
	log_uart_base = (uintptr_t)base;
}

void log_enable_locking(void)
{
	log_locking = true;
}

static void log_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			uart_putc(log_uart_kind, log_uart_base, '\r');
		}
		uart_putc(log_uart_kind, log_uart_base, s[i]);
	}
}

static void log_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	size_t n = fmt_vformat(buf, sizeof(buf), fmt, ap);
	u32 me = arch_cpu_index() + 1;
	bool lock = log_locking && log_owner != me;

	if (n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
	}
	if (lock) {
		spin_lock(&log_lock);
		log_owner = me;
	}
	log_write(buf, n);
	if (lock) {
		log_owner = 0;
		spin_unlock(&log_lock);
	}
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

void hyp_panic(const char *fmt, ...)
{
	va_list ap;

	log_printf("hyp: PANIC on CPU %u: ", arch_cpu_index());
	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
	log_printf("\n");
	cpu_halt();
}
