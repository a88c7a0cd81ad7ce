#include "hv/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left, zero, plus, space, alt;
	bool pointer; /* %p: always 0x-prefixed */
	int width;
	int precision; /* -1: none */
	char length;   /* 'H' hh, 'h', 'l', 'L' ll/j/z/t, 0 int */
};

struct out {
	format_sink_fn sink;
	void *ctx;
	int count;
};

static void emit(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void emit_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

static int str_len(const char *s, int max)
{
	int n = 0;
	while ((max < 0 || n < max) && s[n])
		n++;
	return n;
}

static void emit_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int len = str_len(s, sp->precision);
	if (!sp->left)
		emit_pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		emit(o, s[i]);
	if (sp->left)
		emit_pad(o, ' ', sp->width - len);
}

static void emit_number(struct out *o, const struct spec *sp, uint64_t v,
			bool negative, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0;
	bool nonzero = v != 0;

	/* A precision of 0 prints nothing for the value 0, as in C. */
	if (v != 0 || sp->precision != 0) {
		do {
			buf[n++] = digits[v % base];
			v /= base;
		} while (v);
	}

	const char *prefix = "";
	if (negative)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	else if (sp->pointer || (sp->alt && base == 16 && nonzero))
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && (n == 0 || buf[n - 1] != '0'))
		prefix = "0";

	int plen = str_len(prefix, -1);
	int zeros = sp->precision > n ? sp->precision - n : 0;
	int body = plen + zeros + n;
	bool zero_pad = sp->zero && !sp->left && sp->precision < 0;

	if (!sp->left && !zero_pad)
		emit_pad(o, ' ', sp->width - body);
	for (int i = 0; i < plen; i++)
		emit(o, prefix[i]);
	if (zero_pad)
		emit_pad(o, '0', sp->width - body);
	emit_pad(o, '0', zeros);
	while (n > 0)
		emit(o, buf[--n]);
	if (sp->left)
		emit_pad(o, ' ', sp->width - body);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-': sp->left = true; break;
		case '0': sp->zero = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		default: return f;
		}
	}
}

static const char *parse_int(const char *f, int *out)
{
	int v = 0;
	while (*f >= '0' && *f <= '9' && v < 100000)
		v = v * 10 + (*f++ - '0');
	*out = v;
	return f;
}

static const char *parse_length(const char *f, struct spec *sp)
{
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			sp->length = 'H';
			return f + 2;
		}
		sp->length = 'h';
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			sp->length = 'L';
			return f + 2;
		}
		sp->length = 'l';
		return f + 1;
	case 'j':
	case 'z':
	case 't':
		sp->length = 'L';
		return f + 1;
	default:
		return f;
	}
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	default: return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, unsigned);
	}
}

/* Handles one conversion; returns the position after it. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	struct spec sp = { .precision = -1 };
	const char *start = f - 1;

	f = parse_flags(f, &sp);
	if (*f == '*') {
		sp.width = va_arg(*ap, int);
		if (sp.width < 0) {
			sp.left = true;
			sp.width = -sp.width;
		}
		f++;
	} else {
		f = parse_int(f, &sp.width);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			sp.precision = va_arg(*ap, int);
			if (sp.precision < 0)
				sp.precision = -1;
			f++;
		} else {
			f = parse_int(f, &sp.precision);
		}
	}
	f = parse_length(f, &sp);

	switch (*f) {
	case 'd':
	case 'i': {
		int64_t v = fetch_signed(&sp, ap);
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		emit_number(o, &sp, mag, v < 0, 10, false);
		break;
	}
	case 'u': emit_number(o, &sp, fetch_unsigned(&sp, ap), false, 10, false); break;
	case 'x': emit_number(o, &sp, fetch_unsigned(&sp, ap), false, 16, false); break;
	case 'X': emit_number(o, &sp, fetch_unsigned(&sp, ap), false, 16, true); break;
	case 'o': emit_number(o, &sp, fetch_unsigned(&sp, ap), false, 8, false); break;
	case 'p':
		sp.pointer = true;
		emit_number(o, &sp, (uintptr_t)va_arg(*ap, void *), false, 16, false);
		break;
	case 's': emit_string(o, &sp, va_arg(*ap, const char *)); break;
	case 'c': {
		char c[2] = { (char)va_arg(*ap, int), 0 };
		sp.precision = 1;
		emit_string(o, &sp, c);
		break;
	}
	case '%': emit(o, '%'); break;
	default:
		/* Unknown or truncated conversion: print it as written. */
		while (start < f)
			emit(o, *start++);
		if (!*f)
			return f;
		emit(o, *f);
		break;
	}
	return f + 1;
}

int vformat(format_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { sink, ctx, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt = convert(&o, fmt + 1, &aq);
	}
	va_end(aq);
	return o.count;
}

struct buf_sink {
	char *buf;
	size_t size, used;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;
	if (b->used + 1 < b->size)
		b->buf[b->used] = c;
	b->used++;
}

int vformat_buf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	int n = vformat(buf_put, &b, fmt, ap);
	if (size)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

int format_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat_buf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
