/* The kernel heap: small objects from size-class slabs, large ones from frames. */
#ifndef HV_HEAP_H
#define HV_HEAP_H

#include <stddef.h>
#include <stdint.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

/* Bytes of frames the heap holds (slabs and large blocks). */
uint64_t heap_footprint(void);
/* Frames kept in slabs (free or not): memory the heap keeps for reuse. */
uint64_t heap_slab_frames(void);
/* Blocks allocated and not yet freed. */
uint64_t heap_live_blocks(void);

#endif
