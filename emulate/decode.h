/*
 * x86 instruction decoder: prefixes, REX, VEX/EVEX, the one-byte, 0F, 0F38
 * and 0F3A maps, ModRM/SIB/displacement and immediates, in 16-, 32- and
 * 64-bit code. Its first user is the SVM backend without nrip-save, which
 * needs the exact length of the instruction at guest RIP; the emulator
 * (emulate.h) executes the decoded form.
 *
 * Pure function of its input: no global state, reads at most
 * min(avail, 15) bytes (SDM Vol. 2 2.3.11: longer instructions raise #GP).
 */
#ifndef EMULATE_DECODE_H
#define EMULATE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LEN 15

enum x86_mode {
	X86_MODE_16, /* real mode, VM86 and 16-bit protected code (CS.D=0) */
	X86_MODE_32, /* 32-bit protected code (CS.D=1) */
	X86_MODE_64, /* 64-bit code (EFER.LMA=1, CS.L=1) */
};

/* What x86_decode() returns. */
enum x86_decode_status {
	X86_DECODE_OK = 0,
	X86_DECODE_NEED_MORE, /* avail ended before the instruction did */
	X86_DECODE_INVALID,   /* invalid encoding: the CPU raises #UD */
	X86_DECODE_TOO_LONG,  /* more than 15 bytes: the CPU raises #GP(0) */
};

/* Opcode maps. */
enum x86_map {
	X86_MAP_ONE = 0, /* one-byte opcodes */
	X86_MAP_0F,
	X86_MAP_0F38,
	X86_MAP_0F3A,
};

/* Segment registers in encoding order (ModRM.reg of MOV Sreg). */
enum x86_seg {
	X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
	X86_SEG_NONE = 0xff,
};

/* Which vector-extension prefix introduced the opcode, if any. */
enum x86_vex_kind { X86_VEX_NONE, X86_VEX_VEX, X86_VEX_EVEX };

/* Options for x86_decode_ex(). */
#define X86_DECODE_AMD (1u << 0) /* 66 on near branches in 64-bit code is honoured (APM) */

#define X86_REG_NONE 0xff

struct x86_insn {
	uint8_t len;       /* total length in bytes */
	uint8_t mode;      /* enum x86_mode it was decoded for */
	uint8_t map;       /* enum x86_map; EVEX maps 5 and 6 keep their number */
	uint8_t opcode;    /* the byte in that map */
	uint8_t opsize;    /* effective operand size: 2, 4 or 8 */
	uint8_t addrsize;  /* effective address size: 2, 4 or 8 */
	uint8_t seg;       /* segment override (enum x86_seg) or X86_SEG_NONE */
	uint8_t rep;       /* last of F2/F3, or 0 */
	uint8_t sse_prefix;/* mandatory prefix: 0, 0x66, 0xF2 or 0xF3 */
	uint8_t rex;       /* REX byte in force, or 0 */
	bool lock;
	bool opsize_prefix;
	bool addrsize_prefix;
	uint8_t vex;       /* enum x86_vex_kind */

	bool has_modrm;
	uint8_t modrm;
	uint8_t mod;       /* ModRM.mod */
	uint8_t reg;       /* ModRM.reg, extended by REX.R */
	uint8_t rm;        /* ModRM.rm, extended by REX.B (register operand) */

	/* Memory operand (has_modrm && mod != 3, or moffs): */
	bool has_sib;
	uint8_t base;      /* base register or X86_REG_NONE */
	uint8_t index;     /* index register or X86_REG_NONE */
	uint8_t scale;     /* 1, 2, 4 or 8 */
	bool rip_relative;
	uint8_t disp_size;
	int64_t disp;      /* sign-extended displacement (moffs: zero-extended) */

	uint8_t imm_size;  /* bytes of the first immediate */
	uint8_t imm2_size; /* bytes of the second (ENTER ib, far pointer selector) */
	uint64_t imm;      /* first immediate, zero-extended raw bits */
	uint64_t imm2;
};

/*
 * Decodes the instruction at bytes[0..avail). Returns an enum
 * x86_decode_status; only X86_DECODE_OK fills *out completely. Near
 * branches in 64-bit code follow Intel (operand size forced to 64).
 */
int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode,
	       struct x86_insn *out);

/* x86_decode() with X86_DECODE_* options (e.g. AMD branch semantics). */
int x86_decode_ex(const uint8_t *bytes, size_t avail, enum x86_mode mode,
		  unsigned options, struct x86_insn *out);

/* True if the instruction has a memory operand (ModRM with mod != 3 or moffs). */
bool x86_insn_has_mem(const struct x86_insn *insn);

#endif
