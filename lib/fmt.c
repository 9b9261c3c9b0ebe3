/*
 * A small, bounded printf-style formatter. It never writes past the buffer
 * and always terminates it when size > 0.
 */
#include <lib/lib.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size) {
		o->buf[o->len] = c;
	}
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0) {
		out_char(o, c);
	}
}

struct spec {
	bool left;
	bool zero;
	int width;
};

static void out_str(struct out *o, const struct spec *sp, const char *s,
		    size_t n)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left) {
		out_pad(o, ' ', pad);
	}
	for (size_t i = 0; i < n; i++) {
		out_char(o, s[i]);
	}
	if (sp->left) {
		out_pad(o, ' ', pad);
	}
}

static void out_num(struct out *o, const struct spec *sp, u64 v, bool neg,
		    unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	int len;
	int pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	len = n + (neg ? 1 : 0);
	pad = sp->width > len ? sp->width - len : 0;
	if (!sp->left && !sp->zero) {
		out_pad(o, ' ', pad);
	}
	if (neg) {
		out_char(o, '-');
	}
	if (!sp->left && sp->zero) {
		out_pad(o, '0', pad);
	}
	while (n > 0) {
		out_char(o, tmp[--n]);
	}
	if (sp->left) {
		out_pad(o, ' ', pad);
	}
}

/* Reads an argument of the size the length modifier says, as unsigned. */
static u64 arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 2) {
		return va_arg(*ap, unsigned long long);
	}
	if (lng == 1) {
		return va_arg(*ap, unsigned long);
	}
	return va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int lng)
{
	if (lng >= 2) {
		return va_arg(*ap, long long);
	}
	if (lng == 1) {
		return va_arg(*ap, long);
	}
	return va_arg(*ap, int);
}

size_t fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *p = fmt; *p != '\0'; p++) {
		struct spec sp = { false, false, 0 };
		int lng = 0;

		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-') {
				sp.left = true;
			} else if (*p == '0') {
				sp.zero = true;
			} else {
				break;
			}
		}
		while (*p >= '0' && *p <= '9' && sp.width < 1000) {
			sp.width = sp.width * 10 + (*p - '0');
			p++;
		}
		while (*p == 'l' || *p == 'z') {
			lng += (*p == 'z') ? 2 : 1;
			p++;
		}
		switch (*p) {
		case 'c': {
			char c = (char)va_arg(ap, int);

			out_str(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (s == NULL) {
				s = "(null)";
			}
			out_str(&o, &sp, s, strlen(s));
			break;
		}
		case 'd':
		case 'i': {
			s64 v = arg_signed(&ap, lng);
			u64 mag = v < 0 ? (u64)0 - (u64)v : (u64)v;

			out_num(&o, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
			out_num(&o, &sp, arg_unsigned(&ap, lng), false, 10, false);
			break;
		case 'x':
		case 'X':
			out_num(&o, &sp, arg_unsigned(&ap, lng), false, 16,
				*p == 'X');
			break;
		case 'p': {
			u64 v = (u64)(uintptr_t)va_arg(ap, void *);

			out_char(&o, '0');
			out_char(&o, 'x');
			sp.zero = true;
			sp.width = 16;
			out_num(&o, &sp, v, false, 16, false);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end: stop at the NUL */
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	va_end(ap);
	if (size > 0) {
		buf[o.len < size ? o.len : size - 1] = '\0';
	}
	return o.len;
}

size_t fmt_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9') {
		v = c - '0';
	} else if (c >= 'a' && c <= 'f') {
		v = c - 'a' + 10;
	} else if (c >= 'A' && c <= 'F') {
		v = c - 'A' + 10;
	} else {
		return -1;
	}
	return v < (int)base ? v : -1;
}

bool fmt_parse_u64(const char *s, size_t len, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= len) {
		return false;
	}
	for (; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0 || v > (UINT64_MAX - (u64)d) / base) {
			return false;
		}
		v = v * base + (u64)d;
	}
	*out = v;
	return true;
}
