/*
 * Control transfers: Jcc, JMP, CALL, RET (near and far), LOOP/JrCXZ and
 * IRET (SDM Vol. 2). Far transfers change privilege level only through
 * paths this emulator does not take: those are X86_EMU_UNHANDLED.
 */
#include "emulate/emu.h"

/* Sets the next RIP after checking it against CS (limit, or canonical form). */
static int jump_to(struct emu *e, uint64_t target, unsigned size)
{
	target &= x86_size_mask(size);
	if (emu_64(e) ? !emu_canonical(target) : target > e->st->seg[X86_SEG_CS].limit)
		return emu_gp0(e);
	e->next_rip = target;
	return X86_EMU_OK;
}

static int jump_relative(struct emu *e)
{
	return jump_to(e, e->next_rip + emu_imm_sext(e->in), e->in->opsize);
}

/* E0-E3: LOOPNE, LOOPE, LOOP (count in rCX of address size), JrCXZ. */
static int loop(struct emu *e)
{
	unsigned as = e->in->addrsize;
	uint64_t count = emu_gpr(e, X86_RCX, as);
	bool zf = e->st->rflags & X86_FLAGS_ZF, taken;

	if (e->in->opcode == 0xe3)
		return count == 0 ? jump_relative(e) : X86_EMU_OK;
	count = (count - 1) & x86_size_mask(as);
	emu_set_gpr(e, X86_RCX, as, count);
	taken = count != 0;
	if (e->in->opcode == 0xe1)
		taken = taken && zf;
	else if (e->in->opcode == 0xe0)
		taken = taken && !zf;
	return taken ? jump_relative(e) : X86_EMU_OK;
}

static int call_near(struct emu *e, uint64_t target)
{
	uint64_t ret = e->next_rip;
	int r = jump_to(e, target, e->in->opsize);

	return r != X86_EMU_OK ? r : emu_push(e, ret, e->in->opsize);
}

static int ret_near(struct emu *e)
{
	unsigned ss = emu_stack_size(e);
	uint64_t target;
	int r = emu_pop(e, &target, e->in->opsize);

	if (r != X86_EMU_OK)
		return r;
	emu_set_gpr(e, X86_RSP, ss, emu_gpr(e, X86_RSP, ss) + (e->in->imm & 0xffff));
	return jump_to(e, target, e->in->opsize);
}

static int far_jump(struct emu *e, uint16_t sel, uint64_t offset)
{
	int r = emu_load_code_segment(e, sel);
	return r != X86_EMU_OK ? r : jump_to(e, offset, e->in->opsize);
}

static int far_call(struct emu *e, uint16_t sel, uint64_t offset)
{
	unsigned size = e->in->opsize;
	int r = emu_push(e, e->st->seg[X86_SEG_CS].sel, size);

	if (r == X86_EMU_OK)
		r = emu_push(e, e->next_rip, size);
	return r != X86_EMU_OK ? r : far_jump(e, sel, offset);
}

/* CA/CB: RET far; a return to an outer privilege level is unhandled. */
static int ret_far(struct emu *e)
{
	unsigned size = e->in->opsize, ss = emu_stack_size(e);
	uint64_t offset, sel;
	int r = emu_pop(e, &offset, size);

	if (r == X86_EMU_OK)
		r = emu_pop(e, &sel, size);
	if (r != X86_EMU_OK)
		return r;
	if (emu_protected(e) && (sel & 3) > e->st->cpl)
		return X86_EMU_UNHANDLED;
	emu_set_gpr(e, X86_RSP, ss, emu_gpr(e, X86_RSP, ss) + (e->in->imm & 0xffff));
	return far_jump(e, (uint16_t)sel, offset);
}

/* Far pointer in memory (FF /3, /5): offset of operand size, then selector. */
static int read_far_pointer(struct emu *e, uint16_t *sel, uint64_t *offset)
{
	struct emu_operand rm;
	uint64_t s;
	int r;

	emu_rm_operand(e, e->in->opsize, &rm);
	r = emu_op_read(e, &rm, offset);
	if (r == X86_EMU_OK)
		r = emu_read_int(e, rm.seg, (rm.ea + rm.size) & emu_addr_mask(e), 2, &s);
	*sel = (uint16_t)s;
	return r;
}

