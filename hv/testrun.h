/*
 * Test domains: with the `test` option every multiboot module is a guest
 * kernel run in a domain of its own, one after the other; its console is
 * relayed with its name as prefix and its verdict decides the run.
 */
#ifndef HV_TESTRUN_H
#define HV_TESTRUN_H

#include "boot/bootinfo.h"

/* Runs the guests and ends the run (exit status 0 if every guest passed). */
__attribute__((noreturn)) void testrun(const struct boot_info *bi);

#endif
