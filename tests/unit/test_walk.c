#include "check.h"
#include "mmu/walk.h"

#include <stdint.h>

/* Guest-physical memory: 4 MiB, tables placed by hand. */
static uint8_t gmem[4 << 20];

static bool read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (gpa + size > sizeof(gmem))
		return false;
	*val = 0;
	memcpy(val, gmem + gpa, size);
	return true;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(gmem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(gmem + gpa, &v, 4); }

#define P 1ull
#define W 2ull
#define U 4ull
#define PS 0x80ull
#define NX (1ull << 63)

static struct walk_env env_for(enum paging_mode mode, uint64_t cr3)
{
	return (struct walk_env){
		.mode = mode, .cr3 = cr3, .pse = true, .wp = true, .nxe = true,
		.smep = false, .gb_pages = false, .maxphyaddr = 40,
		.read_entry = read_entry, .ctx = NULL,
	};
}

static void test_paging_off(void)
{
	struct walk_env e = env_for(PAGING_OFF, 0);
	uint64_t gpa = 0;
	uint32_t err = 0;
	CHECK_EQ(guest_walk(&e, 0x12345678, PFEC_WRITE, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x12345678);
}

/* Four-level tables: 0x1000 PML4, 0x2000 PDPT, 0x3000 PD, 0x4000 PT. */
static void build_long4(uint64_t leaf_flags, uint64_t pd_flags)
{
	memset(gmem, 0, 0x10000);
	put64(0x1000, 0x2000 | P | W | U);
	put64(0x2000, 0x3000 | P | W | U);
	put64(0x3000, 0x4000 | pd_flags);
	put64(0x4000 + 5 * 8, 0x200000 | leaf_flags);           /* va 0x5000 */
	put64(0x3000 + 1 * 8, 0x400000 | P | W | U | PS);        /* va 0x200000: 2 MiB */
}

static void test_long4_translation_and_rights(void)
{
	struct walk_env e = env_for(PAGING_LONG4, 0x1000);
	uint64_t gpa = 0;
	uint32_t err = 0;

	build_long4(P | W | U, P | W | U);
	CHECK_EQ(guest_walk(&e, 0x5abc, PFEC_WRITE | PFEC_USER, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x200abc);
	CHECK_EQ(guest_walk(&e, 0x212345, 0, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x412345);

	/* not present: error code without P */
	CHECK_EQ(guest_walk(&e, 0x6000, PFEC_WRITE, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_WRITE);

	/* read-only leaf: supervisor writes fault only with CR0.WP */
	build_long4(P | U, P | W | U);
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_WRITE, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_WRITE | PFEC_PRESENT);
	e.wp = false;
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_WRITE, &gpa, &err), WALK_OK);
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_WRITE | PFEC_USER, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_WRITE | PFEC_USER | PFEC_PRESENT);

	/* supervisor-only in an upper level blocks user access */
	build_long4(P | W | U, P | W);
	e.wp = true;
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_USER, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_USER | PFEC_PRESENT);

	/* NX: fetch faults with I/D set; with NXE clear the bit is reserved */
	build_long4(P | W | U | NX, P | W | U);
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_FETCH, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_FETCH | PFEC_PRESENT);
	CHECK_EQ(guest_walk(&e, 0x5000, 0, &gpa, &err), WALK_OK);
	e.nxe = false;
	CHECK_EQ(guest_walk(&e, 0x5000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);

	/* SMEP: supervisor fetch from a user page */
	build_long4(P | W | U, P | W | U);
	e.nxe = true;
	e.smep = true;
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_FETCH, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(guest_walk(&e, 0x5000, PFEC_FETCH | PFEC_USER, &gpa, &err), WALK_OK);
}

