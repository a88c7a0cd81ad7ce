/*
 * XCR0, the register that says which state components XSAVE manages and
 * which instructions (SSE, AVX, AVX-512...) may run. Pure logic, host-tested.
 */
#ifndef HV_XCR0_H
#define HV_XCR0_H

#include <stdbool.h>
#include <stdint.h>

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_MPX (3ull << 3)    /* BNDREGS, BNDCSR */
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_RESET XCR0_X87

/* Whether XSETBV may load `xcr0` when the CPU (as the guest is told, CPUID
 * leaf 0xd) supports the components in `supported` (SDM Vol. 1, 13.3). */
bool xcr0_valid(uint64_t xcr0, uint64_t supported);

#endif
