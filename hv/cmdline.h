/* Space-separated `key` / `key=value` command lines (the hypervisor's own). */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when `key` appears; its value (empty if none) is copied to `val`,
 * truncated to fit and always NUL-terminated. The last occurrence wins. */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size);

/* Parses a number with an optional 0x prefix and K/M/G suffix. */
bool cmdline_parse_u64(const char *s, uint64_t *out);

#endif
