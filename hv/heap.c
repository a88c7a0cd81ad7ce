#include "hv/heap.h"

#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/spinlock.h"
#include "hv/string.h"

/*
 * Every block starts with a 16-byte header (keeping the payload 16-byte
 * aligned) that says how to free it. Small blocks come from slabs of one
 * size class and go back to that class's free list; slab pages are kept.
 * Large blocks are whole contiguous frames returned on free.
 */
#define HEAP_MAGIC 0x4b455354u /* "KEST" */
#define MIN_CLASS_SHIFT 5      /* 32 bytes */
#define MAX_CLASS_SHIFT 11     /* 2048 bytes */
#define NCLASSES (MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1)
#define LARGE_CLASS 0xff

struct block_header {
	uint32_t magic;
	uint32_t class_index;
	uint64_t pages; /* large blocks only */
};

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];
static uint64_t footprint, slab_frames, live_blocks;
static struct spinlock heap_lock;

static unsigned class_for(size_t total)
{
	unsigned c = 0;
	while ((1ul << (c + MIN_CLASS_SHIFT)) < total)
		c++;
	return c;
}

/* Cuts a fresh page into blocks of class c. */
static bool refill(unsigned c)
{
	uint8_t *page = page_alloc();
	size_t size = 1ul << (c + MIN_CLASS_SHIFT);

	if (!page)
		return false;
	footprint += PAGE_SIZE;
	slab_frames++;
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_block *b = (struct free_block *)(page + off);
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

static void *alloc_large(size_t total)
{
	uint64_t pages = ALIGN_UP(total, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t pa = frame_alloc_contig(&hv_frames, pages, PAGE_SIZE);

	if (!pa)
		return 0;
	struct block_header *h = phys_to_virt(pa);
	*h = (struct block_header){ HEAP_MAGIC, LARGE_CLASS, pages };
	spin_lock(&heap_lock);
	footprint += pages * PAGE_SIZE;
	live_blocks++;
	spin_unlock(&heap_lock);
	return h + 1;
}

void *kmalloc(size_t size)
{
	size_t total = size + sizeof(struct block_header);

	if (size == 0 || total < size)
		return 0;
	if (total > (1ul << MAX_CLASS_SHIFT))
		return alloc_large(total);

	unsigned c = class_for(total);
	spin_lock(&heap_lock);
	if (!free_lists[c] && !refill(c)) {
		spin_unlock(&heap_lock);
		return 0;
	}
	struct block_header *h = (struct block_header *)free_lists[c];
	free_lists[c] = free_lists[c]->next;
	live_blocks++;
	spin_unlock(&heap_lock);
	*h = (struct block_header){ HEAP_MAGIC, c, 0 };
	return h + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block_header *h = (struct block_header *)p - 1;
	if (h->magic != HEAP_MAGIC) {
		log_err("heap: kfree of %p: not a heap block\n", p);
		return;
	}
	h->magic = 0; /* catches double frees */
	if (h->class_index == LARGE_CLASS) {
		uint64_t pa = virt_to_phys(h);
		spin_lock(&heap_lock);
		footprint -= h->pages * PAGE_SIZE;
		live_blocks--;
		spin_unlock(&heap_lock);
		for (uint64_t i = 0; i < h->pages; i++)
			page_free_phys(pa + i * PAGE_SIZE);
		return;
	}
	unsigned c = h->class_index;
	if (c >= NCLASSES) {
		log_err("heap: kfree of %p: corrupt header\n", p);
		return;
	}
	spin_lock(&heap_lock);
	struct free_block *b = (struct free_block *)h;
	b->next = free_lists[c];
	free_lists[c] = b;
	live_blocks--;
	spin_unlock(&heap_lock);
}

uint64_t heap_footprint(void)
{
	return footprint;
}

uint64_t heap_slab_frames(void)
{
	return slab_frames;
}

uint64_t heap_live_blocks(void)
{
	return live_blocks;
}
