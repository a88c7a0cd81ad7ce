/*
 * Operand access for the emulator: general registers (with the AH..BH
 * byte-register aliasing), ModRM effective addresses, segmentation checks
 * (SDM Vol. 3 5.3, 5.4; 64-bit canonical checks 3.3.7.1) and guest memory
 * split at page boundaries.
 */
#include "emulate/emu.h"
#include "hv/string.h"

#define PAGE_SIZE 4096u

int emu_raise(struct emu *e, unsigned vector, bool has_error_code, uint32_t error_code)
{
	e->fault->vector = (uint8_t)vector;
	e->fault->has_error_code = has_error_code;
	e->fault->error_code = error_code;
	e->fault->cr2 = 0;
	return X86_EMU_FAULT;
}

int emu_gp0(struct emu *e)
{
	return emu_raise(e, X86_EXC_GP, true, 0);
}

int emu_ud(struct emu *e)
{
	return emu_raise(e, X86_EXC_UD, false, 0);
}

int emu_seg_fault(struct emu *e, unsigned seg)
{
	return emu_raise(e, seg == X86_SEG_SS ? X86_EXC_SS : X86_EXC_GP, true, 0);
}

bool emu_protected(const struct emu *e)
{
	return (e->st->cr0 & X86_CR0_PE) && !(e->st->rflags & X86_FLAGS_VM);
}

bool emu_64(const struct emu *e)
{
	return e->st->mode == X86_MODE_64;
}

static bool is_high_byte(const struct emu *e, unsigned reg, unsigned size)
{
	return size == 1 && reg >= 4 && reg < 8 && !e->in->rex;
}

uint64_t emu_gpr(const struct emu *e, unsigned reg, unsigned size)
{
	return e->st->gpr[reg] & x86_size_mask(size);
}

/* 32-bit writes zero-extend to 64 bits; 8/16-bit writes merge (SDM 3.4.1.1). */
void emu_set_gpr(struct emu *e, unsigned reg, unsigned size, uint64_t val)
{
	uint64_t mask = x86_size_mask(size);
	uint64_t *r = &e->st->gpr[reg];

	if (size >= 4)
		*r = val & mask;
	else
		*r = (*r & ~mask) | (val & mask);
}

uint64_t emu_reg_read(const struct emu *e, unsigned reg, unsigned size)
{
	if (is_high_byte(e, reg, size))
		return (e->st->gpr[reg - 4] >> 8) & 0xff;
	return emu_gpr(e, reg, size);
}

