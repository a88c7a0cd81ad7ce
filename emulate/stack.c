/*
 * Stack accesses (SDM Vol. 1 6.2): the stack-address size is 64 in 64-bit
 * mode, else SS.B selects 32 or 16 bits.
 */
#include "emulate/emu.h"

unsigned emu_stack_size(const struct emu *e)
{
	if (emu_64(e))
		return 8;
	return (e->st->seg[X86_SEG_SS].attr & X86_SEG_ATTR_DB) ? 4 : 2;
}

int emu_push(struct emu *e, uint64_t val, unsigned size)
{
	unsigned ss = emu_stack_size(e);
	uint64_t sp = (emu_gpr(e, X86_RSP, ss) - size) & x86_size_mask(ss);
	int r = emu_write_int(e, X86_SEG_SS, sp, size, val);

	if (r != X86_EMU_OK)
		return r;
	emu_set_gpr(e, X86_RSP, ss, sp);
	return X86_EMU_OK;
}

int emu_pop(struct emu *e, uint64_t *val, unsigned size)
{
	unsigned ss = emu_stack_size(e);
	uint64_t sp = emu_gpr(e, X86_RSP, ss);
	int r = emu_read_int(e, X86_SEG_SS, sp, size, val);

	if (r != X86_EMU_OK)
		return r;
	emu_set_gpr(e, X86_RSP, ss, sp + size);
	return X86_EMU_OK;
}

static int push_value(struct emu *e, uint64_t v)
{
	return emu_push(e, v, e->in->opsize);
}

/* FF /6: PUSH r/m. */
static int push_rm(struct emu *e)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	emu_rm_operand(e, e->in->opsize, &rm);
	r = emu_op_read(e, &rm, &v);
	return r != X86_EMU_OK ? r : push_value(e, v);
}

/*
 * 8F /0: POP r/m. The address is computed after rSP is incremented (SDM
 * POP: "If the ESP register is used as a base register ...").
 */
static int pop_rm(struct emu *e)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	if ((e->in->reg & 7) != 0)
		return X86_EMU_UNHANDLED;
	r = emu_pop(e, &v, e->in->opsize);
	if (r != X86_EMU_OK)
		return r;
	emu_rm_operand(e, e->in->opsize, &rm);
	return emu_op_write(e, &rm, v);
}

static int pop_reg(struct emu *e, unsigned reg)
{
	uint64_t v;
	int r = emu_pop(e, &v, e->in->opsize);

	if (r == X86_EMU_OK)
		emu_set_gpr(e, reg, e->in->opsize, v);
	return r;
}

static int pop_sreg(struct emu *e, unsigned seg)
{
	uint64_t v;
	int r = emu_pop(e, &v, e->in->opsize);

	if (seg == X86_SEG_SS)
		e->shadow = X86_SHADOW_MOV_SS;
	return r != X86_EMU_OK ? r : emu_load_segment(e, seg, (uint16_t)v);
}

/* C9: LEAVE: rSP = rBP (stack-address size), then POP rBP. */
static int leave(struct emu *e)
{
	unsigned ss = emu_stack_size(e);

	emu_set_gpr(e, X86_RSP, ss, emu_gpr(e, X86_RBP, ss));
	return pop_reg(e, X86_RBP);
}

static int exec_one_byte(struct emu *e)
{
	uint8_t op = e->in->opcode;
	unsigned reg = (op & 7) | ((e->in->rex & 1) << 3);

	if (op >= 0x50 && op <= 0x57)
		return push_value(e, emu_gpr(e, reg, e->in->opsize));
	if (op >= 0x58 && op <= 0x5f)
		return pop_reg(e, reg);
	switch (op) {
	case 0x68: case 0x6a: return push_value(e, emu_imm_sext(e->in));
	case 0x06: case 0x0e: case 0x16: case 0x1e: return push_value(e, e->st->seg[op >> 3].sel);
	case 0x07: case 0x17: case 0x1f: return pop_sreg(e, op >> 3);
	case 0x8f: return pop_rm(e);
	case 0xc9: return leave(e);
	case 0xff: return (e->in->reg & 7) == 6 ? push_rm(e) : X86_EMU_UNHANDLED;
	default: return X86_EMU_UNHANDLED;
	}
}

int emu_exec_stack(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (e->in->map == X86_MAP_ONE)
		return exec_one_byte(e);
	if (e->in->map != X86_MAP_0F)
		return X86_EMU_UNHANDLED;
	switch (op) {
	case 0xa0: return push_value(e, e->st->seg[X86_SEG_FS].sel);
	case 0xa8: return push_value(e, e->st->seg[X86_SEG_GS].sel);
	case 0xa1: return pop_sreg(e, X86_SEG_FS);
	case 0xa9: return pop_sreg(e, X86_SEG_GS);
	default: return X86_EMU_UNHANDLED;
	}
}
