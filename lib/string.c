/*
 * Memory and string helpers for freestanding code. The hyp runs part of its
 * boot with the MMU off, where every access is Device memory and an
 * unaligned wide access would fault: wide accesses here are always
 * naturally aligned, bytes do the rest. The volatile pointers keep the
 * compiler from turning the loops back into calls of these functions.
 */
#include <lib/lib.h>

void *memset(void *dst, int c, size_t n)
{
	volatile u8 *d = dst;
	volatile u64 *w;
	u64 pattern = UINT64_C(0x0101010101010101) * (u8)c;

	while (n > 0 && ((uintptr_t)d & 7) != 0) {
		*d++ = (u8)c;
		n--;
	}
	w = (volatile u64 *)(uintptr_t)d;
	for (; n >= 32; n -= 32, w += 4) {
		w[0] = pattern;
		w[1] = pattern;
		w[2] = pattern;
		w[3] = pattern;
	}
	for (; n >= 8; n -= 8) {
		*w++ = pattern;
	}
	d = (volatile u8 *)w;
	while (n-- > 0) {
		*d++ = (u8)c;
	}
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile u8 *d = dst;
	const u8 *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		volatile u64 *wd;
		const u64 *ws;

		while (n > 0 && ((uintptr_t)d & 7) != 0) {
			*d++ = *s++;
			n--;
		}
		wd = (volatile u64 *)(uintptr_t)d;
		ws = (const u64 *)(const void *)s;
		for (; n >= 8; n -= 8) {
			*wd++ = *ws++;
		}
		d = (volatile u8 *)wd;
		s = (const u8 *)ws;
	}
	while (n-- > 0) {
		*d++ = *s++;
	}
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d == s || n == 0) {
		return dst;
	}
	if (d < s || d >= s + n) {
		return memcpy(dst, src, n);
	}
	while (n-- > 0) {
		d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a;
	const u8 *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			return x[i] < y[i] ? -1 : 1;
		}
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0') {
		n++;
	}
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0') {
		n++;
	}
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i];
		unsigned char y = (unsigned char)b[i];

		if (x != y) {
			return x < y ? -1 : 1;
		}
		if (x == '\0') {
			break;
		}
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}
