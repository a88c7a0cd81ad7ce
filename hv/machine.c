#include "hv/machine.h"

#include "hv/log.h"
#include "hv/string.h"
#include "hv/x86.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

static enum machine_exit_method exit_method = MACHINE_EXIT_HALT;

void machine_set_exit_method(enum machine_exit_method m)
{
	exit_method = m;
}

_Bool machine_parse_exit_method(const char *name)
{
	static const struct {
		const char *name;
		enum machine_exit_method method;
	} methods[] = {
		{ "halt", MACHINE_EXIT_HALT },
		{ "qemu", MACHINE_EXIT_QEMU },
		{ "bochs", MACHINE_EXIT_BOCHS },
	};
	for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(name, methods[i].name) == 0) {
			exit_method = methods[i].method;
			return 1;
		}
	}
	return 0;
}

static void bochs_shutdown(void)
{
	for (const char *p = "Shutdown"; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
}

void machine_exit(enum machine_status status)
{
	/* The harness reads this line from the serial log on every emulator. */
	log_info("kestrel: exit status %d\n", status);
	cli();
	if (exit_method == MACHINE_EXIT_QEMU)
		outl(QEMU_DEBUG_EXIT_PORT, status);
	else if (exit_method == MACHINE_EXIT_BOCHS)
		bochs_shutdown();
	for (;;)
		hlt();
}
