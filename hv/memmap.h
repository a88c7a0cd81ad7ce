/* Turning the firmware's memory map into the RAM the hypervisor may use. */
#ifndef HV_MEMMAP_H
#define HV_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

/* Physical addresses beyond this are ignored (the architectural maximum). */
#define MAX_PHYS_ADDR (1ull << 52)

struct mem_range {
	uint64_t start, end; /* [start, end) */
};

/*
 * Computes the page-aligned ranges that are available RAM in `fw` and
 * overlap neither a non-available firmware range (a conflict resolves to
 * "not available") nor any of `reserved`. The result is sorted and
 * non-overlapping. Returns how many ranges it found; ranges that do not
 * fit in `max` are dropped (largest addresses first) and counted in
 * *dropped when that is non-NULL.
 */
size_t memmap_available(const struct boot_mem_range *fw, size_t nfw,
			const struct mem_range *reserved, size_t nres,
			struct mem_range *out, size_t max, size_t *dropped);

#endif
