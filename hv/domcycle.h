/* Domain create/destroy cycles with a frame count (see domcycle.c). */
#ifndef HV_DOMCYCLE_H
#define HV_DOMCYCLE_H

#include <stdbool.h>

#include "boot/bootinfo.h"

/* If the module's arguments `args` ask for cycles=N, runs them, sets *ok
 * and returns true; false when the module is an ordinary test guest. */
bool domcycle_run(const struct boot_module *m, const char *args, bool *ok);

#endif
