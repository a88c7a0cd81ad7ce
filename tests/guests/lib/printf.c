/* A small printf onto COM1; enough for test reports. */
#include "guest.h"

/* 64-by-10 division from two 32-bit DIVs, so no libgcc is needed: the high
 * half first, then (remainder:low) / 10, which cannot overflow. */
static uint32_t divmod10(uint64_t *n)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n, rem;
	uint32_t qhi = hi / 10;
	rem = hi % 10;
	uint32_t qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(rem), "r"(10u));
	*n = ((uint64_t)qhi << 32) | qlo;
	return rem;
}

static void emit_padded(const char *s, int len, int width, bool left, char pad)
{
	if (!left)
		for (int i = len; i < width; i++)
			serial_putc(pad);
	for (int i = 0; i < len; i++)
		serial_putc(s[i]);
	if (left)
		for (int i = len; i < width; i++)
			serial_putc(' ');
}

static void emit_number(uint64_t v, unsigned base, bool upper, bool negative, int width, bool left,
			char pad)
{
	char buf[24];
	int n = sizeof(buf);
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		uint32_t d = base == 10 ? divmod10(&v) : (uint32_t)(v & 15);
		if (base == 16)
			v >>= 4;
		buf[--n] = digits[d];
	} while (v);
	if (negative) {
		if (pad == '0' && !left) {
			serial_putc('-');
			width--;
		} else {
			buf[--n] = '-';
		}
	}
	emit_padded(buf + n, (int)sizeof(buf) - n, width, left, pad);
}

void kvprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int longs = 0;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit_padded(&c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;
			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			emit_padded(str, len, width, left, ' ');
			break;
		}
		case 'd':
		case 'i':
			s = longs >= 2 ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, int32_t);
			emit_number(s < 0 ? -(uint64_t)s : (uint64_t)s, 10, false, s < 0, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
			emit_number(u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, left, pad);
			break;
		case 'p':
			serial_putc('0');
			serial_putc('x');
			emit_number((uintptr_t)va_arg(ap, void *), 16, false, false, 8, false, '0');
			break;
		case '%':
			serial_putc('%');
			break;
		case '\0':
			return;
		default:
			serial_putc('%');
			serial_putc(*fmt);
			break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
