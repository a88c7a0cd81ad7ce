/* Ending the hypervisor's run: how depends on where it runs (exit= option). */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

/* Exit statuses; under QEMU's isa-debug-exit the process exits (v << 1) | 1. */
enum machine_status {
	MACHINE_SUCCESS = 0,
	MACHINE_TEST_FAILED = 1,
	MACHINE_PANIC = 2,
};

enum machine_exit_method {
	MACHINE_EXIT_HALT,  /* real hardware: stop the CPU, keep the log on screen */
	MACHINE_EXIT_QEMU,  /* isa-debug-exit at port 0xf4 */
	MACHINE_EXIT_BOCHS, /* Bochs' shutdown port 0x8900 */
};

void machine_set_exit_method(enum machine_exit_method m);
/* Parses exit=halt|qemu|bochs; false for an unknown name. */
_Bool machine_parse_exit_method(const char *name);
__attribute__((noreturn)) void machine_exit(enum machine_status status);

#endif
