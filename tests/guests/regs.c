/*
 * regs: the registers the hypervisor leaves in the CPU across exits are
 * each guest's own: the x87 stack, MXCSR, the SSE and AVX registers, XCR0
 * and the breakpoint addresses DR0-DR3. Two of these run together on one CPU with different `seed=`
 * values: each loads its values once, then halts again and again (its 1 ms
 * LAPIC timer wakes it) and checks them after every wake-up. While one
 * halts the other runs, loading or checking its own values, so without a
 * switch of this state per vCPU one finds the other's values. With XSAVE,
 * odd seeds turn AVX on in XCR0 (if the CPU has it) and even ones do not.
 */
#include "guest.h"
#include "lapic.h"

const char guest_name[] = "regs";

enum {
	FAIL_LOAD = 1,
	FAIL_XCR0,
	FAIL_X87,
	FAIL_MXCSR,
	FAIL_XMM,
	FAIL_YMM,
	FAIL_DR,
};

#define TIMER_VECTOR 0x40
#define ROUNDS 25
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u
/* The FXSAVE image (SDM Vol. 1, 10.5.1): FCW, FSW and the abridged tag
 * word first, MXCSR, the eight x87 registers (10 bytes in 16 each), the
 * XMM registers. */
#define FX_MXCSR 24
#define FX_ST 32
#define FX_XMM 160

struct regs {
	uint8_t fx[512] __attribute__((aligned(16)));
	uint8_t ymm[8][32];
	uint32_t xcr0;
	uint32_t dr[4];
};

static struct regs want, got;
static uint8_t pattern[8][32];
static int32_t stack_values[8];
static bool xsave, avx;
static uint32_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo;
}

/* FXSAVE and XMM state need CR4.OSFXSR; XSETBV needs CR4.OSXSAVE. */
static void enable(uint32_t seed)
{
	uint32_t cr0, cr4, ecx = cpuid(1, 0).ecx;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	xsave = ecx & CPUID1_ECX_XSAVE;
	if (xsave)
		cr4 |= CR4_OSXSAVE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	if (!xsave)
		return;
	avx = (seed & 1) && (ecx & CPUID1_ECX_AVX) && (cpuid(0xd, 0).eax & XCR0_AVX);
	want.xcr0 = XCR0_X87 | XCR0_SSE | (avx ? XCR0_AVX : 0);
	__asm__ volatile("xsetbv" : : "c"(0), "a"(want.xcr0), "d"(0));
}

#define LOAD_YMM(n) __asm__ volatile("vmovdqu %0, %%ymm" #n : : "m"(pattern[n]))
#define LOAD_XMM(n) __asm__ volatile("movdqu %0, %%xmm" #n : : "m"(pattern[n]))
#define STORE_YMM(r, n) __asm__ volatile("vmovdqu %%ymm" #n ", %0" : "=m"((r)->ymm[n]))

/* Breakpoint addresses only: DR7 keeps them all disabled. */
#define LOAD_DR(n) __asm__ volatile("mov %0, %%db" #n : : "r"(dr_values[n]))
#define STORE_DR(r, n) __asm__ volatile("mov %%db" #n ", %0" : "=r"((r)->dr[n]))
static uint32_t dr_values[4];

static void load(uint16_t fcw, uint32_t mxcsr)
{
	LOAD_DR(0); LOAD_DR(1); LOAD_DR(2); LOAD_DR(3);
	__asm__ volatile("fninit; fldcw %0" : : "m"(fcw));
	for (unsigned i = 0; i < 8; i++)
		__asm__ volatile("fildl %0" : : "m"(stack_values[i]));
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	if (avx) {
		LOAD_YMM(0); LOAD_YMM(1); LOAD_YMM(2); LOAD_YMM(3);
		LOAD_YMM(4); LOAD_YMM(5); LOAD_YMM(6); LOAD_YMM(7);
	} else {
		LOAD_XMM(0); LOAD_XMM(1); LOAD_XMM(2); LOAD_XMM(3);
		LOAD_XMM(4); LOAD_XMM(5); LOAD_XMM(6); LOAD_XMM(7);
	}
}

