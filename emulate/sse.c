/*
 * The SSE moves guests use on MMIO: MOVD/MOVQ, MOVDQA/MOVDQU,
 * MOVAPS/MOVUPS and MOVAPD/MOVUPD. XMM registers are reached only through
 * the read_xmm/write_xmm callbacks and values are moved as bytes: the
 * hypervisor is built with -mno-sse and this file must not need SSE.
 */
#include "emulate/emu.h"
#include "hv/string.h"

struct xmm {
	uint8_t b[16];
};

enum sse_kind { SSE_NONE, SSE_MOVD_TO_XMM, SSE_MOVD_FROM_XMM, SSE_MOVQ_LOAD, SSE_MOVQ_STORE,
		SSE_LOAD128, SSE_STORE128 };

/* Which move this is, and whether its memory form must be 16-byte aligned. */
static enum sse_kind classify(const struct x86_insn *in, bool *aligned)
{
	uint8_t op = in->opcode, p = in->sse_prefix;

	*aligned = false;
	if (in->map != X86_MAP_0F)
		return SSE_NONE;
	if ((op == 0x6f || op == 0x7f) && (p == 0x66 || p == 0xf3)) {
		*aligned = p == 0x66; /* MOVDQA vs MOVDQU */
		return op == 0x6f ? SSE_LOAD128 : SSE_STORE128;
	}
	if ((op == 0x28 || op == 0x29 || op == 0x10 || op == 0x11) && (p == 0 || p == 0x66)) {
		*aligned = op == 0x28 || op == 0x29; /* MOVAPS/MOVAPD vs MOVUPS/MOVUPD */
		return (op & 1) ? SSE_STORE128 : SSE_LOAD128;
	}
	if (op == 0x6e && p == 0x66)
		return SSE_MOVD_TO_XMM;
	if (op == 0x7e && p == 0x66)
		return SSE_MOVD_FROM_XMM;
	if (op == 0x7e && p == 0xf3)
		return SSE_MOVQ_LOAD;
	if (op == 0xd6 && p == 0x66)
		return SSE_MOVQ_STORE;
	return SSE_NONE;
}

/* SDM Vol. 3 13.1.4 / 2.5: EM or !OSFXSR is #UD, TS is #NM. */
static int check_usable(struct emu *e)
{
	if ((e->st->cr0 & X86_CR0_EM) || !(e->st->cr4 & X86_CR4_OSFXSR))
		return emu_ud(e);
	if (e->st->cr0 & X86_CR0_TS)
		return emu_raise(e, X86_EXC_NM, false, 0);
	return X86_EMU_OK;
}

static void get_xmm(struct emu *e, unsigned reg, struct xmm *x)
{
	e->ops->read_xmm(e->ops->ctx, reg, x->b);
}

static void put_xmm(struct emu *e, unsigned reg, const struct xmm *x)
{
	e->ops->write_xmm(e->ops->ctx, reg, x->b);
}

/* Reads `size` bytes of the r/m operand (an XMM register or memory). */
static int read_rm(struct emu *e, unsigned size, struct xmm *x)
{
	struct emu_operand rm;
	memset(x, 0, sizeof(*x));
	if (e->in->mod == 3) {
		get_xmm(e, e->in->rm, x);
		memset(x->b + size, 0, sizeof(x->b) - size);
		return X86_EMU_OK;
	}
	emu_rm_operand(e, size, &rm);
	return emu_read(e, rm.seg, rm.ea, x->b, size);
}

static int write_rm(struct emu *e, unsigned size, const struct xmm *x)
{
	struct emu_operand rm;
	if (e->in->mod == 3) {
		struct xmm z = *x;
		memset(z.b + size, 0, sizeof(z.b) - size);
		put_xmm(e, e->in->rm, &z);
		return X86_EMU_OK;
	}
	emu_rm_operand(e, size, &rm);
	return emu_write(e, rm.seg, rm.ea, x->b, size);
}

/* MOVD/MOVQ between an XMM register and a general register or memory. */
static int movd(struct emu *e, bool to_xmm)
{
	unsigned size = e->in->opsize == 8 ? 8 : 4;
	struct emu_operand rm;
	struct xmm x;
	uint64_t v;
	int r;

	emu_rm_operand(e, size, &rm);
	if (to_xmm) {
		r = emu_op_read(e, &rm, &v);
		if (r != X86_EMU_OK)
			return r;
		memset(&x, 0, sizeof(x));
		memcpy(x.b, &v, size);
		put_xmm(e, e->in->reg, &x);
		return X86_EMU_OK;
	}
	get_xmm(e, e->in->reg, &x);
	v = 0;
	memcpy(&v, x.b, size);
	if (!rm.is_mem) {
		emu_set_gpr(e, rm.reg, size, v);
		return X86_EMU_OK;
	}
	return emu_op_write(e, &rm, v);
}

static int move(struct emu *e, enum sse_kind kind)
{
	struct xmm x;
	int r;

	switch (kind) {
	case SSE_MOVD_TO_XMM: return movd(e, true);
	case SSE_MOVD_FROM_XMM: return movd(e, false);
	case SSE_MOVQ_LOAD: case SSE_LOAD128:
		r = read_rm(e, kind == SSE_MOVQ_LOAD ? 8 : 16, &x);
		if (r == X86_EMU_OK)
			put_xmm(e, e->in->reg, &x);
		return r;
	default: /* SSE_MOVQ_STORE, SSE_STORE128 */
		get_xmm(e, e->in->reg, &x);
		return write_rm(e, kind == SSE_MOVQ_STORE ? 8 : 16, &x);
	}
}

int emu_exec_sse(struct emu *e)
{
	bool aligned;
	enum sse_kind kind = classify(e->in, &aligned);
	int r;

	if (kind == SSE_NONE || !e->ops->read_xmm || !e->ops->write_xmm)
		return X86_EMU_UNHANDLED;
	r = check_usable(e);
	if (r != X86_EMU_OK)
		return r;
	if (aligned && e->in->mod != 3 && (emu_modrm_ea(e) & 15))
		return emu_gp0(e);
	return move(e, kind);
}
