/*
 * The VMM's console (console.c): the board's UART the hyp passed, polled.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <lib/types.h>

/** Console output through the UART the hyp passed (polled). */
void con_init(u32 kind, uintptr_t base);
void con_putc(char c);
void con_write(const char *s, size_t n);
/** Writes bytes as they are (no newline translation), all at once. */
void con_write_raw(const void *p, size_t n);
void con_printf(const char *fmt, ...) __printf(1, 2);
/** Returns a received byte or -1 if none is waiting. */
int con_getc(void);

#endif /* VMM_CONSOLE_H */
