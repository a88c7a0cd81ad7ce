/*
 * Per-opcode encoding properties the decoder needs to find an instruction's
 * length: does it have ModRM, which immediate follows, how 64-bit mode
 * treats it. Facts from SDM Vol. 2 Appendix A (opcode maps).
 */
#ifndef EMULATE_OPCODES_H
#define EMULATE_OPCODES_H

#include <stdint.h>

/* Immediate kinds (bits 1..3 of the flags). */
enum x86_imm_kind {
	X86_IMM_NONE,
	X86_IMM_B,     /* ib */
	X86_IMM_W,     /* iw */
	X86_IMM_Z,     /* iz: 2 bytes if operand size is 16, else 4 */
	X86_IMM_V,     /* iv: operand size (B8+r with REX.W: 8 bytes) */
	X86_IMM_MOFFS, /* offset of address size (A0-A3) */
	X86_IMM_FAR,   /* Ap: offset of operand size, then a 16-bit selector */
	X86_IMM_WB,    /* ENTER: iw then ib */
};

#define X86_OP_MODRM    0x0001u
#define X86_OP_IMM_SHIFT 1
#define X86_OP_IMM_MASK (7u << X86_OP_IMM_SHIFT)
#define X86_OP_INV64    0x0010u /* #UD in 64-bit mode */
#define X86_OP_DEF64    0x0020u /* 64-bit mode: operand size defaults to 64 */
#define X86_OP_F64      0x0040u /* 64-bit mode: near branch, operand size 64 */
#define X86_OP_INVALID  0x0080u /* #UD in every mode */
#define X86_OP_GRP3_IMM 0x0100u /* F6/F7: immediate only for /0 and /1 */
#define X86_OP_REG_ONLY 0x0200u /* MOV CR/DR: mod is ignored, always a register */

#define X86_OP_IMM(kind) ((uint16_t)((kind) << X86_OP_IMM_SHIFT))

/* Encoding properties of `opcode` in `map` (enum x86_map). */
uint16_t x86_opcode_flags(unsigned map, uint8_t opcode);

static inline enum x86_imm_kind x86_opcode_imm(uint16_t flags)
{
	return (enum x86_imm_kind)((flags & X86_OP_IMM_MASK) >> X86_OP_IMM_SHIFT);
}

#endif
