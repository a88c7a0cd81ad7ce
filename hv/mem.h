/* The hypervisor's physical memory: the frame allocator and page helpers. */
#ifndef HV_MEM_H
#define HV_MEM_H

#include <stdint.h>

#include "boot/bootinfo.h"
#include "hv/frame.h"

extern struct frame_allocator hv_frames;

struct mem_summary {
	uint64_t ram_bytes;        /* available RAM in the firmware map */
	uint64_t highest_ram;      /* end of the highest available range */
	uint64_t image_bytes;      /* the hypervisor image, incl. .bss */
	uint64_t bitmap_bytes;     /* the frame allocator's bitmap */
	uint64_t page_table_bytes; /* the direct map built beyond 4 GiB */
	unsigned ranges;           /* usable ranges after reservations */
};

/* Sets up the frame allocator over what the boot loader left us, keeping
 * out the image, the modules and the first megabyte, and maps all RAM in
 * the direct map. Panics if no usable memory is left. */
void mem_init(const struct boot_info *bi, struct mem_summary *out);

/* A zeroed frame: its physical address, or 0 when memory is exhausted. */
uint64_t page_alloc_phys(void);
/* The same, through the direct map, or NULL. */
void *page_alloc(void);
void page_free_phys(uint64_t pa);
void page_free(void *va);

#endif
