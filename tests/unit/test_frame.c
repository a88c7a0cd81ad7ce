#include "check.h"
#include "hv/frame.h"

#include <stdlib.h>

static struct frame_allocator fa;
static uint64_t *bitmap;

/* An allocator over the usable ranges memmap_available finds in `fw`. */
static void setup(const struct boot_mem_range *fw, size_t n,
		  const struct mem_range *res, size_t nres)
{
	struct mem_range usable[32];
	size_t count = memmap_available(fw, n, res, nres, usable, 32, NULL);
	uint64_t end = count ? usable[count - 1].end : 0;

	free(bitmap);
	bitmap = calloc(1, frame_bitmap_bytes(end) + 8);
	frame_allocator_init(&fa, bitmap, end);
	for (size_t i = 0; i < count; i++)
		frame_release_range(&fa, usable[i].start, usable[i].end);
}

static int in_ranges(uint64_t pa, const struct boot_mem_range *fw, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fw[i].type == BOOT_MEM_AVAILABLE && pa >= fw[i].base &&
		    pa + 4096 <= fw[i].base + fw[i].length)
			return 1;
	return 0;
}

static void test_allocates_only_available_ram(void)
{
	/* Hostile map: unsorted, overlapping, a hole, RAM above 4 GiB. */
	const struct boot_mem_range fw[] = {
		{ 0x100000000ull, 0x100000, BOOT_MEM_AVAILABLE },
		{ 0x0, 0xa0000, BOOT_MEM_AVAILABLE },
		{ 0x100000, 0x200000, BOOT_MEM_AVAILABLE },
		{ 0x180000, 0x1000, BOOT_MEM_RESERVED },
		{ 0x150000, 0x10000, BOOT_MEM_AVAILABLE },
	};
	const struct mem_range res[] = { { 0, 0x100000 }, { 0x200000, 0x210000 } };
	setup(fw, 5, res, 2);

	uint64_t expect = (0x200000 - 0x100000) / 4096 - 1 + (0x300000 - 0x210000) / 4096 +
			  0x100000 / 4096;
	CHECK_EQ(fa.free_frames, expect);
	uint64_t count = 0, above_4g = 0, bad = 0;
	for (uint64_t pa; (pa = frame_alloc_below(&fa, 0)) != 0; count++) {
		if (!in_ranges(pa, fw, 5) || pa == 0x180000 || pa < 0x100000 ||
		    (pa >= 0x200000 && pa < 0x210000))
			bad++;
		if (pa >= 0x100000000ull)
			above_4g++;
	}
	CHECK_EQ(count, expect);
	CHECK_EQ(bad, 0);
	CHECK_EQ(above_4g, 256);
	CHECK_EQ(fa.free_frames, 0);
}

static void test_free_and_double_free(void)
{
	const struct boot_mem_range fw[] = { { 0, 0x20000, BOOT_MEM_AVAILABLE } };
	setup(fw, 1, NULL, 0);

	CHECK_EQ(fa.free_frames, 31); /* page 0 is never handed out */
	uint64_t a = frame_alloc_below(&fa, 0);
	CHECK(a != 0);
	CHECK(!frame_is_free(&fa, a));
	CHECK(frame_free(&fa, a));
	CHECK(!frame_free(&fa, a));            /* double free refused */
	CHECK(!frame_free(&fa, 0));            /* page 0 */
	CHECK(!frame_free(&fa, 0x1001));       /* unaligned */
	CHECK(!frame_free(&fa, 0x100000000ull)); /* beyond the bitmap */
	CHECK_EQ(fa.free_frames, 31);
}

static void test_alloc_below_limit(void)
{
	const struct boot_mem_range fw[] = {
		{ 0x100000, 0x1000, BOOT_MEM_AVAILABLE },
		{ 0x100000000ull, 0x10000, BOOT_MEM_AVAILABLE },
	};
	setup(fw, 2, NULL, 0);
	CHECK_EQ(frame_alloc_below(&fa, 0x100000000ull), 0x100000);
	CHECK_EQ(frame_alloc_below(&fa, 0x100000000ull), 0);
	CHECK(frame_alloc_below(&fa, 0) >= 0x100000000ull);
}

static void test_contiguous(void)
{
	const struct boot_mem_range fw[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE } };
	setup(fw, 1, NULL, 0);

	uint64_t a = frame_alloc_contig(&fa, 16, 0x10000);
	CHECK_EQ(a & 0xffff, 0);
	CHECK(a >= 0x100000);
	for (uint64_t i = 0; i < 16; i++)
		CHECK(!frame_is_free(&fa, a + i * 4096));
	CHECK_EQ(fa.free_frames, 256 - 16);
	CHECK_EQ(frame_alloc_contig(&fa, 0, 4096), 0);
	CHECK_EQ(frame_alloc_contig(&fa, 1000, 4096), 0);
	/* fragment memory: only single frames are left */
	for (uint64_t pa = 0x100000; pa < 0x200000; pa += 8192)
		frame_reserve_range(&fa, pa, pa + 4096);
	CHECK_EQ(frame_alloc_contig(&fa, 2, 4096), 0);
}

static void test_take_block(void)
{
	const struct boot_mem_range fw[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE } };
	setup(fw, 1, NULL, 0);
	CHECK(frame_take_block(&fa, 0x100000, 16));
	CHECK(!frame_take_block(&fa, 0x10f000, 2));    /* overlaps the first */
	CHECK(frame_take_block(&fa, 0x110000, 2));
	CHECK(!frame_take_block(&fa, 0x1ff000, 2));    /* runs past the end */
	CHECK(!frame_take_block(&fa, 0, 1));           /* page 0 */
	CHECK(!frame_take_block(&fa, 0x120800, 1));    /* unaligned */
	CHECK(!frame_take_block(&fa, 0x120000, UINT64_MAX)); /* absurd count */
	CHECK_EQ(fa.free_frames, 256 - 18);
}

static void test_reserve_release_idempotent(void)
{
	const struct boot_mem_range fw[] = { { 0x100000, 0x10000, BOOT_MEM_AVAILABLE } };
	setup(fw, 1, NULL, 0);
	frame_release_range(&fa, 0x100000, 0x110000);
	CHECK_EQ(fa.free_frames, 16);
	frame_reserve_range(&fa, 0x100800, 0x101800); /* partial frames: both reserved */
	CHECK_EQ(fa.free_frames, 14);
	frame_reserve_range(&fa, 0x100000, 0x102000);
	CHECK_EQ(fa.free_frames, 14);
	frame_release_range(&fa, 0x100800, 0x102000); /* only whole frames released */
	CHECK_EQ(fa.free_frames, 15);
	frame_reserve_range(&fa, 0, 0x1000000000ull);  /* far past the end */
	CHECK_EQ(fa.free_frames, 0);
}

int main(void)
{
	RUN(test_allocates_only_available_ram);
	RUN(test_free_and_double_free);
	RUN(test_alloc_below_limit);
	RUN(test_contiguous);
	RUN(test_take_block);
	RUN(test_reserve_release_idempotent);
	free(bitmap);
	return check_summary();
}
