/*
 * Privileged and system instructions: MOV to/from CR and DR, CLTS, LMSW,
 * SMSW, LGDT/LIDT, SGDT/SIDT, INVLPG, CPUID, RDMSR/WRMSR, HLT, INVD/WBINVD.
 * Side effects outside the register state go through the callbacks.
 */
#include "emulate/emu.h"

#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_UMIP (1ull << 11)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static bool privileged(const struct emu *e)
{
	return e->st->cpl == 0;
}

/* Operand size of MOV CR/DR: 64 bits in 64-bit mode, else 32 (SDM MOV CR). */
static unsigned control_size(const struct emu *e)
{
	return emu_64(e) ? 8 : 4;
}

static uint64_t *cr_slot(struct x86_cpu_state *st, unsigned cr)
{
	switch (cr) {
	case 0: return &st->cr0;
	case 2: return &st->cr2;
	case 3: return &st->cr3;
	case 4: return &st->cr4;
	case 8: return &st->cr8;
	default: return NULL;
	}
}

/*
 * Architectural checks on a CR value (SDM 2.5 and the MOV CR #GP list;
 * long-mode activation rules of SDM 9.8.5): PG needs PE, NW needs CD,
 * paging with EFER.LME needs CR4.PAE, 64-bit code cannot turn paging off,
 * PAE cannot be cleared while long mode is active.
 */
static bool cr_value_valid(const struct emu *e, unsigned cr, uint64_t val)
{
	const struct x86_cpu_state *st = e->st;

	if (cr == 0) {
		if ((val >> 32) || ((val & CR0_PG) && !(val & X86_CR0_PE)) ||
		    ((val & CR0_NW) && !(val & CR0_CD)))
			return false;
		if ((val & CR0_PG) && !(st->cr0 & CR0_PG) && (st->efer & EFER_LME) &&
		    !(st->cr4 & CR4_PAE))
			return false;
		return (val & CR0_PG) || !emu_64(e);
	}
	if (cr == 4)
		return (val & CR4_PAE) || !(st->efer & EFER_LMA);
	if (cr == 8)
		return val <= 15;
	return true;
}

/* The CPU sets EFER.LMA when paging turns on with LME=1 and clears it when
 * paging turns off. */
static void update_long_mode_active(struct x86_cpu_state *st)
{
	if ((st->cr0 & CR0_PG) && (st->efer & EFER_LME))
		st->efer |= EFER_LMA;
	else
		st->efer &= ~EFER_LMA;
}

static int write_cr(struct emu *e, unsigned cr, uint64_t val)
{
	int r;

	if (!cr_value_valid(e, cr, val))
		return emu_gp0(e);
	if (!e->ops->write_cr)
		return X86_EMU_UNHANDLED;
	r = e->ops->write_cr(e->ops->ctx, cr, val, e->fault);
	if (r != X86_EMU_OK)
		return r;
	*cr_slot(e->st, cr) = val;
	if (cr == 0)
		update_long_mode_active(e->st);
	return X86_EMU_OK;
}

/* 0F 20 / 0F 22; LOCK selects CR8 (AMD's encoding for 32-bit code). */
static int mov_cr(struct emu *e)
{
	unsigned cr = e->in->reg + (e->in->lock ? 8 : 0), size = control_size(e);
	uint64_t *slot = cr_slot(e->st, cr);

	if (!slot)
		return emu_ud(e);
	if (!privileged(e))
		return emu_gp0(e);
	if (e->in->opcode == 0x20) {
		emu_set_gpr(e, e->in->rm, size, *slot);
		return X86_EMU_OK;
	}
	return write_cr(e, cr, emu_gpr(e, e->in->rm, size));
}

/* 0F 21 / 0F 23; DR4/DR5 alias DR6/DR7 unless CR4.DE (SDM 18.2.2). */
static int mov_dr(struct emu *e)
{
	unsigned dr = e->in->reg, size = control_size(e);
	uint64_t val;
	int r;

	if (dr > 7 || ((dr == 4 || dr == 5) && (e->st->cr4 & X86_CR4_DE)))
		return emu_ud(e);
	if (!privileged(e))
		return emu_gp0(e);
	if (dr == 4 || dr == 5)
		dr += 2;
	if (!e->ops->read_dr || !e->ops->write_dr)
		return X86_EMU_UNHANDLED;
	if (e->in->opcode == 0x23)
		return e->ops->write_dr(e->ops->ctx, dr, emu_gpr(e, e->in->rm, size), e->fault);
	r = e->ops->read_dr(e->ops->ctx, dr, &val, e->fault);
	if (r == X86_EMU_OK)
		emu_set_gpr(e, e->in->rm, size, val);
	return r;
}

static int clts(struct emu *e)
{
	if (!privileged(e))
		return emu_gp0(e);
	return write_cr(e, 0, e->st->cr0 & ~X86_CR0_TS);
}

/* LMSW loads CR0[3:0] but cannot clear PE. */
static int lmsw(struct emu *e)
{
	struct emu_operand rm;
	uint64_t v;
	int r;

	if (!privileged(e))
		return emu_gp0(e);
	emu_rm_operand(e, 2, &rm);
	r = emu_op_read(e, &rm, &v);
	if (r != X86_EMU_OK)
		return r;
	v = (e->st->cr0 & ~0xeull) | (v & 0xf) | (e->st->cr0 & X86_CR0_PE);
	return write_cr(e, 0, v);
}

static bool umip_blocks(const struct emu *e)
{
	return (e->st->cr4 & CR4_UMIP) && e->st->cpl > 0;
}

static int smsw(struct emu *e)
{
	struct emu_operand rm;

	if (umip_blocks(e))
		return emu_gp0(e);
	emu_rm_operand(e, e->in->mod == 3 ? e->in->opsize : 2, &rm);
	return emu_op_write(e, &rm, e->st->cr0);
}

