/*
 * Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP (all
 * encodings), TEST, INC, DEC, NOT, NEG, MUL, IMUL (all forms), DIV, IDIV, CMPXCHG,
 * CMPXCHG8B/16B and XADD. Flags per SDM Vol. 2 "Flags Affected".
 */
#include "emulate/emu.h"

enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* Computes a <op> b and updates the status flags in *rflags. */
static uint64_t alu(enum alu_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
	unsigned cf = (*rflags & X86_FLAGS_CF) ? 1 : 0;
	uint64_t res, f;

	switch (op) {
	case ALU_ADD: res = x86_alu_add(a, b, 0, size, &f); break;
	case ALU_ADC: res = x86_alu_add(a, b, cf, size, &f); break;
	case ALU_SBB: res = x86_alu_sub(a, b, cf, size, &f); break;
	case ALU_SUB: case ALU_CMP: res = x86_alu_sub(a, b, 0, size, &f); break;
	case ALU_OR: res = (a | b) & x86_size_mask(size); f = x86_flags_logic(res, size); break;
	case ALU_AND: res = (a & b) & x86_size_mask(size); f = x86_flags_logic(res, size); break;
	default: res = (a ^ b) & x86_size_mask(size); f = x86_flags_logic(res, size); break;
	}
	*rflags = (*rflags & ~X86_FLAGS_STATUS) | f;
	return res;
}

/* dst <op>= src, writing dst unless the op is CMP. */
static int alu_apply(struct emu *e, enum alu_op op, const struct emu_operand *dst, uint64_t src)
{
	uint64_t a, res;
	int r = emu_op_read(e, dst, &a);

	if (r != X86_EMU_OK)
		return r;
	res = alu(op, a, src, dst->size, &e->st->rflags);
	return op == ALU_CMP ? X86_EMU_OK : emu_op_write(e, dst, res);
}

/* 00-3D: the eight classic ALU blocks, six encodings each. */
static int alu_classic(struct emu *e)
{
	enum alu_op op = (enum alu_op)(e->in->opcode >> 3);
	unsigned form = e->in->opcode & 7;
	unsigned size = (form & 1) ? e->in->opsize : 1;
	struct emu_operand rm, reg;
	uint64_t v;
	int r;

	if (form >= 4) { /* AL/eAX, imm */
		struct emu_operand acc = { .size = (uint8_t)size, .reg = X86_RAX };
		return alu_apply(e, op, &acc, emu_imm_sext(e->in));
	}
	emu_rm_operand(e, size, &rm);
	emu_reg_operand(e, size, &reg);
	r = emu_op_read(e, (form & 2) ? &rm : &reg, &v);
	if (r != X86_EMU_OK)
		return r;
	return alu_apply(e, op, (form & 2) ? &reg : &rm, v);
}

/* 80-83: group 1, r/m <op> imm (83 sign-extends an imm8). */
static int alu_group1(struct emu *e)
{
	unsigned size = e->in->opcode == 0x81 || e->in->opcode == 0x83 ? e->in->opsize : 1;
	struct emu_operand rm;

	emu_rm_operand(e, size, &rm);
	return alu_apply(e, (enum alu_op)(e->in->reg & 7), &rm,
			 emu_imm_sext(e->in));
}

static int test(struct emu *e, const struct emu_operand *a_op, uint64_t b)
{
	uint64_t a;
	int r = emu_op_read(e, a_op, &a);

	if (r != X86_EMU_OK)
		return r;
	alu(ALU_AND, a, b, a_op->size, &e->st->rflags);
	return X86_EMU_OK;
}

/* INC/DEC leave CF alone. */
static int inc_dec(struct emu *e, const struct emu_operand *op, bool dec)
{
	uint64_t cf = e->st->rflags & X86_FLAGS_CF, v, res;
	int r = emu_op_read(e, op, &v);

	if (r != X86_EMU_OK)
		return r;
	res = alu(dec ? ALU_SUB : ALU_ADD, v, 1, op->size, &e->st->rflags);
	e->st->rflags = (e->st->rflags & ~X86_FLAGS_CF) | cf;
	return emu_op_write(e, op, res);
}

static int not_neg(struct emu *e, const struct emu_operand *op, bool neg)
{
	uint64_t v;
	int r = emu_op_read(e, op, &v);

	if (r != X86_EMU_OK)
		return r;
	if (neg)
		v = alu(ALU_SUB, 0, v, op->size, &e->st->rflags);
	else
		v = ~v;
	return emu_op_write(e, op, v);
}

