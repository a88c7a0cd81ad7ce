/* BT, BTS, BTR, BTC, BSF, BSR and SETcc (SDM Vol. 2). */
#include "emulate/emu.h"

enum bit_op { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT };

/*
 * A register bit offset may address memory beyond the operand: it is
 * signed, and selects the operand-sized word at ea + (offset / width)
 * (SDM BT "Bit(BitBase, BitOffset)").
 */
static void bit_address(const struct emu *e, struct emu_operand *op, uint64_t offset,
			bool from_reg, unsigned *bit)
{
	unsigned width = 8 * op->size;

	if (op->is_mem && from_reg) {
		unsigned shift = 64 - width;
		int64_t soff = (int64_t)(offset << shift) >> shift;
		int64_t words = soff >= 0 ? soff / width : -(int64_t)((-(soff + 1)) / width) - 1;
		op->ea = (op->ea + (uint64_t)words * op->size) & emu_addr_mask(e);
	}
	*bit = (unsigned)(offset & (width - 1));
}

static int bit_instruction(struct emu *e, enum bit_op op, uint64_t offset, bool from_reg)
{
	struct emu_operand rm;
	unsigned bit;
	uint64_t v, mask;
	int r;

	emu_rm_operand(e, e->in->opsize, &rm);
	bit_address(e, &rm, offset, from_reg, &bit);
	r = emu_op_read(e, &rm, &v);
	if (r != X86_EMU_OK)
		return r;
	mask = 1ull << bit;
	e->st->rflags = (e->st->rflags & ~X86_FLAGS_CF) | ((v & mask) ? X86_FLAGS_CF : 0);
	switch (op) {
	case BIT_TEST: return X86_EMU_OK;
	case BIT_SET: v |= mask; break;
	case BIT_RESET: v &= ~mask; break;
	default: v ^= mask; break;
	}
	return emu_op_write(e, &rm, v);
}

static enum bit_op reg_form_op(uint8_t opcode)
{
	switch (opcode) {
	case 0xa3: return BIT_TEST;
	case 0xab: return BIT_SET;
	case 0xb3: return BIT_RESET;
	default: return BIT_COMPLEMENT;
	}
}

/*
 * BSF/BSR: ZF=1 and the destination unchanged for a zero source (as AMD
 * documents and Intel CPUs do). With F3 these are TZCNT/LZCNT: unhandled.
 */
static int bit_scan(struct emu *e, bool reverse)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	if (e->in->rep == 0xf3)
		return X86_EMU_UNHANDLED;
	emu_rm_operand(e, e->in->opsize, &rm);
	r = emu_op_read(e, &rm, &v);
	if (r != X86_EMU_OK)
		return r;
	e->st->rflags &= ~X86_FLAGS_ZF;
	if (v == 0) {
		e->st->rflags |= X86_FLAGS_ZF;
		return X86_EMU_OK;
	}
	emu_set_gpr(e, e->in->reg, e->in->opsize,
		    reverse ? 63u - (unsigned)__builtin_clzll(v) : (unsigned)__builtin_ctzll(v));
	return X86_EMU_OK;
}

static int setcc(struct emu *e)
{
	struct emu_operand rm;

	emu_rm_operand(e, 1, &rm);
	return emu_op_write(e, &rm, x86_condition(e->in->opcode, e->st->rflags) ? 1 : 0);
}

int emu_exec_bits(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (e->in->map != X86_MAP_0F)
		return X86_EMU_UNHANDLED;
	if (op >= 0x90 && op <= 0x9f)
		return setcc(e);
	switch (op) {
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		return bit_instruction(e, reg_form_op(op),
				       emu_gpr(e, e->in->reg, e->in->opsize), true);
	case 0xbc: return bit_scan(e, false);
	case 0xbd: return bit_scan(e, true);
	case 0xba: /* /4../7; the decoder rejects /0../3 */
		return bit_instruction(e, (enum bit_op)((e->in->reg & 7) - 4), e->in->imm, false);
	default:
		return X86_EMU_UNHANDLED;
	}
}
