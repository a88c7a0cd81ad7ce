/* Checks print one line each and remember the first failure's code, which
 * becomes the verdict: later checks still run so one log shows everything
 * that is broken. */
#include "guest.h"

static uint32_t first_fail;

void note(const char *fmt, ...)
{
	va_list ap;
	kprintf("%s: ", guest_name);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
}

bool check(bool ok, uint32_t code, const char *fmt, ...)
{
	va_list ap;
	kprintf("%s: %s ", guest_name, ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		kprintf(" [code %u]", code);
		if (!first_fail)
			first_fail = code;
	}
	serial_putc('\n');
	return ok;
}

uint32_t first_failure(void)
{
	return first_fail;
}