/* 128-bit product of 64-bit operands; SDM MUL/IMUL. */
static void mul_wide(uint64_t a, uint64_t b, unsigned size, bool sign, uint64_t *lo,
		     uint64_t *hi)
{
	if (size == 8) {
		unsigned __int128 p = sign ? (unsigned __int128)((__int128)(int64_t)a * (int64_t)b)
					   : (unsigned __int128)a * b;
		*lo = (uint64_t)p;
		*hi = (uint64_t)(p >> 64);
		return;
	}
	uint64_t p = sign ? (uint64_t)((int64_t)emu_sign_extend(a, size) * (int64_t)emu_sign_extend(b, size))
			  : a * b;
	*lo = p & x86_size_mask(size);
	*hi = (p >> (8 * size)) & x86_size_mask(size);
}

/* MUL/IMUL with one operand: rDX:rAX = rAX * r/m; CF=OF=high half significant. */
static int multiply(struct emu *e, const struct emu_operand *op, bool sign)
{
	unsigned size = op->size;
	uint64_t v, lo, hi, a = emu_gpr(e, X86_RAX, size);
	bool wide;
	int r = emu_op_read(e, op, &v);

	if (r != X86_EMU_OK)
		return r;
	mul_wide(a, v, size, sign, &lo, &hi);
	/* Significant high half: anything but the extension of the low half. */
	if (sign)
		wide = hi != (((lo >> (8 * size - 1)) & 1) ? x86_size_mask(size) : 0);
	else
		wide = hi != 0;
	if (size == 1) {
		emu_set_gpr(e, X86_RAX, 2, lo | (hi << 8));
	} else {
		emu_set_gpr(e, X86_RAX, size, lo);
		emu_set_gpr(e, X86_RDX, size, hi);
	}
	e->st->rflags &= ~(X86_FLAGS_CF | X86_FLAGS_OF);
	if (wide)
		e->st->rflags |= X86_FLAGS_CF | X86_FLAGS_OF;
	return X86_EMU_OK;
}

/* IMUL reg, r/m (0F AF) and IMUL reg, r/m, imm (69, 6B): truncated
 * product; CF=OF=1 when it differs from the full one. */
static int multiply_into_reg(struct emu *e)
{
	unsigned size = e->in->opsize;
	struct emu_operand rm;
	uint64_t a, b, lo, hi;
	bool wide;
	int r;

	emu_rm_operand(e, size, &rm);
	r = emu_op_read(e, &rm, &a);
	if (r != X86_EMU_OK)
		return r;
	b = e->in->map == X86_MAP_0F ? emu_gpr(e, e->in->reg, size) : emu_imm_sext(e->in);
	mul_wide(a, b & x86_size_mask(size), size, true, &lo, &hi);
	wide = hi != (((lo >> (8 * size - 1)) & 1) ? x86_size_mask(size) : 0);
	emu_set_gpr(e, e->in->reg, size, lo);
	e->st->rflags &= ~(X86_FLAGS_CF | X86_FLAGS_OF);
	if (wide)
		e->st->rflags |= X86_FLAGS_CF | X86_FLAGS_OF;
	return X86_EMU_OK;
}

/*
 * Unsigned hi:lo / d by shift and subtract: 128-bit division would need
 * libgcc, which the hypervisor does not link. Caller ensures hi < d.
 */
