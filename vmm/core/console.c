/*
 * The VMM's console: the board's console UART, driven directly (the hyp
 * maps it into the VMM's stage 2 as a device).
 */
#include <lib/lib.h>
#include <lib/spinlock.h>
#include <lib/uart.h>
#include <vmm/console.h>

static u32 con_kind;
static uintptr_t con_base;

void con_init(u32 kind, uintptr_t base)
{
	con_kind = kind;
	con_base = base;
}

void con_putc(char c)
{
	if (c == '\n') {
		uart_putc(con_kind, con_base, '\r');
	}
	uart_putc(con_kind, con_base, c);
}

static spinlock_t con_lock;

void con_write(const char *s, size_t n)
{
	spin_lock(&con_lock);
	for (size_t i = 0; i < n; i++) {
		con_putc(s[i]);
	}
	spin_unlock(&con_lock);
}

void con_write_raw(const void *p, size_t n)
{
	const char *s = p;

	spin_lock(&con_lock);
	for (size_t i = 0; i < n; i++) {
		uart_putc(con_kind, con_base, s[i]);
	}
	spin_unlock(&con_lock);
}

void con_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	con_write(buf, MIN(n, sizeof(buf) - 1));
}

int con_getc(void)
{
	return uart_getc(con_kind, con_base);
}
