#include "hv/fpu.h"

#include "hv/cpuid.h"
#include "hv/errno.h"
#include "hv/heap.h"
#include "hv/vcpu.h"
#include "hv/x86.h"
#include "hv/xcr0.h"

#define CPUID_1_ECX_XSAVE (1u << 26)
#define FXSAVE_SIZE 512
#define XSAVE_ALIGN 64
/* Offsets in the legacy region (SDM Vol. 1, 10.5.1) and the XSAVE header
 * (13.4.2). */
#define FX_FCW 0
#define FX_MXCSR 24
#define XSAVE_XSTATE_BV 512
#define FCW_INIT 0x037f
#define MXCSR_INIT 0x1f80

static bool use_xsave;      /* XSAVE/XRSTOR and XCR0; else FXSAVE/FXRSTOR */
static uint32_t area_size;  /* an image of every component the CPU has */

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_cpu_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	use_xsave = cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE;
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(cr4);
	/* Leaf 0xd ECX: the size for all components the CPU supports, whatever
	 * XCR0 is now (SDM Vol. 1, 13.2). */
	area_size = use_xsave ? cpuid(0xd, 0).ecx : FXSAVE_SIZE;
	if (area_size < FXSAVE_SIZE)
		area_size = FXSAVE_SIZE;
}

int fpu_state_init(struct fpu_state *s)
{
	s->mem = kzalloc(area_size + XSAVE_ALIGN);
	if (!s->mem)
		return -ENOMEM;
	s->area = (uint8_t *)(((uintptr_t)s->mem + XSAVE_ALIGN - 1) & ~(uintptr_t)(XSAVE_ALIGN - 1));
	/* With XSAVE the header's XSTATE_BV = 0 puts every component in its
	 * initial state on the first XRSTOR; MXCSR is still read from the
	 * image, and FXRSTOR reads it all. */
	*(uint16_t *)(s->area + FX_FCW) = FCW_INIT;
	*(uint32_t *)(s->area + FX_MXCSR) = MXCSR_INIT;
	s->xcr0 = XCR0_RESET;
	return 0;
}

void fpu_state_free(struct fpu_state *s)
{
	kfree(s->mem);
	s->mem = 0;
	s->area = 0;
}

void fpu_save(struct fpu_state *s)
{
	if (!use_xsave) {
		__asm__ volatile("fxsave64 (%0)" : : "r"(s->area) : "memory");
		return;
	}
	s->xcr0 = xgetbv0();
	/* XSAVE leaves the XSTATE_BV bits of components outside XCR0 alone;
	 * stale ones from a wider XCR0 would make the XRSTOR fault. */
	*(uint64_t *)(s->area + XSAVE_XSTATE_BV) = 0;
	__asm__ volatile("xsave64 (%0)" : : "r"(s->area), "a"(~0u), "d"(~0u) : "memory");
}

void fpu_load(const struct fpu_state *s)
{
	if (!use_xsave) {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(s->area) : "memory");
		return;
	}
	xsetbv0(s->xcr0);
	__asm__ volatile("xrstor64 (%0)" : : "r"(s->area), "a"(~0u), "d"(~0u) : "memory");
}

bool fpu_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	struct cpuid_regs r = cpuid_guest(v, 0xd, 0);

	if (!use_xsave || !xcr0_valid(xcr0, r.eax | (uint64_t)r.edx << 32))
		return false;
	v->fpu.xcr0 = xcr0;
	xsetbv0(xcr0);
	return true;
}
