#include "check.h"
#include "hv/memmap.h"

#define AVAIL BOOT_MEM_AVAILABLE
#define RSVD BOOT_MEM_RESERVED

static struct mem_range out[16];
static size_t dropped;

static size_t run(const struct boot_mem_range *fw, size_t nfw,
		  const struct mem_range *res, size_t nres)
{
	return memmap_available(fw, nfw, res, nres, out, 16, &dropped);
}

static void test_simple_map(void)
{
	const struct boot_mem_range fw[] = {
		{ 0, 0x9fc00, AVAIL },
		{ 0x9fc00, 0x400, RSVD },
		{ 0x100000, 0x1fee0000, AVAIL },
	};
	CHECK_EQ(run(fw, 3, NULL, 0), 2);
	CHECK_EQ(out[0].start, 0);
	CHECK_EQ(out[0].end, 0x9f000);   /* partial page dropped */
	CHECK_EQ(out[1].start, 0x100000);
	CHECK_EQ(out[1].end, 0x1ffe0000);
}

static void test_unsorted_overlapping(void)
{
	const struct boot_mem_range fw[] = {
		{ 0x300000, 0x100000, AVAIL },
		{ 0x100000, 0x180000, AVAIL },
		{ 0x200000, 0x180000, AVAIL },  /* overlaps both */
		{ 0x500000, 0x1000, AVAIL },    /* separate */
	};
	CHECK_EQ(run(fw, 4, NULL, 0), 2);
	CHECK_EQ(out[0].start, 0x100000);
	CHECK_EQ(out[0].end, 0x400000);
	CHECK_EQ(out[1].start, 0x500000);
	CHECK_EQ(out[1].end, 0x501000);
}

static void test_reserved_wins_conflicts(void)
{
	const struct boot_mem_range fw[] = {
		{ 0x100000, 0x900000, AVAIL },
		{ 0x400000, 0x1000, RSVD },     /* a hole inside RAM */
		{ 0x0ff000, 0x2000, RSVD },     /* overlaps the start */
		{ 0x9ff800, 0x10000, BOOT_MEM_ACPI_RECLAIMABLE },
	};
	CHECK_EQ(run(fw, 4, NULL, 0), 2);
	CHECK_EQ(out[0].start, 0x101000);
	CHECK_EQ(out[0].end, 0x400000);
	CHECK_EQ(out[1].start, 0x401000);
	CHECK_EQ(out[1].end, 0x9ff000);
}

static void test_zero_length_and_huge(void)
{
	const struct boot_mem_range fw[] = {
		{ 0x100000, 0, AVAIL },
		{ 0x200000, 0x100, AVAIL },             /* less than a page */
		{ 0xfffffffffffff000ull, 0x2000, AVAIL }, /* wraps around */
		{ MAX_PHYS_ADDR - 0x1000, 0x10000, AVAIL }, /* crosses the limit */
		{ 0x100000000ull, 0x40000000ull, AVAIL },  /* above 4 GiB */
	};
	CHECK_EQ(run(fw, 5, NULL, 0), 2);
	CHECK_EQ(out[0].start, 0x100000000ull);
	CHECK_EQ(out[0].end, 0x140000000ull);
	CHECK_EQ(out[1].start, MAX_PHYS_ADDR - 0x1000);
	CHECK_EQ(out[1].end, MAX_PHYS_ADDR);
}

static void test_modules_on_top_of_ram(void)
{
	const struct boot_mem_range fw[] = {
		{ 0, 0xa0000, AVAIL },
		{ 0x100000, 0x7f00000, AVAIL },
		{ 0x100000000ull, 0x100000000ull, AVAIL },
	};
	const struct mem_range res[] = {
		{ 0, 0x100000 },               /* low memory */
		{ 0x100000, 0x180000 },        /* the image */
		{ 0x200800, 0x300100 },        /* a module, not page aligned */
		{ 0x180000000ull, 0x180001000ull }, /* a module above 4 GiB */
		{ 0x5000000, 0x5000000 },      /* empty: ignored */
	};
	CHECK_EQ(run(fw, 3, res, 5), 4);
	CHECK_EQ(out[0].start, 0x180000);
	CHECK_EQ(out[0].end, 0x200000);
	CHECK_EQ(out[1].start, 0x301000);
	CHECK_EQ(out[1].end, 0x8000000);
	CHECK_EQ(out[2].start, 0x100000000ull);
	CHECK_EQ(out[2].end, 0x180000000ull);
	CHECK_EQ(out[3].start, 0x180001000ull);
	CHECK_EQ(out[3].end, 0x200000000ull);
}

static void test_everything_reserved(void)
{
	const struct boot_mem_range fw[] = { { 0x100000, 0x100000, AVAIL } };
	const struct mem_range res[] = { { 0, 0x10000000 } };
	CHECK_EQ(run(fw, 1, res, 1), 0);
	CHECK_EQ(run(NULL, 0, NULL, 0), 0);
}

static void test_table_overflow(void)
{
	struct boot_mem_range fw[40];
	for (unsigned i = 0; i < 40; i++)
		fw[i] = (struct boot_mem_range){ (uint64_t)i * 0x200000, 0x100000, AVAIL };
	CHECK_EQ(run(fw, 40, NULL, 0), 16);
	CHECK_EQ(dropped, 24);
	/* what is kept is the lowest memory, in order */
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(out[i].start, (uint64_t)i * 0x200000);
	CHECK_EQ(memmap_available(fw, 40, NULL, 0, out, 0, NULL), 0);
}

int main(void)
{
	RUN(test_simple_map);
	RUN(test_unsorted_overlapping);
	RUN(test_reserved_wins_conflicts);
	RUN(test_zero_length_and_huge);
	RUN(test_modules_on_top_of_ram);
	RUN(test_everything_reserved);
	RUN(test_table_overflow);
	return check_summary();
}
