#include "hv/frame.h"

#include "hv/layout.h"
#include "hv/string.h"

static bool bit_get(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(uint64_t *bm, uint64_t i)
{
	bm[i / 64] &= ~(1ull << (i % 64));
}

uint64_t frame_bitmap_bytes(uint64_t end)
{
	uint64_t frames = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;
	return ALIGN_UP(frames, 64) / 8;
}

void frame_allocator_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t end)
{
	fa->bitmap = bitmap;
	fa->nframes = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;
	fa->free_frames = 0;
	fa->next = 0;
	fa->lock = (struct spinlock){ 0 };
	memset(bitmap, 0, frame_bitmap_bytes(end));
}

void frame_release_range(struct frame_allocator *fa, uint64_t start, uint64_t end)
{
	uint64_t first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;

	if (last > fa->nframes)
		last = fa->nframes;
	for (uint64_t i = first; i < last; i++) {
		if (i == 0 || bit_get(fa->bitmap, i))
			continue; /* page 0 is never handed out */
		bit_set(fa->bitmap, i);
		fa->free_frames++;
	}
}

void frame_reserve_range(struct frame_allocator *fa, uint64_t start, uint64_t end)
{
	uint64_t first = ALIGN_DOWN(start, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t last = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;

	if (last > fa->nframes)
		last = fa->nframes;
	for (uint64_t i = first; i < last; i++) {
		if (!bit_get(fa->bitmap, i))
			continue;
		bit_clear(fa->bitmap, i);
		fa->free_frames--;
	}
}

/* First free frame index in [from, to), or `to` when there is none. */
static uint64_t find_free(const struct frame_allocator *fa, uint64_t from, uint64_t to)
{
	uint64_t i = from;
	while (i < to) {
		uint64_t word = fa->bitmap[i / 64] >> (i % 64);
		if (word) {
			i += (uint64_t)__builtin_ctzll(word);
			return i < to ? i : to;
		}
		i = ALIGN_DOWN(i, 64) + 64;
	}
	return to;
}

uint64_t frame_alloc_below(struct frame_allocator *fa, uint64_t limit)
{
	uint64_t end = fa->nframes;
	if (limit && (limit >> PAGE_SHIFT) < end)
		end = limit >> PAGE_SHIFT;

	spin_lock(&fa->lock);
	uint64_t start = fa->next < end ? fa->next : 0;
	uint64_t i = find_free(fa, start, end);
	if (i == end) {
		i = find_free(fa, 0, start);
		if (i == start) {
			spin_unlock(&fa->lock);
			return 0;
		}
	}
	bit_clear(fa->bitmap, i);
	fa->free_frames--;
	fa->next = i + 1;
	spin_unlock(&fa->lock);
	return i << PAGE_SHIFT;
}

static bool run_is_free(const struct frame_allocator *fa, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count; i++)
		if (!bit_get(fa->bitmap, i))
			return false;
	return true;
}

uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align)
{
	uint64_t step = align > PAGE_SIZE ? align >> PAGE_SHIFT : 1;

	if (count == 0 || count > fa->nframes)
		return 0;
	spin_lock(&fa->lock);
	for (uint64_t i = step; i + count <= fa->nframes; i += step) {
		if (!run_is_free(fa, i, count))
			continue;
		for (uint64_t j = i; j < i + count; j++)
			bit_clear(fa->bitmap, j);
		fa->free_frames -= count;
		spin_unlock(&fa->lock);
		return i << PAGE_SHIFT;
	}
	spin_unlock(&fa->lock);
	return 0;
}

bool frame_take_block(struct frame_allocator *fa, uint64_t pa, uint64_t count)
{
	uint64_t first = pa >> PAGE_SHIFT;

	if ((pa & ~PAGE_MASK) || first == 0 || count > fa->nframes || first > fa->nframes - count)
		return false;
	spin_lock(&fa->lock);
	bool free = run_is_free(fa, first, count);
	if (free) {
		for (uint64_t i = first; i < first + count; i++)
			bit_clear(fa->bitmap, i);
		fa->free_frames -= count;
	}
	spin_unlock(&fa->lock);
	return free;
}

bool frame_free(struct frame_allocator *fa, uint64_t pa)
{
	uint64_t i = pa >> PAGE_SHIFT;

	if ((pa & ~PAGE_MASK) || i == 0 || i >= fa->nframes)
		return false;
	spin_lock(&fa->lock);
	bool was_free = bit_get(fa->bitmap, i);
	if (!was_free) {
		bit_set(fa->bitmap, i);
		fa->free_frames++;
	}
	spin_unlock(&fa->lock);
	return !was_free;
}

bool frame_is_free(const struct frame_allocator *fa, uint64_t pa)
{
	uint64_t i = pa >> PAGE_SHIFT;
	return i < fa->nframes && bit_get(fa->bitmap, i);
}
