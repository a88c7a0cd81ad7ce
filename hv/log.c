#include "hv/log.h"

#include "hv/format.h"
#include "hv/serial.h"
#include "hv/spinlock.h"

/*
 * The ring is a plain byte buffer indexed by an ever-growing offset; the
 * oldest text is overwritten. Readers ask from an absolute offset and are
 * moved forward when what they asked for has been overwritten.
 */
static char ring[LOG_RING_SIZE];
static unsigned long ring_head; /* total bytes ever written */
static enum log_level console_level = LOG_INFO;
static struct spinlock log_lock;
static bool lock_broken;

void log_break_lock(void)
{
	lock_broken = true;
}

void log_set_console_level(enum log_level level)
{
	console_level = level;
}

struct log_sink {
	bool to_console;
};

static void log_putc(void *ctx, char c)
{
	const struct log_sink *s = ctx;

	ring[ring_head % LOG_RING_SIZE] = c;
	ring_head++;
	if (!s->to_console)
		return;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	struct log_sink s = { .to_console = level <= console_level };

	if (lock_broken) {
		vformat(log_putc, &s, fmt, ap);
		return;
	}
	spin_lock(&log_lock);
	vformat(log_putc, &s, fmt, ap);
	spin_unlock(&log_lock);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

size_t log_ring_read(unsigned long from, char *buf, size_t len,
		     unsigned long *next)
{
	spin_lock(&log_lock);
	unsigned long oldest = ring_head > LOG_RING_SIZE ? ring_head - LOG_RING_SIZE : 0;
	if (from < oldest)
		from = oldest;
	size_t n = 0;
	while (n < len && from < ring_head)
		buf[n++] = ring[from++ % LOG_RING_SIZE];
	*next = from;
	spin_unlock(&log_lock);
	return n;
}