/* RFLAGS bits IRET may change (SDM IRET operation, by privilege). */
static uint64_t iret_flag_mask(const struct emu *e)
{
	uint64_t m = X86_FLAGS_STATUS | X86_FLAGS_TF | X86_FLAGS_DF | X86_FLAGS_NT |
		     X86_FLAGS_RF | X86_FLAGS_AC | X86_FLAGS_ID;
	unsigned iopl = (e->st->rflags & X86_FLAGS_IOPL) >> 12;

	if (!emu_protected(e) || e->st->cpl <= iopl)
		m |= X86_FLAGS_IF;
	if (!emu_protected(e) || e->st->cpl == 0)
		m |= X86_FLAGS_IOPL;
	if (emu_protected(e) && e->st->cpl == 0)
		m |= X86_FLAGS_VIF | X86_FLAGS_VIP;
	if (e->in->opsize == 2)
		m &= 0xffff;
	return m;
}

static int iret(struct emu *e)
{
	unsigned size = e->in->opsize;
	uint64_t ip, cs, flags, sp = 0, ss = 0, mask;
	int r;

	if (e->st->rflags & X86_FLAGS_VM)
		return X86_EMU_UNHANDLED; /* virtual-8086 IRET (IOPL/VME rules) */
	if (emu_protected(e) && (e->st->rflags & X86_FLAGS_NT))
		return X86_EMU_UNHANDLED; /* task return */
	mask = iret_flag_mask(e);
	r = emu_pop(e, &ip, size);
	if (r == X86_EMU_OK)
		r = emu_pop(e, &cs, size);
	if (r == X86_EMU_OK)
		r = emu_pop(e, &flags, size);
	if (r == X86_EMU_OK && emu_64(e))
		r = emu_pop(e, &sp, size);
	if (r == X86_EMU_OK && emu_64(e))
		r = emu_pop(e, &ss, size);
	if (r != X86_EMU_OK)
		return r;
	if (emu_protected(e) && ((cs & 3) != e->st->cpl || ((flags & X86_FLAGS_VM) && size != 2)))
		return X86_EMU_UNHANDLED; /* privilege change or return to VM86 */
	e->st->rflags = (e->st->rflags & ~mask) | (flags & mask) | X86_FLAGS_FIXED1;
	e->loaded_rf = true;
	r = far_jump(e, (uint16_t)cs, ip);
	if (r != X86_EMU_OK || !emu_64(e))
		return r;
	r = emu_load_segment(e, X86_SEG_SS, (uint16_t)ss);
	if (r == X86_EMU_OK)
		e->st->gpr[X86_RSP] = sp;
	return r;
}

static int group5(struct emu *e)
{
	struct emu_operand rm;
	uint64_t target, offset;
	uint16_t sel;
	int r;

	switch (e->in->reg & 7) {
	case 2: case 4:
		emu_rm_operand(e, e->in->opsize, &rm);
		r = emu_op_read(e, &rm, &target);
		if (r != X86_EMU_OK)
			return r;
		return (e->in->reg & 7) == 2 ? call_near(e, target) : jump_to(e, target, e->in->opsize);
	case 3: case 5:
		r = read_far_pointer(e, &sel, &offset);
		if (r != X86_EMU_OK)
			return r;
		return (e->in->reg & 7) == 3 ? far_call(e, sel, offset) : far_jump(e, sel, offset);
	default:
		return X86_EMU_UNHANDLED;
	}
}

static int exec_one_byte(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (op >= 0x70 && op <= 0x7f)
		return x86_condition(op, e->st->rflags) ? jump_relative(e) : X86_EMU_OK;
	if (op >= 0xe0 && op <= 0xe3)
		return loop(e);
	switch (op) {
	case 0xe9: case 0xeb: return jump_relative(e);
	case 0xe8: return call_near(e, e->next_rip + emu_imm_sext(e->in));
	case 0xc2: case 0xc3: return ret_near(e);
	case 0xea: return far_jump(e, (uint16_t)e->in->imm2, e->in->imm);
	case 0x9a: return far_call(e, (uint16_t)e->in->imm2, e->in->imm);
	case 0xca: case 0xcb: return ret_far(e);
	case 0xcf: return iret(e);
	case 0xff: return group5(e);
	default: return X86_EMU_UNHANDLED;
	}
}

int emu_exec_control(struct emu *e)
{
	if (e->in->map == X86_MAP_ONE)
		return exec_one_byte(e);
	if (e->in->map == X86_MAP_0F && e->in->opcode >= 0x80 && e->in->opcode <= 0x8f)
		return x86_condition(e->in->opcode, e->st->rflags) ? jump_relative(e) : X86_EMU_OK;
	return X86_EMU_UNHANDLED;
}