static void store(struct regs *r)
{
	STORE_DR(r, 0); STORE_DR(r, 1); STORE_DR(r, 2); STORE_DR(r, 3);
	__asm__ volatile("fxsave %0" : "=m"(r->fx));
	if (avx) {
		STORE_YMM(r, 0); STORE_YMM(r, 1); STORE_YMM(r, 2); STORE_YMM(r, 3);
		STORE_YMM(r, 4); STORE_YMM(r, 5); STORE_YMM(r, 6); STORE_YMM(r, 7);
	}
	if (xsave)
		r->xcr0 = xgetbv0();
}

static uint32_t mxcsr_of(const struct regs *r)
{
	uint32_t v;
	memcpy(&v, r->fx + FX_MXCSR, sizeof(v));
	return v;
}

/* The registers as loaded are what was meant to be loaded. */
static bool check_loaded(uint16_t fcw, uint32_t mxcsr)
{
	bool ok = !memcmp(want.dr, dr_values, sizeof(dr_values)) && want.fx[0] == (uint8_t)fcw && want.fx[1] == (uint8_t)(fcw >> 8) &&
		  mxcsr_of(&want) == mxcsr;

	for (unsigned i = 0; i < 8; i++)
		ok = ok && !memcmp(want.fx + FX_XMM + 16 * i, pattern[i], 16) &&
		     (!avx || !memcmp(want.ymm[i], pattern[i], 32));
	return check(ok, FAIL_LOAD, "loaded DR0-3, FCW 0x%x, MXCSR 0x%x, %s%s", fcw, mxcsr,
		     avx ? "YMM0-7" : "XMM0-7", xsave ? (avx ? ", XCR0 7" : ", XCR0 3") : "");
}

/* False, with the first difference reported, if the registers are not
 * what was loaded. */
static bool same(unsigned round)
{
	if (xsave && got.xcr0 != want.xcr0)
		return check(false, FAIL_XCR0, "round %u: XCR0 0x%x, loaded 0x%x", round, got.xcr0,
			     want.xcr0);
	for (unsigned i = 0; i < 4; i++)
		if (got.dr[i] != want.dr[i])
			return check(false, FAIL_DR, "round %u: DR%u 0x%x, loaded 0x%x", round, i,
				     got.dr[i], want.dr[i]);
	if (memcmp(got.fx, want.fx, 5) || memcmp(got.fx + FX_ST, want.fx + FX_ST, 128))
		return check(false, FAIL_X87, "round %u: x87 control, status, tags or stack changed",
			     round);
	if (mxcsr_of(&got) != mxcsr_of(&want))
		return check(false, FAIL_MXCSR, "round %u: MXCSR 0x%x, loaded 0x%x", round,
			     mxcsr_of(&got), mxcsr_of(&want));
	for (unsigned i = 0; i < 8; i++) {
		if (memcmp(got.fx + FX_XMM + 16 * i, want.fx + FX_XMM + 16 * i, 16))
			return check(false, FAIL_XMM, "round %u: XMM%u byte 0 is 0x%x, loaded 0x%x",
				     round, i, got.fx[FX_XMM + 16 * i], want.fx[FX_XMM + 16 * i]);
		if (avx && memcmp(got.ymm[i], want.ymm[i], 32))
			return check(false, FAIL_YMM, "round %u: YMM%u changed", round, i);
	}
	return true;
}

void guest_main(void)
{
	uint32_t seed = (uint32_t)cmdline_uint("seed", 1);
	uint16_t fcw = (uint16_t)(0x037f | (seed & 3) << 10);     /* rounding control */
	uint32_t mxcsr = 0x1f80 | (seed & 3) << 13;                /* likewise */

	for (unsigned i = 0; i < 4; i++)
		dr_values[i] = seed << 20 | i << 12 | 0x40;
	for (unsigned i = 0; i < 8; i++) {
		stack_values[i] = (int32_t)(seed * 1000 + i);
		for (unsigned j = 0; j < 32; j++)
			pattern[i][j] = (uint8_t)(seed * 0x35 + i * 32 + j);
	}
	enable(seed);
	load(fcw, mxcsr);
	store(&want);
	if (!check_loaded(fcw, mxcsr))
		return;
	lapic_timer_periodic(TIMER_VECTOR, 1000000); /* 1 ms */
	unsigned round;
	for (round = 1; round <= ROUNDS; round++) {
		uint32_t start = lapic_ticks;
		while (lapic_ticks == start)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		store(&got);
		if (!same(round))
			break;
	}
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_MASKED;
	if (round > ROUNDS)
		check(true, 0, "%u halts: the registers held what this guest loaded after each",
		      ROUNDS);
}
