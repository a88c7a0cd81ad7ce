/*
 * x86 instruction decoder (SDM Vol. 2 chapter 2, APM Vol. 3 chapter 1).
 * Reads through a bounded cursor so that no path can look past the 15-byte
 * architectural limit or past the bytes the caller fetched.
 */
#include "emulate/decode.h"
#include "emulate/opcodes.h"
#include "hv/string.h"

struct cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
	int status; /* first failure; sticky */
};

static bool cursor_ok(struct cursor *c, size_t ahead)
{
	if (c->status != X86_DECODE_OK)
		return false;
	if (c->pos + ahead >= X86_MAX_INSN_LEN) {
		c->status = X86_DECODE_TOO_LONG;
		return false;
	}
	if (c->pos + ahead >= c->avail) {
		c->status = X86_DECODE_NEED_MORE;
		return false;
	}
	return true;
}

static bool next_byte(struct cursor *c, uint8_t *b)
{
	if (!cursor_ok(c, 0))
		return false;
	*b = c->bytes[c->pos++];
	return true;
}

static bool peek_byte(struct cursor *c, uint8_t *b)
{
	if (!cursor_ok(c, 0))
		return false;
	*b = c->bytes[c->pos];
	return true;
}

/* Little-endian value of `size` bytes. */
static bool next_le(struct cursor *c, unsigned size, uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b;
		if (!next_byte(c, &b))
			return false;
		*v |= (uint64_t)b << (8 * i);
	}
	return true;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;
	return (int64_t)(v << shift) >> shift;
}

static void apply_segment_prefix(struct x86_insn *in, enum x86_seg seg)
{
	/* SDM 3.3.7.1: 64-bit code ignores ES/CS/SS/DS overrides. */
	if (in->mode == X86_MODE_64 && seg < X86_SEG_FS)
		return;
	in->seg = seg;
}

/* Applies a legacy prefix; returns false if `b` is not one. */
static bool apply_legacy_prefix(struct x86_insn *in, uint8_t b)
{
	switch (b) {
	case 0x26: apply_segment_prefix(in, X86_SEG_ES); return true;
	case 0x2e: apply_segment_prefix(in, X86_SEG_CS); return true;
	case 0x36: apply_segment_prefix(in, X86_SEG_SS); return true;
	case 0x3e: apply_segment_prefix(in, X86_SEG_DS); return true;
	case 0x64: apply_segment_prefix(in, X86_SEG_FS); return true;
	case 0x65: apply_segment_prefix(in, X86_SEG_GS); return true;
	case 0x66: in->opsize_prefix = true; return true;
	case 0x67: in->addrsize_prefix = true; return true;
	case 0xf0: in->lock = true; return true;
	case 0xf2:
	case 0xf3: in->rep = b; return true;
	default: return false;
	}
}

/*
 * Consumes prefixes and returns the first opcode byte in *b. A REX prefix
 * counts only if it immediately precedes the opcode (SDM 2.2.1).
 */
static bool read_prefixes(struct cursor *c, struct x86_insn *in, uint8_t *b)
{
	for (;;) {
		if (!next_byte(c, b))
			return false;
		if (apply_legacy_prefix(in, *b)) {
			in->rex = 0;
			continue;
		}
		if (in->mode == X86_MODE_64 && (*b & 0xf0) == 0x40) {
			in->rex = *b;
			continue;
		}
		return true;
	}
}

static void set_sizes(struct x86_insn *in, uint16_t flags, unsigned options)
{
	bool p66 = in->opsize_prefix, p67 = in->addrsize_prefix;

	switch (in->mode) {
	case X86_MODE_16:
		in->opsize = p66 ? 4 : 2;
		in->addrsize = p67 ? 4 : 2;
		return;
	case X86_MODE_32:
		in->opsize = p66 ? 2 : 4;
		in->addrsize = p67 ? 2 : 4;
		return;
	case X86_MODE_64:
		in->addrsize = p67 ? 4 : 8;
		if (in->rex & 8)
			in->opsize = 8;
		else if ((flags & X86_OP_F64) && !(options & X86_DECODE_AMD))
			in->opsize = 8; /* Intel ignores 66 on near branches */
		else if (p66)
			in->opsize = 2;
		else if (flags & (X86_OP_DEF64 | X86_OP_F64))
			in->opsize = 8;
		else
			in->opsize = 4;
		return;
	}
}

