#include "check.h"
#include "hv/errno.h"
#include "mmu/p2m.h"
#include "mmu/ptbuild.h"

#include <stdlib.h>

static uint64_t freed_frames;

static void count_free(uint64_t mfn, uint64_t count)
{
	(void)mfn;
	freed_frames += count;
}

static void test_add_lookup(void)
{
	struct p2m p = { 0 };
	struct p2m_range ram = { 0, 256, 0x1000, P2M_RAM, true, false };
	struct p2m_range mmio = { 0xfee00, 1, 0, P2M_MMIO_EMUL, false, false };
	struct p2m_range high = { 0x100000, 512, 0x8000, P2M_RAM, false, false };
	struct p2m_range zero = { 0x200000, 1, 0, P2M_RAM, false, false }; /* frame 0 is valid */

	CHECK_EQ(p2m_add(&p, &high), 0);
	CHECK_EQ(p2m_add(&p, &ram), 0);
	CHECK_EQ(p2m_add(&p, &mmio), 0);
	CHECK_EQ(p2m_add(&p, &zero), 0);
	CHECK_EQ(p.count, 4);
	CHECK_EQ(p.ranges[0].gfn, 0);          /* kept sorted */
	CHECK_EQ(p.ranges[2].gfn, 0x100000);
	uint64_t mfn = 0;
	CHECK(p2m_ram_mfn(&p, 5, &mfn) && mfn == 0x1005);
	CHECK(p2m_ram_mfn(&p, 0x1001ff, &mfn) && mfn == 0x81ff);
	CHECK(!p2m_ram_mfn(&p, 256, &mfn));    /* hole */
	CHECK(!p2m_ram_mfn(&p, 0xfee00, &mfn)); /* MMIO is not RAM */
	CHECK(p2m_ram_mfn(&p, 0x200000, &mfn) && mfn == 0);
	CHECK(p2m_lookup(&p, 0xfee00) && p2m_lookup(&p, 0xfee00)->type == P2M_MMIO_EMUL);
	CHECK(p2m_lookup(&p, 0xfee01) == NULL);
	CHECK(p2m_lookup(&p, UINT64_MAX) == NULL);

	freed_frames = 0;
	p2m_destroy(&p, count_free);
	CHECK_EQ(freed_frames, 256);           /* only owned RAM */
	CHECK_EQ(p.count, 0);
}

static void test_remove(void)
{
	struct p2m p = { 0 };
	struct p2m_range a = { 0x100, 4, 0x10, P2M_RAM, false, false };
	struct p2m_range b = { 0x104, 2, 0x90, P2M_RAM, false, false };
	struct p2m_range c = { 0x200, 1, 0x20, P2M_RAM, false, false };

	CHECK_EQ(p2m_add(&p, &a), 0);
	CHECK_EQ(p2m_add(&p, &b), 0);
	CHECK_EQ(p2m_add(&p, &c), 0);
	CHECK(p2m_overlaps(&p, 0xff, 2));
	CHECK(p2m_overlaps(&p, 0x105, 100));
	CHECK(!p2m_overlaps(&p, 0x106, 0xfa));       /* the gap between b and c */
	CHECK(!p2m_overlaps(&p, 0x201, 5));
	CHECK_EQ(p2m_remove(&p, 0x102, 4), -EINVAL); /* a only partly inside */
	CHECK_EQ(p2m_remove(&p, 0x104, 1), -EINVAL); /* b only partly inside */
	CHECK_EQ(p.count, 3);
	CHECK_EQ(p2m_remove(&p, 0x300, 8), 0);       /* nothing there */
	CHECK_EQ(p2m_remove(&p, 0xff, 8), 2);        /* a and b, whole */
	CHECK_EQ(p.count, 1);
	CHECK(p2m_lookup(&p, 0x100) == NULL);
	CHECK(p2m_lookup(&p, 0x200) && p2m_lookup(&p, 0x200)->mfn == 0x20);
	CHECK(p2m_is_own_ram(p2m_lookup(&p, 0x200)));
	CHECK(!p2m_is_own_ram(p2m_lookup(&p, 0x100)));   /* a hole */
	struct p2m_range f = { 0x300, 1, 0x30, P2M_RAM, false, true };
	CHECK_EQ(p2m_add(&p, &f), 0);
	CHECK(!p2m_is_own_ram(p2m_lookup(&p, 0x300)));   /* foreign */
	CHECK_EQ(p2m_remove(&p, 0x300, 1), 1);
	CHECK_EQ(p2m_add(&p, &a), 0);                /* the hole is free again */
	CHECK_EQ(p2m_remove(&p, 0x200, 1), 1);
	CHECK_EQ(p.count, 1);
	CHECK_EQ(p.ranges[0].gfn, 0x100);
	p2m_destroy(&p, count_free);
}