void emu_reg_write(struct emu *e, unsigned reg, unsigned size, uint64_t val)
{
	if (is_high_byte(e, reg, size)) {
		uint64_t *r = &e->st->gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	emu_set_gpr(e, reg, size, val);
}

uint64_t emu_addr_mask(const struct emu *e)
{
	return x86_size_mask(e->in->addrsize);
}

unsigned emu_default_seg(const struct emu *e, unsigned fallback)
{
	return e->in->seg != X86_SEG_NONE ? e->in->seg : fallback;
}

/* SS is the default for rBP and rSP based addresses (SDM Table 3-5). */
static unsigned modrm_seg(const struct emu *e)
{
	unsigned base = e->in->base;
	bool stack = base == X86_RSP || base == X86_RBP;
	return emu_default_seg(e, stack ? X86_SEG_SS : X86_SEG_DS);
}

uint64_t emu_modrm_ea(const struct emu *e)
{
	const struct x86_insn *in = e->in;
	uint64_t ea = (uint64_t)in->disp;

	if (in->rip_relative)
		ea += e->next_rip;
	if (in->base != X86_REG_NONE)
		ea += e->st->gpr[in->base];
	if (in->index != X86_REG_NONE)
		ea += e->st->gpr[in->index] * in->scale;
	return ea & emu_addr_mask(e);
}

void emu_rm_operand(const struct emu *e, unsigned size, struct emu_operand *op)
{
	op->size = (uint8_t)size;
	op->is_mem = e->in->mod != 3;
	op->reg = e->in->rm;
	op->seg = op->is_mem ? (uint8_t)modrm_seg(e) : 0;
	op->ea = op->is_mem ? emu_modrm_ea(e) : 0;
}

void emu_reg_operand(const struct emu *e, unsigned size, struct emu_operand *op)
{
	op->size = (uint8_t)size;
	op->is_mem = false;
	op->reg = e->in->reg;
	op->seg = 0;
	op->ea = 0;
}

int emu_op_read(struct emu *e, const struct emu_operand *op, uint64_t *val)
{
	if (!op->is_mem) {
		*val = emu_reg_read(e, op->reg, op->size);
		return X86_EMU_OK;
	}
	return emu_read_int(e, op->seg, op->ea, op->size, val);
}

int emu_op_write(struct emu *e, const struct emu_operand *op, uint64_t val)
{
	if (!op->is_mem) {
		emu_reg_write(e, op->reg, op->size, val);
		return X86_EMU_OK;
	}
	return emu_write_int(e, op->seg, op->ea, op->size, val);
}

/* Bits 63:47 all equal (48-bit linear addresses, SDM 3.3.7.1). */
bool emu_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Type and presence checks of a protected-mode segment (SDM 5.4.1). */
static bool segment_usable(const struct x86_segment *s, bool write)
{
	bool code = s->attr & X86_SEG_TYPE_CODE;
	bool rw = s->attr & X86_SEG_TYPE_RW;

	if (!(s->attr & X86_SEG_ATTR_P))
		return false;
	return write ? (!code && rw) : (!code || rw);
}

/* Limit check; expand-down data segments are valid above the limit (5.3). */
static bool within_limit(const struct x86_segment *s, uint64_t ea, unsigned size, bool prot)
{
	uint64_t last = ea + size - 1;
	bool expand_down = prot && !(s->attr & X86_SEG_TYPE_CODE) &&
			   (s->attr & X86_SEG_TYPE_CONFORMING_OR_EXPDOWN);

	if (expand_down) {
		uint64_t upper = (s->attr & X86_SEG_ATTR_DB) ? 0xffffffffull : 0xffff;
		return ea > s->limit && last <= upper;
	}
	return last <= s->limit;
}

int emu_linear(struct emu *e, unsigned seg, uint64_t ea, unsigned size, bool write,
	       uint64_t *linear)
{
	const struct x86_segment *s = &e->st->seg[seg];
	bool prot = emu_protected(e);

	if (emu_64(e)) {
		uint64_t lin = ea + (seg >= X86_SEG_FS ? s->base : 0);
		if (!emu_canonical(lin) || !emu_canonical(lin + size - 1))
			return emu_seg_fault(e, seg);
		*linear = lin;
		return X86_EMU_OK;
	}
	if (prot && !segment_usable(s, write))
		return emu_seg_fault(e, seg);
	if (!within_limit(s, ea, size, prot))
		return emu_seg_fault(e, seg);
	*linear = (s->base + ea) & 0xffffffffull;
	return X86_EMU_OK;
}

/* Splits an access at page boundaries; outside 64-bit mode wraps at 4 GiB. */
static int access_linear(struct emu *e, uint64_t linear, void *data, unsigned size,
			 unsigned flags)
{
	uint8_t *p = data;

	while (size) {
		unsigned chunk = PAGE_SIZE - (unsigned)(linear & (PAGE_SIZE - 1));
		int r;
		if (chunk > size)
			chunk = size;
		if (flags & X86_MEM_WRITE)
			r = e->ops->write_mem(e->ops->ctx, linear, p, chunk, flags, e->fault);
		else
			r = e->ops->read_mem(e->ops->ctx, linear, p, chunk, flags, e->fault);
		if (r != X86_EMU_OK)
			return r;
		p += chunk;
		size -= chunk;
		linear += chunk;
		if (!emu_64(e))
			linear &= 0xffffffffull;
	}
	return X86_EMU_OK;
}

static unsigned user_flag(const struct emu *e)
{
	return e->st->cpl == 3 ? X86_MEM_USER : 0;
}

int emu_read_linear(struct emu *e, uint64_t linear, void *data, unsigned size,
		    unsigned flags)
{
	return access_linear(e, linear, data, size, flags & ~X86_MEM_WRITE);
}

int emu_write_linear(struct emu *e, uint64_t linear, const void *data, unsigned size,
		     unsigned flags)
{
	return access_linear(e, linear, (void *)(uintptr_t)data, size, flags | X86_MEM_WRITE);
}

/* LOCK prefix, or XCHG with memory, which locks implicitly. */
static bool locked(const struct emu *e)
{
	const struct x86_insn *in = e->in;
	return in->lock || (in->map == X86_MAP_ONE && (in->opcode == 0x86 || in->opcode == 0x87) &&
			    in->mod != 3);
}

int emu_read(struct emu *e, unsigned seg, uint64_t ea, void *data, unsigned size)
{
	uint64_t linear;
	int r = emu_linear(e, seg, ea, size, false, &linear);
	if (r != X86_EMU_OK)
		return r;
	r = emu_read_linear(e, linear, data, size, user_flag(e));
	if (r != X86_EMU_OK || !locked(e))
		return r;
	e->locked_read.valid = true;
	e->locked_read.seg = (uint8_t)seg;
	e->locked_read.size = (uint8_t)size;
	e->locked_read.ea = ea;
	memcpy(e->locked_read.data, data, size);
	return X86_EMU_OK;
}

/* The write of a locked read-modify-write, as a compare-exchange with the
 * value read, when the callback exists and the access stays in one page. */
static bool write_is_atomic(const struct emu *e, unsigned seg, uint64_t ea, unsigned size,
			    uint64_t linear)
{
	return locked(e) && e->ops->cmpxchg_mem && e->locked_read.valid &&
	       e->locked_read.seg == seg && e->locked_read.ea == ea &&
	       e->locked_read.size == size && linear / PAGE_SIZE == (linear + size - 1) / PAGE_SIZE;
}

int emu_write(struct emu *e, unsigned seg, uint64_t ea, const void *data, unsigned size)
{
	uint64_t linear;
	bool swapped;
	int r = emu_linear(e, seg, ea, size, true, &linear);
	if (r != X86_EMU_OK)
		return r;
	if (!write_is_atomic(e, seg, ea, size, linear))
		return emu_write_linear(e, linear, data, size, user_flag(e));
	r = e->ops->cmpxchg_mem(e->ops->ctx, linear, e->locked_read.data, data, size,
				user_flag(e) | X86_MEM_WRITE, &swapped, e->fault);
	if (r == X86_EMU_OK && !swapped)
		e->retry = true;
	return r;
}

/* x86 is little-endian, as is every host this builds on. */
int emu_read_int(struct emu *e, unsigned seg, uint64_t ea, unsigned size, uint64_t *val)
{
	uint64_t v = 0;
	int r = emu_read(e, seg, ea, &v, size);
	*val = v;
	return r;
}

int emu_write_int(struct emu *e, unsigned seg, uint64_t ea, unsigned size, uint64_t val)
{
	return emu_write(e, seg, ea, &val, size);
}

void emu_set_status_flags(struct emu *e, uint64_t flags, uint64_t which)
{
	e->st->rflags = (e->st->rflags & ~which) | (flags & which);
}

uint64_t emu_sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

uint64_t emu_imm_sext(const struct x86_insn *in)
{
	return in->imm_size ? emu_sign_extend(in->imm, in->imm_size) : 0;
}