/* LGDT/LIDT m16&32 or m16&64; with 16-bit operands outside 64-bit mode
 * only 24 bits of base are loaded. */
static int load_dtable(struct emu *e, struct x86_dtable *t)
{
	unsigned base_size = emu_64(e) ? 8 : 4;
	struct emu_operand rm;
	uint64_t limit, base;
	int r;

	if (!privileged(e))
		return emu_gp0(e);
	emu_rm_operand(e, 2, &rm);
	r = emu_read_int(e, rm.seg, rm.ea, 2, &limit);
	if (r == X86_EMU_OK)
		r = emu_read_int(e, rm.seg, (rm.ea + 2) & emu_addr_mask(e), base_size, &base);
	if (r != X86_EMU_OK)
		return r;
	if (!emu_64(e) && e->in->opsize == 2)
		base &= 0xffffff;
	t->limit = (uint16_t)limit;
	t->base = base;
	return X86_EMU_OK;
}

static int store_dtable(struct emu *e, const struct x86_dtable *t)
{
	struct emu_operand rm;
	int r;

	if (umip_blocks(e))
		return emu_gp0(e);
	emu_rm_operand(e, 2, &rm);
	r = emu_write_int(e, rm.seg, rm.ea, 2, t->limit);
	if (r != X86_EMU_OK)
		return r;
	return emu_write_int(e, rm.seg, (rm.ea + 2) & emu_addr_mask(e), emu_64(e) ? 8 : 4,
			     t->base);
}

static int invlpg(struct emu *e)
{
	struct emu_operand rm;
	uint64_t base;

	if (!privileged(e))
		return emu_gp0(e);
	if (!e->ops->invlpg)
		return X86_EMU_UNHANDLED;
	emu_rm_operand(e, 1, &rm);
	base = emu_64(e) && rm.seg < X86_SEG_FS ? 0 : e->st->seg[rm.seg].base;
	e->ops->invlpg(e->ops->ctx, emu_64(e) ? base + rm.ea : (base + rm.ea) & 0xffffffffull);
	return X86_EMU_OK;
}

/* 0F 01 memory forms; the register forms (VMCALL, SWAPGS, ...) are other
 * instructions and unhandled here. */
static int group7(struct emu *e)
{
	unsigned r = e->in->reg & 7;

	if (e->in->mod == 3 && r != 4 && r != 6)
		return X86_EMU_UNHANDLED;
	switch (r) {
	case 0: return store_dtable(e, &e->st->gdtr);
	case 1: return store_dtable(e, &e->st->idtr);
	case 2: return load_dtable(e, &e->st->gdtr);
	case 3: return load_dtable(e, &e->st->idtr);
	case 4: return smsw(e);
	case 6: return lmsw(e);
	case 7: return invlpg(e);
	default: return X86_EMU_UNHANDLED;
	}
}

static int cpuid(struct emu *e)
{
	uint32_t out[4] = { 0, 0, 0, 0 };

	if (!e->ops->cpuid)
		return X86_EMU_UNHANDLED;
	e->ops->cpuid(e->ops->ctx, (uint32_t)e->st->gpr[X86_RAX], (uint32_t)e->st->gpr[X86_RCX],
		      out);
	emu_set_gpr(e, X86_RAX, 4, out[0]);
	emu_set_gpr(e, X86_RBX, 4, out[1]);
	emu_set_gpr(e, X86_RCX, 4, out[2]);
	emu_set_gpr(e, X86_RDX, 4, out[3]);
	return X86_EMU_OK;
}

static int rdmsr(struct emu *e)
{
	uint64_t v;
	int r;

	if (!privileged(e))
		return emu_gp0(e);
	if (!e->ops->read_msr)
		return X86_EMU_UNHANDLED;
	r = e->ops->read_msr(e->ops->ctx, (uint32_t)e->st->gpr[X86_RCX], &v, e->fault);
	if (r != X86_EMU_OK)
		return r;
	emu_set_gpr(e, X86_RAX, 4, v & 0xffffffffull);
	emu_set_gpr(e, X86_RDX, 4, v >> 32);
	return X86_EMU_OK;
}

static int wrmsr(struct emu *e)
{
	uint64_t v = emu_gpr(e, X86_RAX, 4) | (emu_gpr(e, X86_RDX, 4) << 32);

	if (!privileged(e))
		return emu_gp0(e);
	if (!e->ops->write_msr)
		return X86_EMU_UNHANDLED;
	return e->ops->write_msr(e->ops->ctx, (uint32_t)e->st->gpr[X86_RCX], v, e->fault);
}

/* Instructions that only need CPL 0 and then do nothing an emulator sees. */
static int privileged_nop(struct emu *e)
{
	return privileged(e) ? X86_EMU_OK : emu_gp0(e);
}

static int hlt(struct emu *e)
{
	return privileged(e) ? X86_EMU_HALT : emu_gp0(e);
}

int emu_exec_system(struct emu *e)
{
	if (e->in->map == X86_MAP_ONE)
		return e->in->opcode == 0xf4 ? hlt(e) : X86_EMU_UNHANDLED;
	if (e->in->map != X86_MAP_0F)
		return X86_EMU_UNHANDLED;
	switch (e->in->opcode) {
	case 0x01: return group7(e);
	case 0x06: return clts(e);
	case 0x08: case 0x09: return privileged_nop(e); /* INVD, WBINVD */
	case 0x20: case 0x22: return mov_cr(e);
	case 0x21: case 0x23: return mov_dr(e);
	case 0x30: return wrmsr(e);
	case 0x32: return rdmsr(e);
	case 0xa2: return cpuid(e);
	default: return X86_EMU_UNHANDLED;
	}
}
