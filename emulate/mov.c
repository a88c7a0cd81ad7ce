/*
 * Data movement: MOV (register, immediate, moffs, Sreg forms), MOVZX,
 * MOVSX, MOVSXD, MOVNTI, XCHG, CMOVcc, LEA, XLAT, BSWAP, the far-pointer
 * loads LDS/LES/LSS/LFS/LGS and the accumulator extensions CBW/CWDE/CDQE
 * and CWD/CDQ/CQO (SDM Vol. 2).
 */
#include "emulate/emu.h"

/* Byte form for even opcodes of the classic pairs (88/89, 86/87, ...). */
static unsigned pair_size(const struct emu *e)
{
	return (e->in->opcode & 1) ? e->in->opsize : 1;
}

/* 88-8B: MOV between r/m and a register. */
static int mov_rm_reg(struct emu *e)
{
	struct emu_operand rm, reg;
	bool to_reg = e->in->opcode & 2;
	uint64_t v;
	int r;

	emu_rm_operand(e, pair_size(e), &rm);
	emu_reg_operand(e, pair_size(e), &reg);
	r = emu_op_read(e, to_reg ? &rm : &reg, &v);
	if (r != X86_EMU_OK)
		return r;
	return emu_op_write(e, to_reg ? &reg : &rm, v);
}

/* C6/C7 /0: MOV r/m, imm. */
static int mov_rm_imm(struct emu *e)
{
	struct emu_operand rm;

	if (e->in->modrm == 0xf8) /* XABORT/XBEGIN */
		return X86_EMU_UNHANDLED;
	emu_rm_operand(e, pair_size(e), &rm);
	return emu_op_write(e, &rm, emu_imm_sext(e->in)); /* REX.W: imm32 sign-extended */
}

/* B0-BF: MOV reg, imm (B8+ with REX.W takes a full imm64). */
static int mov_reg_imm(struct emu *e)
{
	unsigned reg = (e->in->opcode & 7) | ((e->in->rex & 1) << 3);
	unsigned size = e->in->opcode < 0xb8 ? 1 : e->in->opsize;

	emu_reg_write(e, reg, size, e->in->imm);
	return X86_EMU_OK;
}

/* A0-A3: MOV between the accumulator and a direct offset. */
static int mov_moffs(struct emu *e)
{
	unsigned size = pair_size(e), seg = emu_default_seg(e, X86_SEG_DS);
	uint64_t ea = e->in->imm & emu_addr_mask(e), v;
	int r;

	if (e->in->opcode & 2)
		return emu_write_int(e, seg, ea, size, emu_gpr(e, X86_RAX, size));
	r = emu_read_int(e, seg, ea, size, &v);
	if (r == X86_EMU_OK)
		emu_set_gpr(e, X86_RAX, size, v);
	return r;
}

/* MOVZX/MOVSX (0F B6/B7/BE/BF) and MOVSXD (63 in 64-bit mode). */
static int mov_extend(struct emu *e, unsigned src_size, bool sign)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	emu_rm_operand(e, src_size, &rm);
	r = emu_op_read(e, &rm, &v);
	if (r != X86_EMU_OK)
		return r;
	if (sign)
		v = emu_sign_extend(v, src_size);
	emu_reg_write(e, e->in->reg, e->in->opsize, v);
	return X86_EMU_OK;
}

/* 86/87: XCHG r/m, reg (locked implicitly; one read and one write). */
static int xchg_rm(struct emu *e)
{
	struct emu_operand rm, reg;
	uint64_t a, b;
	int r;

	emu_rm_operand(e, pair_size(e), &rm);
	emu_reg_operand(e, pair_size(e), &reg);
	r = emu_op_read(e, &rm, &a);
	if (r == X86_EMU_OK)
		r = emu_op_read(e, &reg, &b);
	if (r == X86_EMU_OK)
		r = emu_op_write(e, &rm, b);
	if (r == X86_EMU_OK)
		r = emu_op_write(e, &reg, a);
	return r;
}

/* 90-97: XCHG rAX, reg; plain 90 is NOP (no zero-extension of EAX). */
static int xchg_ax(struct emu *e)
{
	unsigned reg = (e->in->opcode & 7) | ((e->in->rex & 1) << 3);
	unsigned size = e->in->opsize;
	uint64_t a;

	if (reg == X86_RAX)
		return X86_EMU_OK;
	a = emu_gpr(e, X86_RAX, size);
	emu_set_gpr(e, X86_RAX, size, emu_gpr(e, reg, size));
	emu_set_gpr(e, reg, size, a);
	return X86_EMU_OK;
}

/* 8C: MOV r/m, Sreg (16-bit store to memory, zero-extended into registers). */
static int mov_from_sreg(struct emu *e)
{
	struct emu_operand rm;

	emu_rm_operand(e, e->in->mod == 3 ? e->in->opsize : 2, &rm);
	return emu_op_write(e, &rm, e->st->seg[e->in->reg & 7].sel);
}

/* 8E: MOV Sreg, r/m16. */
static int mov_to_sreg(struct emu *e)
{
	struct emu_operand rm;
	uint64_t sel;
	int r;

	emu_rm_operand(e, 2, &rm);
	r = emu_op_read(e, &rm, &sel);
	if (r != X86_EMU_OK)
		return r;
	if ((e->in->reg & 7) == X86_SEG_SS)
		e->shadow = X86_SHADOW_MOV_SS;
	return emu_load_segment(e, e->in->reg & 7, (uint16_t)sel);
}

