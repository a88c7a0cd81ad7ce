/*
 * The few C library string functions the hypervisor uses. Host builds of
 * the pure-logic files take them from libc; the hypervisor has its own
 * (hv/string.c), which the compiler may also call for struct copies.
 */
#ifndef HV_STRING_H
#define HV_STRING_H

#include <stddef.h>

#ifdef HOST_TEST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

#endif
