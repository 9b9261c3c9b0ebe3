/*
 * The shared freestanding library: memory and string helpers, a small
 * formatter and a sort. The hyp, the VMM, the test guests and the host tools
 * link the same files.
 */
#ifndef LIB_LIB_H
#define LIB_LIB_H

#include <stdarg.h>
#include <lib/types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/**
 * Formats like vsnprintf for the subset %c %s %d %i %u %x %X %p %% with the
 * flags '0' and '-', a field width, and the length modifiers l, ll, z.
 * Writes at most size bytes including the terminating NUL and returns the
 * length the whole output would have had.
 */
size_t fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap);
/** fmt_vformat with variable arguments. */
size_t fmt_format(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/** Sorts a[0..n) in ascending order (small n: insertion sort). */
void sort_u64(u64 *a, u32 n);

/**
 * Parses an unsigned number in C notation (0x for hex, else decimal) from
 * s[0..len). Returns false on an empty string, a bad digit or an overflow.
 */
bool fmt_parse_u64(const char *s, size_t len, u64 *out);

#endif /* LIB_LIB_H */