/*
 * FF /2 /4 (near CALL/JMP) are f64 and FF /6 (PUSH) is d64 in 64-bit code:
 * known only once ModRM.reg is (SDM Table A-6 superscripts).
 */
static void adjust_group_sizes(struct x86_insn *in, unsigned options)
{
	unsigned r = (in->modrm >> 3) & 7;

	if (in->mode != X86_MODE_64 || in->map != X86_MAP_ONE || in->opcode != 0xff)
		return;
	if (r == 2 || r == 4)
		set_sizes(in, X86_OP_F64, options);
	else if (r == 6)
		set_sizes(in, X86_OP_DEF64, options);
}

static const uint8_t addr16_base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
static const uint8_t addr16_index[8] = { 6, 7, 6, 7, X86_REG_NONE,
					 X86_REG_NONE, X86_REG_NONE, X86_REG_NONE };

/* 16-bit ModRM addressing (SDM Table 2-1). */
static bool read_addr16(struct cursor *c, struct x86_insn *in)
{
	unsigned rm = in->modrm & 7;
	uint64_t disp;

	in->scale = 1;
	in->base = addr16_base[rm];
	in->index = addr16_index[rm];
	if (in->mod == 0 && rm == 6) {
		in->base = X86_REG_NONE;
		in->disp_size = 2;
	} else {
		in->disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
	}
	if (!next_le(c, in->disp_size, &disp))
		return false;
	in->disp = in->disp_size ? sign_extend(disp, in->disp_size) : 0;
	return true;
}

/* 32/64-bit ModRM and SIB addressing (SDM Tables 2-2, 2-3, 2.2.1.6). */
static bool read_addr32(struct cursor *c, struct x86_insn *in)
{
	unsigned rm = in->modrm & 7;
	uint64_t disp;

	in->scale = 1;
	in->disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;
	if (rm == 4) {
		uint8_t sib, index;
		if (!next_byte(c, &sib))
			return false;
		in->has_sib = true;
		in->scale = (uint8_t)(1u << (sib >> 6));
		index = ((sib >> 3) & 7) | ((in->rex & 2) << 2);
		in->index = index == 4 ? X86_REG_NONE : index;
		if ((sib & 7) == 5 && in->mod == 0) {
			in->base = X86_REG_NONE;
			in->disp_size = 4;
		} else {
			in->base = (sib & 7) | ((in->rex & 1) << 3);
		}
	} else if (rm == 5 && in->mod == 0) {
		in->disp_size = 4;
		in->rip_relative = in->mode == X86_MODE_64;
	} else {
		in->base = in->rm;
	}
	if (!next_le(c, in->disp_size, &disp))
		return false;
	in->disp = in->disp_size ? sign_extend(disp, in->disp_size) : 0;
	return true;
}

static bool read_modrm(struct cursor *c, struct x86_insn *in, uint16_t flags)
{
	if (!next_byte(c, &in->modrm))
		return false;
	in->has_modrm = true;
	in->mod = in->modrm >> 6;
	in->reg = ((in->modrm >> 3) & 7) | ((in->rex & 4) << 1);
	in->rm = (in->modrm & 7) | ((in->rex & 1) << 3);
	if (flags & X86_OP_REG_ONLY) {
		in->mod = 3; /* SDM MOV CR: "the mod field is ignored" */
		return true;
	}
	if (in->mod == 3)
		return true;
	return in->addrsize == 2 ? read_addr16(c, in) : read_addr32(c, in);
}