static void test_rejects_bad_ranges(void)
{
	struct p2m p = { 0 };
	struct p2m_range a = { 100, 10, 1, P2M_RAM, false, false };
	CHECK_EQ(p2m_add(&p, &a), 0);
	struct p2m_range overlap_start = { 95, 6, 1, P2M_RAM, false, false };
	struct p2m_range overlap_end = { 109, 5, 1, P2M_RAM, false, false };
	struct p2m_range inside = { 101, 1, 1, P2M_RAM, false, false };
	struct p2m_range empty = { 200, 0, 1, P2M_RAM, false, false };
	struct p2m_range wraps = { UINT64_MAX - 1, 5, 1, P2M_RAM, false, false };
	struct p2m_range hole = { 300, 1, 0, P2M_HOLE, false, false };
	CHECK_EQ(p2m_add(&p, &overlap_start), -EEXIST);
	CHECK_EQ(p2m_add(&p, &overlap_end), -EEXIST);
	CHECK_EQ(p2m_add(&p, &inside), -EEXIST);
	CHECK_EQ(p2m_add(&p, &empty), -EINVAL);
	CHECK_EQ(p2m_add(&p, &wraps), -EINVAL);
	CHECK_EQ(p2m_add(&p, &hole), -EINVAL);
	struct p2m_range adjacent = { 110, 1, 1, P2M_RAM, false, false };
	CHECK_EQ(p2m_add(&p, &adjacent), 0);
	/* many ranges: the array grows */
	for (uint64_t i = 0; i < 100; i++) {
		struct p2m_range r = { 1000 + i * 2, 1, i, P2M_RAM, false, false };
		CHECK_EQ(p2m_add(&p, &r), 0);
	}
	uint64_t mfn = 1;
	CHECK(p2m_ram_mfn(&p, 1000 + 99 * 2, &mfn) && mfn == 99);
	p2m_destroy(&p, NULL);
}

/* ptbuild with a test format: tables are calloc'ed pages. */
static unsigned live_tables;

static uint64_t test_alloc(void)
{
	void *p = aligned_alloc(4096, 4096);
	memset(p, 0, 4096);
	live_tables++;
	return (uint64_t)(uintptr_t)p;
}

static void test_free(uint64_t pa)
{
	free((void *)(uintptr_t)pa);
	live_tables--;
}

static uint64_t t_table(uint64_t pa) { return pa | 1; }
static uint64_t t_leaf(uint64_t pa, unsigned level) { return pa | 1 | (level == 2 ? 0x80 : 0); }
static bool t_present(uint64_t e) { return e & 1; }
static bool t_leaf_p(uint64_t e, unsigned level) { return level == 1 || (e & 0x80); }
static const struct pt_format fmt = { t_table, t_leaf, t_present, t_leaf_p };

/* Walks the test tables in software. */
static uint64_t translate(uint64_t root, uint64_t addr)
{
	uint64_t *t = pt_table(root);
	for (unsigned level = 4; level >= 1; level--) {
		uint64_t e = t[(addr >> (12 + 9 * (level - 1))) & 511];
		if (!(e & 1))
			return UINT64_MAX;
		if (level == 1 || (e & 0x80)) {
			uint64_t mask = (1ull << (12 + 9 * (level - 1))) - 1;
			return (e & 0x000ffffffffff000ull & ~mask) | (addr & mask);
		}
		t = pt_table(e & 0x000ffffffffff000ull);
	}
	return UINT64_MAX;
}

