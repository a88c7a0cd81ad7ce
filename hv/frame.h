/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = free) from 0 to
 * the end of the highest available range. Frames outside the available
 * ranges are never free, so page 0 doubles as the "no frame" value.
 */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/memmap.h"
#include "hv/spinlock.h"

struct frame_allocator {
	uint64_t *bitmap;
	uint64_t nframes;
	uint64_t free_frames;
	uint64_t next; /* where the next search starts (next-fit) */
	struct spinlock lock;
};

/* Bytes of bitmap needed to track frames below `end`. */
uint64_t frame_bitmap_bytes(uint64_t end);

/* Starts with every frame in use; `bitmap` must hold frame_bitmap_bytes(). */
void frame_allocator_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t end);
/* Marks the whole frames inside [start, end) free. */
void frame_release_range(struct frame_allocator *fa, uint64_t start, uint64_t end);
/* Marks the frames overlapping [start, end) in use. */
void frame_reserve_range(struct frame_allocator *fa, uint64_t start, uint64_t end);

/* One frame below `limit` (exclusive; 0 = anywhere), or 0 when none is left. */
uint64_t frame_alloc_below(struct frame_allocator *fa, uint64_t limit);
/* `count` contiguous frames aligned to `align` bytes (a power of two), or 0. */
uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align);
/* Takes the `count` frames from `pa` if every one of them is free. */
bool frame_take_block(struct frame_allocator *fa, uint64_t pa, uint64_t count);
/* Returns false (and changes nothing) for a frame that is not allocated. */
bool frame_free(struct frame_allocator *fa, uint64_t pa);
bool frame_is_free(const struct frame_allocator *fa, uint64_t pa);

#endif