static uint64_t divide_128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0;

	for (int i = 63; i >= 0; i--) {
		bool top = hi >> 63;
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (top || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

/* Unsigned (hi:lo) / d in `size` bytes; false when the quotient overflows. */
static bool divide_unsigned(uint64_t hi, uint64_t lo, uint64_t d, unsigned size,
			    uint64_t *q, uint64_t *rem)
{
	if (hi >= d)
		return false;
	if (size == 8) {
		*q = divide_128(hi, lo, d, rem);
		return true;
	}
	uint64_t n = (hi << (8 * size)) | lo;
	*q = n / d;
	*rem = n % d;
	return true;
}

static uint64_t negate_wide(uint64_t *hi, uint64_t lo, unsigned size)
{
	uint64_t mask = x86_size_mask(size);
	uint64_t nlo = (~lo + 1) & mask;
	*hi = (~*hi + (nlo == 0)) & mask;
	return nlo;
}

/* Signed division via magnitudes; the quotient must fit in `size` bytes. */
static bool divide_signed(uint64_t hi, uint64_t lo, uint64_t d, unsigned size,
			  uint64_t *q, uint64_t *rem)
{
	uint64_t mask = x86_size_mask(size), top = 1ull << (8 * size - 1);
	bool nneg = hi & top, dneg = d & top;
	uint64_t mq, mr;

	if (nneg)
		lo = negate_wide(&hi, lo, size);
	if (dneg)
		d = (~d + 1) & mask;
	if (!divide_unsigned(hi, lo, d, size, &mq, &mr))
		return false;
	if (nneg != dneg ? mq > top : mq >= top)
		return false;
	*q = (nneg != dneg ? ~mq + 1 : mq) & mask;
	*rem = (nneg ? ~mr + 1 : mr) & mask;
	return true;
}

/* DIV/IDIV: #DE on a zero divisor or a quotient that does not fit. */
static int divide(struct emu *e, const struct emu_operand *op, bool sign)
{
	unsigned size = op->size;
	uint64_t d, lo, hi, q, rem;
	bool ok;
	int r = emu_op_read(e, op, &d);

	if (r != X86_EMU_OK)
		return r;
	if (d == 0)
		return emu_raise(e, X86_EXC_DE, false, 0);
	if (size == 1) {
		lo = emu_gpr(e, X86_RAX, 1);
		hi = (emu_gpr(e, X86_RAX, 2) >> 8) & 0xff;
	} else {
		lo = emu_gpr(e, X86_RAX, size);
		hi = emu_gpr(e, X86_RDX, size);
	}
	ok = sign ? divide_signed(hi, lo, d, size, &q, &rem)
		  : divide_unsigned(hi, lo, d, size, &q, &rem);
	if (!ok)
		return emu_raise(e, X86_EXC_DE, false, 0);
	if (size == 1) {
		emu_set_gpr(e, X86_RAX, 2, q | (rem << 8));
	} else {
		emu_set_gpr(e, X86_RAX, size, q);
		emu_set_gpr(e, X86_RDX, size, rem);
	}
	return X86_EMU_OK;
}

/* F6/F7: group 3. */
static int alu_group3(struct emu *e)
{
	unsigned size = e->in->opcode == 0xf7 ? e->in->opsize : 1;
	struct emu_operand rm;

	emu_rm_operand(e, size, &rm);
	switch (e->in->reg & 7) {
	case 0: case 1: return test(e, &rm, emu_imm_sext(e->in));
	case 2: return not_neg(e, &rm, false);
	case 3: return not_neg(e, &rm, true);
	case 4: return multiply(e, &rm, false);
	case 5: return multiply(e, &rm, true);
	case 6: return divide(e, &rm, false);
	default: return divide(e, &rm, true);
	}
}

/* FE/FF /0 /1; the other FF forms are control transfers and PUSH. */
static int alu_group45(struct emu *e)
{
	unsigned size = e->in->opcode == 0xff ? e->in->opsize : 1;
	struct emu_operand rm;

	if ((e->in->reg & 7) > 1)
		return X86_EMU_UNHANDLED;
	emu_rm_operand(e, size, &rm);
	return inc_dec(e, &rm, e->in->reg & 1);
}

/* 40-4F outside 64-bit mode: INC/DEC reg. */
static int inc_dec_reg(struct emu *e)
{
	struct emu_operand reg = { .size = e->in->opsize, .reg = e->in->opcode & 7 };
	return inc_dec(e, &reg, e->in->opcode & 8);
}

static int test_forms(struct emu *e)
{
	unsigned size = (e->in->opcode & 1) ? e->in->opsize : 1;
	struct emu_operand rm, reg;
	uint64_t v;
	int r;

	if (e->in->opcode >= 0xa8) {
		struct emu_operand acc = { .size = (uint8_t)size, .reg = X86_RAX };
		return test(e, &acc, emu_imm_sext(e->in));
	}
	emu_rm_operand(e, size, &rm);
	emu_reg_operand(e, size, &reg);
	r = emu_op_read(e, &reg, &v);
	return r != X86_EMU_OK ? r : test(e, &rm, v);
}

/*
 * 0F B0/B1: CMPXCHG r/m, reg. Compares with the accumulator; equal stores
 * reg into r/m, else loads r/m into the accumulator. The failing case does
 * not write r/m back (the CPU does, with the same value).
 */
static int cmpxchg(struct emu *e)
{
	unsigned size = (e->in->opcode & 1) ? e->in->opsize : 1;
	struct emu_operand rm, reg;
	uint64_t dst, src, acc = emu_gpr(e, X86_RAX, size);
	int r;

	emu_rm_operand(e, size, &rm);
	emu_reg_operand(e, size, &reg);
	r = emu_op_read(e, &rm, &dst);
	if (r != X86_EMU_OK)
		return r;
	src = emu_reg_read(e, reg.reg, size);
	alu(ALU_CMP, acc, dst, size, &e->st->rflags);
	if (acc == dst)
		return emu_op_write(e, &rm, src);
	emu_set_gpr(e, X86_RAX, size, dst);
	return X86_EMU_OK;
}

/* 0F C0/C1: XADD r/m, reg: reg gets the old r/m, r/m the sum. */
static int xadd(struct emu *e)
{
	unsigned size = (e->in->opcode & 1) ? e->in->opsize : 1;
	struct emu_operand rm, reg;
	uint64_t dst, src, sum;
	int r;

	emu_rm_operand(e, size, &rm);
	emu_reg_operand(e, size, &reg);
	r = emu_op_read(e, &rm, &dst);
	if (r != X86_EMU_OK)
		return r;
	src = emu_reg_read(e, reg.reg, size);
	sum = alu(ALU_ADD, dst, src, size, &e->st->rflags);
	r = emu_op_write(e, &rm, sum);
	if (r != X86_EMU_OK)
		return r;
	emu_reg_write(e, reg.reg, size, dst);
	if (!rm.is_mem)
		emu_reg_write(e, rm.reg, size, sum); /* XADD r, r with r == r */
	return X86_EMU_OK;
}

/* 0F C7 /1: CMPXCHG8B m64, or CMPXCHG16B m128 with REX.W (16-aligned). */
static int cmpxchg_wide(struct emu *e)
{
	unsigned half = e->in->opsize == 8 ? 8 : 4;
	struct emu_operand rm;
	uint64_t mem[2] = { 0, 0 };
	uint64_t lo = emu_gpr(e, X86_RAX, half), hi = emu_gpr(e, X86_RDX, half);
	int r;

	emu_rm_operand(e, 2 * half, &rm);
	if (half == 8 && (rm.ea & 15))
		return emu_gp0(e);
	r = emu_read(e, rm.seg, rm.ea, mem, 2 * half);
	if (r != X86_EMU_OK)
		return r;
	if (half == 4) {
		mem[1] = mem[0] >> 32;
		mem[0] &= 0xffffffffull;
	}
	e->st->rflags &= ~X86_FLAGS_ZF;
	if (mem[0] != lo || mem[1] != hi) {
		emu_set_gpr(e, X86_RAX, half, mem[0]);
		emu_set_gpr(e, X86_RDX, half, mem[1]);
		return X86_EMU_OK;
	}
	e->st->rflags |= X86_FLAGS_ZF;
	if (half == 4) {
		mem[0] = emu_gpr(e, X86_RBX, 4) | (emu_gpr(e, X86_RCX, 4) << 32);
	} else {
		mem[0] = emu_gpr(e, X86_RBX, 8);
		mem[1] = emu_gpr(e, X86_RCX, 8);
	}
	return emu_write(e, rm.seg, rm.ea, mem, 2 * half);
}

static int exec_one_byte(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (op < 0x40 && (op & 7) < 6)
		return alu_classic(e);
	if (op >= 0x40 && op <= 0x4f)
		return inc_dec_reg(e); /* REX prefixes in 64-bit mode never get here */
	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83: return alu_group1(e);
	case 0x84: case 0x85: case 0xa8: case 0xa9: return test_forms(e);
	case 0x69: case 0x6b: return multiply_into_reg(e);
	case 0xf6: case 0xf7: return alu_group3(e);
	case 0xfe: case 0xff: return alu_group45(e);
	default: return X86_EMU_UNHANDLED;
	}
}

int emu_exec_alu(struct emu *e)
{
	if (e->in->map == X86_MAP_ONE)
		return exec_one_byte(e);
	if (e->in->map != X86_MAP_0F)
		return X86_EMU_UNHANDLED;
	switch (e->in->opcode) {
	case 0xb0: case 0xb1: return cmpxchg(e);
	case 0xc0: case 0xc1: return xadd(e);
	case 0xaf: return multiply_into_reg(e);
	case 0xc7: return (e->in->reg & 7) == 1 && e->in->mod != 3 ? cmpxchg_wide(e)
								  : X86_EMU_UNHANDLED;
	default: return X86_EMU_UNHANDLED;
	}
}
