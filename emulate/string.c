/*
 * String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE
 * (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ", Vol. 1 7.3.9).
 *
 * A REP instruction runs at most X86_EMU_REP_CHUNK iterations per call; if
 * rCX is not yet exhausted it returns with RIP unchanged and
 * rep_incomplete set, as if interrupted, and the guest re-executes it (so
 * too when the caller's rep_yield asks for it). A fault or deferral in
 * iteration k keeps the register progress of iterations < k.
 */
#include "emulate/emu.h"

enum string_op { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

struct string_insn {
	enum string_op op;
	unsigned size;  /* element size */
	unsigned src_seg;
};

static bool decode_string(const struct emu *e, struct string_insn *s)
{
	uint8_t op = e->in->opcode;

	if (e->in->map != X86_MAP_ONE)
		return false;
	switch (op & ~1) {
	case 0xa4: s->op = STR_MOVS; break;
	case 0xa6: s->op = STR_CMPS; break;
	case 0xaa: s->op = STR_STOS; break;
	case 0xac: s->op = STR_LODS; break;
	case 0xae: s->op = STR_SCAS; break;
	case 0x6c: s->op = STR_INS; break;
	case 0x6e: s->op = STR_OUTS; break;
	default: return false;
	}
	s->size = (op & 1) ? e->in->opsize : 1;
	if (s->size == 8 && (s->op == STR_INS || s->op == STR_OUTS))
		s->size = 4; /* INS/OUTS have no 64-bit form */
	s->src_seg = emu_default_seg(e, X86_SEG_DS);
	return true;
}

/* Advances rSI or rDI by one element in the direction DF says. */
static void advance(struct emu *e, unsigned reg, unsigned size)
{
	unsigned as = e->in->addrsize;
	uint64_t delta = (e->st->rflags & X86_FLAGS_DF) ? (uint64_t)-(int64_t)size : size;
	emu_set_gpr(e, reg, as, emu_gpr(e, reg, as) + delta);
}

static int port_in(struct emu *e, unsigned size, uint64_t *v)
{
	uint32_t val = 0;
	int r;

	if (!e->ops->io_in)
		return X86_EMU_UNHANDLED;
	r = e->ops->io_in(e->ops->ctx, (uint16_t)e->st->gpr[X86_RDX], size, &val, e->fault);
	*v = val;
	return r;
}

static int port_out(struct emu *e, unsigned size, uint64_t v)
{
	if (!e->ops->io_out)
		return X86_EMU_UNHANDLED;
	return e->ops->io_out(e->ops->ctx, (uint16_t)e->st->gpr[X86_RDX], size, (uint32_t)v,
			      e->fault);
}

static void compare(struct emu *e, uint64_t a, uint64_t b, unsigned size)
{
	uint64_t f;
	x86_alu_sub(a, b, 0, size, &f);
	emu_set_status_flags(e, f, X86_FLAGS_STATUS);
}

/* One iteration; registers move only once all its accesses succeeded. */
static int iterate(struct emu *e, const struct string_insn *s)
{
	uint64_t si = emu_gpr(e, X86_RSI, e->in->addrsize);
	uint64_t di = emu_gpr(e, X86_RDI, e->in->addrsize);
	unsigned n = s->size;
	uint64_t a = 0, b = 0;
	int r = X86_EMU_OK;

	switch (s->op) {
	case STR_MOVS:
		r = emu_read_int(e, s->src_seg, si, n, &a);
		if (r == X86_EMU_OK)
			r = emu_write_int(e, X86_SEG_ES, di, n, a);
		break;
	case STR_CMPS:
		r = emu_read_int(e, s->src_seg, si, n, &a);
		if (r == X86_EMU_OK)
			r = emu_read_int(e, X86_SEG_ES, di, n, &b);
		if (r == X86_EMU_OK)
			compare(e, a, b, n);
		break;
	case STR_STOS:
		r = emu_write_int(e, X86_SEG_ES, di, n, emu_gpr(e, X86_RAX, n));
		break;
	case STR_LODS:
		r = emu_read_int(e, s->src_seg, si, n, &a);
		if (r == X86_EMU_OK)
			emu_set_gpr(e, X86_RAX, n, a);
		break;
	case STR_SCAS:
		r = emu_read_int(e, X86_SEG_ES, di, n, &b);
		if (r == X86_EMU_OK)
			compare(e, emu_gpr(e, X86_RAX, n), b, n);
		break;
	case STR_INS:
		r = port_in(e, n, &a);
		if (r == X86_EMU_OK)
			r = emu_write_int(e, X86_SEG_ES, di, n, a);
		break;
	case STR_OUTS:
		r = emu_read_int(e, s->src_seg, si, n, &a);
		if (r == X86_EMU_OK)
			r = port_out(e, n, a);
		break;
	}
	if (r != X86_EMU_OK)
		return r;
	if (s->op == STR_MOVS || s->op == STR_CMPS || s->op == STR_LODS || s->op == STR_OUTS)
		advance(e, X86_RSI, n);
	if (s->op != STR_LODS && s->op != STR_OUTS)
		advance(e, X86_RDI, n);
	return X86_EMU_OK;
}

/* REPE/REPNE end CMPS and SCAS early on the ZF condition. */
static bool repeat_condition_ends(const struct emu *e, const struct string_insn *s)
{
	bool zf = e->st->rflags & X86_FLAGS_ZF;

	if (s->op != STR_CMPS && s->op != STR_SCAS)
		return false;
	return e->in->rep == 0xf3 ? !zf : zf;
}

static int run_repeated(struct emu *e, const struct string_insn *s)
{
	unsigned as = e->in->addrsize;

	for (unsigned done = 0;; done++) {
		int r;
		if (emu_gpr(e, X86_RCX, as) == 0)
			return X86_EMU_OK;
		if (done == X86_EMU_REP_CHUNK) {
			e->rep_incomplete = true;
			return X86_EMU_OK;
		}
		r = iterate(e, s);
		if (r != X86_EMU_OK) {
			/* Keep the progress made, RIP still at the instruction. */
			*e->committed = *e->st;
			return r;
		}
		emu_set_gpr(e, X86_RCX, as, emu_gpr(e, X86_RCX, as) - 1);
		if (repeat_condition_ends(e, s))
			return X86_EMU_OK;
		if (emu_gpr(e, X86_RCX, as) != 0 && e->ops->rep_yield &&
		    e->ops->rep_yield(e->ops->ctx)) {
			e->rep_incomplete = true;
			return X86_EMU_OK;
		}
	}
}

int emu_exec_string(struct emu *e)
{
	struct string_insn s;

	if (!decode_string(e, &s))
		return X86_EMU_UNHANDLED;
	if (!e->in->rep)
		return iterate(e, &s);
	return run_repeated(e, &s);
}