static void test_long4_reserved_bits(void)
{
	struct walk_env e = env_for(PAGING_LONG4, 0x1000);
	uint64_t gpa = 0;
	uint32_t err = 0;

	build_long4(P | W | U | (1ull << 45), P | W | U); /* above MAXPHYADDR 40 */
	CHECK_EQ(guest_walk(&e, 0x5000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);

	build_long4(P | W | U, P | W | U);
	put64(0x1000, 0x2000 | P | W | U | PS);           /* PS in a PML4E */
	CHECK_EQ(guest_walk(&e, 0x5000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);

	build_long4(P | W | U, P | W | U);
	put64(0x3000 + 8, 0x400000 | P | W | U | PS | (1ull << 13)); /* misaligned 2 MiB */
	CHECK_EQ(guest_walk(&e, 0x200000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);

	build_long4(P | W | U, P | W | U);
	put64(0x2000 + 8, 0x40000000 | P | W | U | PS);   /* 1 GiB page without support */
	CHECK_EQ(guest_walk(&e, 0x40000000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);
	e.gb_pages = true;
	CHECK_EQ(guest_walk(&e, 0x40001234, 0, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x40001234);

	/* tables outside guest memory */
	put64(0x1000, 0x7000000000ull | P | W | U);
	CHECK_EQ(guest_walk(&e, 0x5000, 0, &gpa, &err), WALK_BAD_TABLE);
}

static void test_pae(void)
{
	struct walk_env e = env_for(PAGING_PAE, 0x1020);
	uint64_t gpa = 0;
	uint32_t err = 0;

	memset(gmem, 0, 0x10000);
	put64(0x1020 + 3 * 8, 0x3000 | P);                 /* PDPTE 3: va 0xc0000000 */
	put64(0x3000, 0x4000 | P | W | U);
	put64(0x4000 + 2 * 8, 0x123000 | P | W);
	put64(0x3000 + 8, 0x600000 | P | W | PS);          /* 2 MiB at va 0xc0200000 */
	CHECK_EQ(guest_walk(&e, 0xc0002010, 0, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x123010);
	CHECK_EQ(guest_walk(&e, 0xc0212345, PFEC_WRITE, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x612345);
	CHECK_EQ(guest_walk(&e, 0x40000000, 0, &gpa, &err), WALK_PAGE_FAULT); /* PDPTE 1 absent */
	CHECK_EQ(err, 0);
	put64(0x1020 + 3 * 8, 0x3000 | P | W);             /* W is reserved in a PDPTE */
	CHECK_EQ(guest_walk(&e, 0xc0002010, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);
	put64(0x1020 + 3 * 8, 0x3000 | P);
	put64(0x4000 + 2 * 8, 0x123000 | P | W | (1ull << 55)); /* bits 62:52 reserved in PAE */
	CHECK_EQ(guest_walk(&e, 0xc0002010, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_PRESENT | PFEC_RSVD);
}

static void test_32bit(void)
{
	struct walk_env e = env_for(PAGING_32, 0x1000);
	uint64_t gpa = 0;
	uint32_t err = 0;

	memset(gmem, 0, 0x10000);
	put32(0x1000 + 0 * 4, 0x2000 | P | W | U);
	put32(0x2000 + 7 * 4, 0x345000 | P | U);
	put32(0x1000 + 3 * 4, 0x00c00000 | P | W | PS | (0x5u << 13)); /* PSE-36 */
	CHECK_EQ(guest_walk(&e, 0x7123, PFEC_USER, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x345123);
	CHECK_EQ(guest_walk(&e, 0x7123, PFEC_USER | PFEC_WRITE, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, PFEC_USER | PFEC_WRITE | PFEC_PRESENT);
	CHECK_EQ(guest_walk(&e, 0x00c12345, PFEC_WRITE, &gpa, &err), WALK_OK);
	CHECK_EQ(gpa, 0x500c12345ull);
	CHECK_EQ(guest_walk(&e, 0x00c12345, PFEC_USER, &gpa, &err), WALK_PAGE_FAULT);
	/* without CR4.PSE the PS bit is ignored: the PDE points at a table */
	e.pse = false;
	CHECK_EQ(guest_walk(&e, 0x00c12345, 0, &gpa, &err), WALK_BAD_TABLE);
	CHECK_EQ(guest_walk(&e, 0x40000000, 0, &gpa, &err), WALK_PAGE_FAULT);
	CHECK_EQ(err, 0);
}

int main(void)
{
	RUN(test_paging_off);
	RUN(test_long4_translation_and_rights);
	RUN(test_long4_reserved_bits);
	RUN(test_pae);
	RUN(test_32bit);
	return check_summary();
}