static unsigned imm_size(enum x86_imm_kind kind, const struct x86_insn *in)
{
	switch (kind) {
	case X86_IMM_B: return 1;
	case X86_IMM_W: case X86_IMM_WB: return 2;
	case X86_IMM_Z: case X86_IMM_FAR: return in->opsize == 2 ? 2 : 4;
	case X86_IMM_V: return in->opsize;
	case X86_IMM_MOFFS: return in->addrsize;
	default: return 0;
	}
}

static unsigned imm2_size(enum x86_imm_kind kind)
{
	return kind == X86_IMM_FAR ? 2 : kind == X86_IMM_WB ? 1 : 0;
}

/* The immediate kind, where it depends on more than the opcode. */
static enum x86_imm_kind effective_imm(const struct x86_insn *in, uint16_t flags,
				       unsigned options)
{
	if ((flags & X86_OP_GRP3_IMM) && ((in->modrm >> 3) & 7) < 2)
		return in->opcode == 0xf6 ? X86_IMM_B : X86_IMM_Z;
	/* AMD SSE4a EXTRQ/INSERTQ with two imm8 (APM Vol. 4). */
	if (in->map == X86_MAP_0F && in->opcode == 0x78 && (options & X86_DECODE_AMD) &&
	    (in->sse_prefix == 0x66 || in->sse_prefix == 0xf2))
		return X86_IMM_W;
	return x86_opcode_imm(flags);
}

static bool read_immediates(struct cursor *c, struct x86_insn *in, enum x86_imm_kind kind)
{
	in->imm_size = (uint8_t)imm_size(kind, in);
	in->imm2_size = (uint8_t)imm2_size(kind);
	if (!next_le(c, in->imm_size, &in->imm))
		return false;
	if (kind == X86_IMM_MOFFS) {
		in->disp = (int64_t)in->imm;
		in->disp_size = in->imm_size;
	}
	return next_le(c, in->imm2_size, &in->imm2);
}

/*
 * Two-byte opcodes whose ModRM.reg, ModRM.mod or mandatory prefix decide
 * validity (SDM Tables ): groups, memory-only and register-only
 * forms, SSE opcodes that exist only with a 66/F2/F3 prefix.
 */
static bool map_0f_form_valid(const struct x86_insn *in, unsigned options)
{
	unsigned r = (in->modrm >> 3) & 7;
	bool mem = in->mod != 3, p66 = in->sse_prefix == 0x66;

	switch (in->opcode) {
	case 0x00: return r < 6;
	case 0xba: return r >= 4;
	case 0x0d: case 0x13: case 0x17: case 0x2b: case 0xb2: case 0xb4: case 0xb5:
	case 0xc3: case 0xe7: return mem;
	case 0x50: case 0xc5: case 0xd7: case 0xf7: return !mem;
	case 0x71: case 0x72: return !mem && (r == 2 || r == 4 || r == 6);
	case 0x73: return !mem && (r == 2 || r == 6 || ((r == 3 || r == 7) && p66));
	case 0x6c: case 0x6d: case 0x7c: case 0x7d: case 0xd0: case 0xd6: case 0xe6:
		return in->sse_prefix != 0;
	case 0xb8: return in->sse_prefix == 0xf3; /* POPCNT */
	case 0xf0: return mem && in->sse_prefix == 0xf2; /* LDDQU */
	case 0xae: /* fences; F3: xxFSBASE/xxGSBASE (64-bit code), PTWRITE */
		return mem || r >= 5 ||
		       (in->sse_prefix == 0xf3 && (r == 4 || in->mode == X86_MODE_64));
	case 0xc7: /* CMPXCHG8B, XRSTORS/XSAVEC/XSAVES, RDRAND/RDSEED, VMPTRLD/ST */
		return r != 0 && r != 2 && (mem || r >= 6);
	case 0x78: case 0x79: /* VMREAD/VMWRITE, or AMD EXTRQ/INSERTQ */
		return in->sse_prefix == 0 ||
		       (in->sse_prefix != 0xf3 && (options & X86_DECODE_AMD));
	default: return true;
	}
}

