/*
 * The hypervisor log: every message goes to an in-memory ring (read later
 * from dom0 with `hvctl dmesg`) and, at or above the console level, to the
 * serial console.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

#define LOG_RING_SIZE (64 * 1024)

/* The panic path: stop honouring the lock a faulting holder may own. */
void log_break_lock(void);

void log_set_console_level(enum log_level level);
void log_printf(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level level, const char *fmt, va_list ap);

/* Copies up to `len` bytes of the ring starting at absolute offset `from`
 * into `buf`; returns the bytes copied and sets *next to resume from. */
size_t log_ring_read(unsigned long from, char *buf, size_t len,
		     unsigned long *next);

#define log_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
