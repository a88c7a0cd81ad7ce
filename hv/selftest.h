/*
 * Boot-time self-checks selected with selftest=NAME[,NAME...]: they prove to
 * the integration tests that memory, the heap and the trap path work on the
 * real machine (or emulator), not only on the host.
 */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H

void selftest_run(const char *cmdline);

#endif