/* ModRM.reg restrictions inside opcode groups (SDM Table A-6). */
static bool group_valid(const struct x86_insn *in, unsigned options)
{
	unsigned r = (in->modrm >> 3) & 7;
	bool mem = in->mod != 3;

	if (in->map == X86_MAP_ONE) {
		switch (in->opcode) {
		case 0x8c: return r < 6;
		case 0x8e: return r < 6 && r != X86_SEG_CS;
		case 0x8d: case 0x62: case 0xc4: case 0xc5: return mem;
		case 0x8f: return r == 0;
		case 0xc6: case 0xc7: return r == 0 || in->modrm == 0xf8;
		case 0xfe: return r < 2;
		case 0xff: return r != 7 && (mem || (r != 3 && r != 5));
		default: return true;
		}
	}
	if (in->map == X86_MAP_0F)
		return map_0f_form_valid(in, options);
	return true;
}

/* LOCK is legal only on read-modify-write memory forms (SDM LOCK). */
static bool lock_valid(const struct x86_insn *in)
{
	unsigned r = (in->modrm >> 3) & 7;

	if (!in->lock)
		return true;
	if (in->map == X86_MAP_0F && (in->opcode == 0x20 || in->opcode == 0x22))
		return true; /* AMD: LOCK MOV CR0 is MOV CR8 */
	if (!in->has_modrm || in->mod == 3 || in->vex)
		return false;
	if (in->map == X86_MAP_ONE) {
		uint8_t op = in->opcode;
		if (op < 0x38 && (op & 7) < 2)
			return true;
		switch (op) {
		case 0x80: case 0x81: case 0x82: case 0x83: return r != 7;
		case 0x86: case 0x87: return true;
		case 0xf6: case 0xf7: return r == 2 || r == 3;
		case 0xfe: case 0xff: return r < 2;
		default: return false;
		}
	}
	if (in->map == X86_MAP_0F) {
		switch (in->opcode) {
		case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1:
		case 0xc0: case 0xc1: return true;
		case 0xba: return r >= 5;
		case 0xc7: return r == 1;
		default: return false;
		}
	}
	return false;
}

/* VEX (C4/C5) and EVEX (62) take the place of LES/LDS/BOUND when they can. */
static bool is_vector_escape(struct cursor *c, const struct x86_insn *in, bool *yes)
{
	uint8_t next;

	*yes = false;
	if (in->map != X86_MAP_ONE ||
	    (in->opcode != 0xc4 && in->opcode != 0xc5 && in->opcode != 0x62))
		return true;
	if (in->mode == X86_MODE_64) {
		*yes = true;
		return true;
	}
	if (!peek_byte(c, &next))
		return false;
	*yes = (next >> 6) == 3;
	return true;
}

/* Immediate of a VEX/EVEX opcode (SDM Vol. 2 3.1.1.x, maps 0F and 0F3A). */
static enum x86_imm_kind vector_imm(const struct x86_insn *in)
{
	if (in->map == X86_MAP_0F3A)
		return X86_IMM_B;
	if (in->map != X86_MAP_0F)
		return X86_IMM_NONE;
	switch (in->opcode) {
	case 0x70: case 0x71: case 0x72: case 0x73:
	case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return X86_IMM_B;
	default:
		return X86_IMM_NONE;
	}
}

/* VEX maps 1-3 are 0F, 0F38, 0F3A; EVEX adds AVX512-FP16 maps 5 and 6. */
static bool vector_map_valid(enum x86_vex_kind kind, unsigned map)
{
	if (map >= 1 && map <= 3)
		return true;
	return kind == X86_VEX_EVEX && (map == 5 || map == 6);
}

/*
 * Reads a VEX or EVEX prefix and the opcode after it. Only the shape is
 * decoded: the emulator executes no vector instruction.
 */
