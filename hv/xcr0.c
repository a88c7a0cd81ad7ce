#include "hv/xcr0.h"

bool xcr0_valid(uint64_t xcr0, uint64_t supported)
{
	if (!(xcr0 & XCR0_X87) || (xcr0 & ~supported))
		return false;
	if ((xcr0 & XCR0_AVX) && !(xcr0 & XCR0_SSE))
		return false;
	if ((xcr0 & XCR0_MPX) && (xcr0 & XCR0_MPX) != XCR0_MPX)
		return false;
	if ((xcr0 & XCR0_AVX512) &&
	    ((xcr0 & XCR0_AVX512) != XCR0_AVX512 || !(xcr0 & XCR0_AVX)))
		return false;
	return true;
}
