/* Arithmetic status flags (SDM Vol. 1 3.4.3.1, Appendix A "EFLAGS Cross-Reference"). */
#include "emulate/flags.h"
#include "emulate/emulate.h"

uint64_t x86_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_bit(unsigned size)
{
	return 1ull << (8 * size - 1);
}

/* PF reflects the low byte only: set when it has an even number of 1 bits. */
static uint64_t parity_flag(uint64_t result)
{
	unsigned b = (unsigned)(result & 0xff);

	/* Fold the byte onto its low bit without popcnt (no libgcc here). */
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : X86_FLAGS_PF;
}

/* ZF, SF and PF of a result. */
static uint64_t result_flags(uint64_t result, unsigned size)
{
	uint64_t f = parity_flag(result);
	if ((result & x86_size_mask(size)) == 0)
		f |= X86_FLAGS_ZF;
	if (result & sign_bit(size))
		f |= X86_FLAGS_SF;
	return f;
}

uint64_t x86_alu_add(uint64_t a, uint64_t b, unsigned carry_in, unsigned size,
		     uint64_t *flags)
{
	uint64_t mask = x86_size_mask(size);
	uint64_t res, f;
	bool carry;

	a &= mask;
	b &= mask;
	res = (a + b + carry_in) & mask;
	carry = carry_in ? res <= a : res < a;
	f = result_flags(res, size);
	if (carry)
		f |= X86_FLAGS_CF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86_FLAGS_AF;
	/* Overflow: both inputs have the same sign and the result does not. */
	if ((a ^ res) & (b ^ res) & sign_bit(size))
		f |= X86_FLAGS_OF;
	*flags = f;
	return res;
}

uint64_t x86_alu_sub(uint64_t a, uint64_t b, unsigned borrow_in, unsigned size,
		     uint64_t *flags)
{
	uint64_t mask = x86_size_mask(size);
	uint64_t res, f;
	bool borrow;

	a &= mask;
	b &= mask;
	res = (a - b - borrow_in) & mask;
	borrow = borrow_in ? a <= b : a < b;
	f = result_flags(res, size);
	if (borrow)
		f |= X86_FLAGS_CF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86_FLAGS_AF;
	/* Overflow: the inputs differ in sign and the result took b's sign. */
	if ((a ^ b) & (a ^ res) & sign_bit(size))
		f |= X86_FLAGS_OF;
	*flags = f;
	return res;
}

uint64_t x86_flags_logic(uint64_t result, unsigned size)
{
	return result_flags(result, size);
}

int x86_condition(unsigned cc, uint64_t f)
{
	bool cf = f & X86_FLAGS_CF, zf = f & X86_FLAGS_ZF, sf = f & X86_FLAGS_SF;
	bool of = f & X86_FLAGS_OF, pf = f & X86_FLAGS_PF;
	bool r;

	switch ((cc >> 1) & 7) {
	case 0: r = of; break;             /* O */
	case 1: r = cf; break;             /* B */
	case 2: r = zf; break;             /* E */
	case 3: r = cf || zf; break;       /* BE */
	case 4: r = sf; break;             /* S */
	case 5: r = pf; break;             /* P */
	case 6: r = sf != of; break;       /* L */
	default: r = zf || sf != of; break; /* LE */
	}
	return (cc & 1) ? !r : r;
}