static bool read_vector_prefix(struct cursor *c, struct x86_insn *in)
{
	uint8_t p[3] = { 0, 0, 0 };
	unsigned n = in->opcode == 0xc5 ? 1 : in->opcode == 0xc4 ? 2 : 3;
	unsigned map;

	if (in->rex || in->rep || in->opsize_prefix || in->lock) {
		c->status = X86_DECODE_INVALID;
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (!next_byte(c, &p[i]))
			return false;
	in->vex = in->opcode == 0x62 ? X86_VEX_EVEX : X86_VEX_VEX;
	map = n == 1 ? 1 : n == 2 ? (p[0] & 0x1f) : (p[0] & 7);
	if (!vector_map_valid(in->vex, map) ||
	    (in->vex == X86_VEX_EVEX && (p[0] & 8 || !(p[1] & 4)))) {
		c->status = X86_DECODE_INVALID;
		return false;
	}
	in->map = (uint8_t)map;
	if (in->mode == X86_MODE_64)
		in->rex = (uint8_t)(0x40 | (~p[0] >> 5 & 7) | (n > 1 && (p[1] & 0x80) ? 8 : 0));
	return next_byte(c, &in->opcode);
}

static bool read_opcode(struct cursor *c, struct x86_insn *in, uint8_t b)
{
	in->map = X86_MAP_ONE;
	in->opcode = b;
	if (b != 0x0f)
		return true;
	if (!next_byte(c, &b))
		return false;
	in->map = X86_MAP_0F;
	in->opcode = b;
	if (b != 0x38 && b != 0x3a)
		return true;
	in->map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
	return next_byte(c, &in->opcode);
}

static int decode_vector(struct cursor *c, struct x86_insn *in, unsigned options)
{
	bool modrm = !(in->map == X86_MAP_0F && in->opcode == 0x77 && in->vex == X86_VEX_VEX);

	set_sizes(in, 0, options);
	if (modrm && !read_modrm(c, in, 0))
		return c->status;
	if (!read_immediates(c, in, vector_imm(in)))
		return c->status;
	in->len = (uint8_t)c->pos;
	return X86_DECODE_OK;
}

int x86_decode_ex(const uint8_t *bytes, size_t avail, enum x86_mode mode,
		  unsigned options, struct x86_insn *out)
{
	struct cursor c = { bytes, avail, 0, X86_DECODE_OK };
	uint16_t flags;
	bool vector;
	uint8_t b;

	memset(out, 0, sizeof(*out));
	out->mode = (uint8_t)mode;
	out->seg = X86_SEG_NONE;
	out->base = out->index = X86_REG_NONE;
	if (!read_prefixes(&c, out, &b) || !read_opcode(&c, out, b))
		return c.status;
	out->sse_prefix = out->rep ? out->rep : out->opsize_prefix ? 0x66 : 0;
	if (!is_vector_escape(&c, out, &vector))
		return c.status;
	if (vector) {
		if (!read_vector_prefix(&c, out))
			return c.status;
		return decode_vector(&c, out, options);
	}
	flags = x86_opcode_flags(out->map, out->opcode);
	if ((flags & X86_OP_INVALID) || (mode == X86_MODE_64 && (flags & X86_OP_INV64)))
		return X86_DECODE_INVALID;
	set_sizes(out, flags, options);
	if ((flags & X86_OP_MODRM) && !read_modrm(&c, out, flags))
		return c.status;
	adjust_group_sizes(out, options);
	if (!read_immediates(&c, out, effective_imm(out, flags, options)))
		return c.status;
	if (!group_valid(out, options) || !lock_valid(out))
		return X86_DECODE_INVALID;
	out->len = (uint8_t)c.pos;
	return X86_DECODE_OK;
}

int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode,
	       struct x86_insn *out)
{
	return x86_decode_ex(bytes, avail, mode, 0, out);
}

bool x86_insn_has_mem(const struct x86_insn *in)
{
	if (in->has_modrm)
		return in->mod != 3;
	return in->map == X86_MAP_ONE && in->opcode >= 0xa0 && in->opcode <= 0xa3;
}
