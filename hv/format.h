/* printf-style formatting into any character sink; no libc needed. */
#ifndef HV_FORMAT_H
#define HV_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink_fn)(void *ctx, char c);

/*
 * Supports %d %i %u %x %X %o %p %s %c %% with the flags "-0+ #", a width and
 * a precision (numbers or '*') and the length modifiers hh h l ll z j t.
 * Returns the number of characters produced.
 */
int vformat(format_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/* Like snprintf: always NUL-terminates when size > 0, returns the full length. */
int format_buf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vformat_buf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
