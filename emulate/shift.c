/*
 * Shifts and rotates (group 2: C0 C1 D0-D3): ROL ROR RCL RCR SHL SHR SAL
 * SAR, following the SDM "SAL/SAR/SHL/SHR" and "RCL/RCR/ROL/ROR"
 * operation sections. The count is masked to 5 bits (6 for 64-bit
 * operands); a masked count of 0 changes no flags (but, as the host CPU
 * shows, still writes a 32-bit register, zero-extending it).
 */
#include "emulate/emu.h"

enum shift_op { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

struct shift {
	uint64_t v;     /* operand, zero-extended */
	unsigned bits;
	unsigned count; /* masked count, not 0 */
	uint64_t flags; /* RFLAGS, updated */
};

static uint64_t msb(const struct shift *s, uint64_t v)
{
	return (v >> (s->bits - 1)) & 1;
}

static void set_flag(struct shift *s, uint64_t flag, bool on)
{
	s->flags = on ? s->flags | flag : s->flags & ~flag;
}

/* ROL/ROR: CF is the bit rotated last; OF defined for count 1. */
static uint64_t rotate(struct shift *s, bool left)
{
	unsigned n = s->count % s->bits;
	uint64_t mask = x86_size_mask(s->bits / 8), r = s->v;

	if (n)
		r = left ? ((r << n) | (r >> (s->bits - n))) & mask
			 : ((r >> n) | (r << (s->bits - n))) & mask;
	if (left) {
		set_flag(s, X86_FLAGS_CF, r & 1);
		set_flag(s, X86_FLAGS_OF, msb(s, r) ^ (r & 1));
	} else {
		set_flag(s, X86_FLAGS_CF, msb(s, r));
		set_flag(s, X86_FLAGS_OF, msb(s, r) ^ ((r >> (s->bits - 2)) & 1));
	}
	return r;
}

/* RCL/RCR rotate through CF, one bit at a time as the SDM describes; 8- and
 * 16-bit counts are taken modulo 9 and 17. */
static uint64_t rotate_carry(struct shift *s, bool left)
{
	unsigned n = s->bits < 32 ? s->count % (s->bits + 1) : s->count;
	uint64_t cf = (s->flags & X86_FLAGS_CF) ? 1 : 0, r = s->v;
	uint64_t mask = x86_size_mask(s->bits / 8);

	if (!left)
		set_flag(s, X86_FLAGS_OF, msb(s, r) ^ cf);
	for (unsigned i = 0; i < n; i++) {
		uint64_t out = left ? msb(s, r) : r & 1;
		r = left ? ((r << 1) | cf) & mask : (r >> 1) | (cf << (s->bits - 1));
		cf = out;
	}
	set_flag(s, X86_FLAGS_CF, cf);
	if (left)
		set_flag(s, X86_FLAGS_OF, msb(s, r) ^ cf);
	return r;
}

static uint64_t shift_result_flags(struct shift *s, uint64_t r)
{
	uint64_t f;

	x86_alu_add(r, 0, 0, s->bits / 8, &f); /* ZF SF PF of r; CF AF OF clear */
	s->flags = (s->flags & ~(X86_FLAGS_ZF | X86_FLAGS_SF | X86_FLAGS_PF | X86_FLAGS_AF)) |
		   (f & (X86_FLAGS_ZF | X86_FLAGS_SF | X86_FLAGS_PF));
	return r;
}

static uint64_t shift_left(struct shift *s)
{
	uint64_t mask = x86_size_mask(s->bits / 8);
	uint64_t r = s->count >= s->bits ? 0 : (s->v << s->count) & mask;
	bool cf = s->count <= s->bits && ((s->v >> (s->bits - s->count)) & 1);

	set_flag(s, X86_FLAGS_CF, cf);
	set_flag(s, X86_FLAGS_OF, msb(s, r) ^ cf);
	return shift_result_flags(s, r);
}

static uint64_t shift_right(struct shift *s, bool arithmetic)
{
	uint64_t mask = x86_size_mask(s->bits / 8);
	uint64_t v = arithmetic ? emu_sign_extend(s->v, s->bits / 8) : s->v;
	unsigned last = s->count - 1;
	uint64_t r, cf;

	if (arithmetic) {
		r = (uint64_t)((int64_t)v >> (s->count > 63 ? 63 : s->count)) & mask;
		cf = (uint64_t)((int64_t)v >> (last > 63 ? 63 : last)) & 1;
	} else {
		r = s->count >= 64 ? 0 : (v >> s->count) & mask;
		cf = last >= 64 ? 0 : (v >> last) & 1;
	}
	set_flag(s, X86_FLAGS_CF, cf);
	set_flag(s, X86_FLAGS_OF, !arithmetic && msb(s, s->v));
	return shift_result_flags(s, r);
}

static uint64_t apply(enum shift_op op, struct shift *s)
{
	switch (op) {
	case ROL: return rotate(s, true);
	case ROR: return rotate(s, false);
	case RCL: return rotate_carry(s, true);
	case RCR: return rotate_carry(s, false);
	case SHL: case SAL: return shift_left(s);
	case SHR: return shift_right(s, false);
	default: return shift_right(s, true);
	}
}

static uint64_t shift_count(const struct emu *e)
{
	switch (e->in->opcode) {
	case 0xc0: case 0xc1: return e->in->imm;
	case 0xd0: case 0xd1: return 1;
	default: return e->st->gpr[X86_RCX] & 0xff;
	}
}

int emu_exec_shift(struct emu *e)
{
	uint8_t op = e->in->opcode;
	struct emu_operand rm;
	struct shift s;
	uint64_t r;
	int rc;

	if (e->in->map != X86_MAP_ONE || !(op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3)))
		return X86_EMU_UNHANDLED;
	emu_rm_operand(e, (op & 1) ? e->in->opsize : 1, &rm);
	rc = emu_op_read(e, &rm, &s.v);
	if (rc != X86_EMU_OK)
		return rc;
	s.bits = 8 * rm.size;
	s.count = (unsigned)(shift_count(e) & (rm.size == 8 ? 0x3f : 0x1f));
	if (s.count == 0) /* no flags; a 32-bit register is still zero-extended */
		return rm.is_mem ? X86_EMU_OK : emu_op_write(e, &rm, s.v);
	s.flags = e->st->rflags;
	r = apply((enum shift_op)(e->in->reg & 7), &s);
	rc = emu_op_write(e, &rm, r);
	if (rc == X86_EMU_OK)
		e->st->rflags = s.flags;
	return rc;
}
