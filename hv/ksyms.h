/* Names for code addresses, from the table the second link embeds. */
#ifndef HV_KSYMS_H
#define HV_KSYMS_H

#include <stdint.h>

/* The function containing `addr` and the offset into it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
