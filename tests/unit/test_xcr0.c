#include "check.h"
#include "hv/xcr0.h"

#define ALL (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_MPX | XCR0_AVX512)

static void test_accepted(void)
{
	CHECK(xcr0_valid(XCR0_X87, ALL));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_SSE, ALL));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX, ALL));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_MPX, ALL));
	CHECK(xcr0_valid(ALL, ALL));
}

static void test_refused(void)
{
	CHECK(!xcr0_valid(0, ALL));                          /* x87 is always on */
	CHECK(!xcr0_valid(XCR0_SSE, ALL));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_AVX, ALL));        /* AVX needs SSE */
	CHECK(!xcr0_valid(XCR0_X87 | (1ull << 3), ALL));     /* MPX: both or none */
	CHECK(!xcr0_valid(XCR0_X87 | (1ull << 4), ALL));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX | (1ull << 5), ALL));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX512, ALL)); /* needs AVX */
	/* a component the CPU does not have, or no bit defined at all */
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX, XCR0_X87 | XCR0_SSE));
	CHECK(!xcr0_valid(XCR0_X87 | (1ull << 63), ALL));
}

int main(void)
{
	RUN(test_accepted);
	RUN(test_refused);
	return check_summary();
}