static void test_ptbuild(void)
{
	struct pt_alloc a = { test_alloc, test_free, 0 };
	uint64_t root = test_alloc();
	a.pages = 1;

	/* 4 KiB head, 2 MiB middle, 4 KiB tail */
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0x1ff000, 0x40001ff000ull, 0x402000), 0);
	CHECK_EQ(translate(root, 0x1ff123), 0x40001ff123ull);
	CHECK_EQ(translate(root, 0x200000), 0x4000200000ull);
	CHECK_EQ(translate(root, 0x3fffff), 0x40003fffffull);
	CHECK_EQ(translate(root, 0x600fff), 0x4000600fffull);
	CHECK_EQ(translate(root, 0x601000), UINT64_MAX);
	CHECK_EQ(translate(root, 0x1fe000), UINT64_MAX);
	uint64_t *pd = pt_table(pt_table(pt_table(root)[0] & ~0xfffull)[0] & ~0xfffull);
	CHECK(pd[1] & 0x80);                       /* 0x200000 used a large leaf */
	CHECK(!(pd[0] & 0x80));                    /* the unaligned head did not */
	/* misaligned physical side: no large pages */
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0x40000000, 0x1000, 0x200000), 0);
	CHECK_EQ(translate(root, 0x401fffff), 0x200fff);
	/* a high address needs its own PML4 slot */
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0x8000000000ull, 0x5000, 0x1000), 0);
	CHECK_EQ(translate(root, 0x8000000010ull), 0x5010);
	CHECK_EQ(a.pages, (uint64_t)live_tables);
	pt_free_tables(&fmt, &a, root);
	CHECK_EQ(live_tables, 0);
	CHECK_EQ(a.pages, 0);
}

static void test_ptunmap(void)
{
	struct pt_alloc a = { test_alloc, test_free, 0 };
	uint64_t root = test_alloc();
	a.pages = 1;

	/* 4 KiB head, 2 MiB middle, 4 KiB tail, as in test_ptbuild */
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0x1ff000, 0x40001ff000ull, 0x402000), 0);
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0x8000000000ull, 0x5000, 0x2000), 0);
	/* part of the large leaf: refused, the head before it is cleared */
	CHECK_EQ(pt_unmap_range(&fmt, root, 0x1ff000, 0x2000), -EINVAL);
	CHECK_EQ(translate(root, 0x1ff000), UINT64_MAX);
	CHECK_EQ(translate(root, 0x200000), 0x4000200000ull);
	/* the large leaf and the tail, with holes around them */
	CHECK_EQ(pt_unmap_range(&fmt, root, 0x100000, 0x600000), 0);
	CHECK_EQ(translate(root, 0x200000), UINT64_MAX);
	CHECK_EQ(translate(root, 0x600000), UINT64_MAX);
	/* one page of two: the other stays */
	CHECK_EQ(pt_unmap_range(&fmt, root, 0x8000000000ull, 0x1000), 0);
	CHECK_EQ(translate(root, 0x8000000000ull), UINT64_MAX);
	CHECK_EQ(translate(root, 0x8000001000ull), 0x6000);
	/* a range spanning absent top-level entries ends */
	CHECK_EQ(pt_unmap_range(&fmt, root, 0x10000000000ull, 0x100000000000ull), 0);
	CHECK_EQ(a.pages, (uint64_t)live_tables); /* tables stay until freed */
	pt_free_tables(&fmt, &a, root);
	CHECK_EQ(live_tables, 0);
}

static unsigned allocs_left;

static uint64_t failing_alloc(void)
{
	if (!allocs_left)
		return 0;
	allocs_left--;
	return test_alloc();
}

static void test_ptbuild_out_of_memory(void)
{
	struct pt_alloc a = { failing_alloc, test_free, 1 };
	uint64_t root = test_alloc();
	allocs_left = 1;
	CHECK_EQ(pt_map_range(&fmt, &a, root, 0, 0, 0x1000), -ENOMEM);
	pt_free_tables(&fmt, &a, root);
	CHECK_EQ(live_tables, 0);
}

int main(void)
{
	RUN(test_add_lookup);
	RUN(test_rejects_bad_ranges);
	RUN(test_ptbuild);
	RUN(test_ptunmap);
	RUN(test_remove);
	RUN(test_ptbuild_out_of_memory);
	return check_summary();
}