/* LDS/LES (C5/C4), LSS/LFS/LGS (0F B2/B4/B5): offset then selector. */
static int load_far_pointer(struct emu *e, unsigned seg)
{
	struct emu_operand rm;
	uint64_t offset, sel;
	int r;

	emu_rm_operand(e, e->in->opsize, &rm);
	r = emu_op_read(e, &rm, &offset);
	if (r == X86_EMU_OK)
		r = emu_read_int(e, rm.seg, (rm.ea + rm.size) & emu_addr_mask(e), 2, &sel);
	if (r == X86_EMU_OK)
		r = emu_load_segment(e, seg, (uint16_t)sel);
	if (r == X86_EMU_OK)
		emu_set_gpr(e, e->in->reg, e->in->opsize, offset);
	return r;
}

/* 0F 40-4F: CMOVcc. The source is read (and may fault) either way. */
static int cmov(struct emu *e)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	emu_rm_operand(e, e->in->opsize, &rm);
	r = emu_op_read(e, &rm, &v);
	if (r != X86_EMU_OK)
		return r;
	if (!x86_condition(e->in->opcode, e->st->rflags))
		v = emu_gpr(e, e->in->reg, e->in->opsize);
	emu_reg_write(e, e->in->reg, e->in->opsize, v);
	return X86_EMU_OK;
}

static int lea(struct emu *e)
{
	emu_reg_write(e, e->in->reg, e->in->opsize, emu_modrm_ea(e));
	return X86_EMU_OK;
}

/* 0F C3: MOVNTI m32/m64, reg (the non-temporal hint has no meaning here). */
static int movnti(struct emu *e)
{
	struct emu_operand rm;
	unsigned size = e->in->opsize == 8 ? 8 : 4;

	emu_rm_operand(e, size, &rm);
	return emu_op_write(e, &rm, emu_gpr(e, e->in->reg, size));
}

/* 98: CBW/CWDE/CDQE sign-extend the lower half of rAX into all of it. */
static int extend_accumulator(struct emu *e)
{
	unsigned size = e->in->opsize;
	emu_set_gpr(e, X86_RAX, size, emu_sign_extend(emu_gpr(e, X86_RAX, size / 2), size / 2));
	return X86_EMU_OK;
}

/* 99: CWD/CDQ/CQO fill rDX with the sign of rAX. */
static int sign_into_rdx(struct emu *e)
{
	unsigned size = e->in->opsize;
	bool neg = (emu_gpr(e, X86_RAX, size) >> (8 * size - 1)) & 1;
	emu_set_gpr(e, X86_RDX, size, neg ? ~0ull : 0);
	return X86_EMU_OK;
}

/* D7: XLAT loads AL from [seg:rBX + AL]. */
static int xlat(struct emu *e)
{
	uint64_t ea = (e->st->gpr[X86_RBX] + (e->st->gpr[X86_RAX] & 0xff)) & emu_addr_mask(e);
	uint64_t v;
	int r = emu_read_int(e, emu_default_seg(e, X86_SEG_DS), ea, 1, &v);

	if (r == X86_EMU_OK)
		emu_set_gpr(e, X86_RAX, 1, v);
	return r;
}

/* 0F C8+r: BSWAP; the 16-bit form is undefined, so unhandled. */
static int bswap(struct emu *e)
{
	unsigned reg = (e->in->opcode & 7) | ((e->in->rex & 1) << 3);
	unsigned size = e->in->opsize;
	uint64_t v = emu_gpr(e, reg, size), r = 0;

	if (size == 2)
		return X86_EMU_UNHANDLED;
	for (unsigned i = 0; i < size; i++, v >>= 8)
		r = (r << 8) | (v & 0xff);
	emu_set_gpr(e, reg, size, r);
	return X86_EMU_OK;
}

static int exec_one_byte(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (op >= 0x88 && op <= 0x8b)
		return mov_rm_reg(e);
	if (op >= 0xa0 && op <= 0xa3)
		return mov_moffs(e);
	if (op >= 0xb0 && op <= 0xbf)
		return mov_reg_imm(e);
	if (op >= 0x90 && op <= 0x97)
		return e->in->rep == 0xf3 && op == 0x90 ? X86_EMU_OK /* PAUSE */ : xchg_ax(e);
	switch (op) {
	case 0xc6: case 0xc7: return mov_rm_imm(e);
	case 0x86: case 0x87: return xchg_rm(e);
	case 0x8c: return mov_from_sreg(e);
	case 0x8e: return mov_to_sreg(e);
	case 0x8d: return lea(e);
	case 0x98: return extend_accumulator(e);
	case 0x99: return sign_into_rdx(e);
	case 0xd7: return xlat(e);
	case 0xc4: return load_far_pointer(e, X86_SEG_ES);
	case 0xc5: return load_far_pointer(e, X86_SEG_DS);
	case 0x63:
		if (!emu_64(e))
			return X86_EMU_UNHANDLED; /* ARPL */
		return mov_extend(e, e->in->opsize == 8 ? 4 : e->in->opsize, true);
	default: return X86_EMU_UNHANDLED;
	}
}

int emu_exec_mov(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (e->in->map == X86_MAP_ONE)
		return exec_one_byte(e);
	if (e->in->map != X86_MAP_0F)
		return X86_EMU_UNHANDLED;
	if (op >= 0x40 && op <= 0x4f)
		return cmov(e);
	if (op >= 0xc8)
		return bswap(e);
	switch (op) {
	case 0xb6: return mov_extend(e, 1, false);
	case 0xb7: return mov_extend(e, 2, false);
	case 0xbe: return mov_extend(e, 1, true);
	case 0xbf: return mov_extend(e, 2, true);
	case 0xc3: return movnti(e);
	case 0xb2: return load_far_pointer(e, X86_SEG_SS);
	case 0xb4: return load_far_pointer(e, X86_SEG_FS);
	case 0xb5: return load_far_pointer(e, X86_SEG_GS);
	default: return X86_EMU_UNHANDLED;
	}
}
