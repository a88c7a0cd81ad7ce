/*
 * Segment register loads (SDM Vol. 3 3.4.5 descriptors, Vol. 2 MOV/POP
 * Sreg and JMP/CALL far checks). Real and virtual-8086 mode just shift the
 * selector; protected mode reads and checks the descriptor from the GDT or
 * LDT. Gates and task segments are not supported (X86_EMU_UNHANDLED).
 */
#include "emulate/emu.h"

#define SEL_RPL(sel) ((sel) & 3u)
#define SEL_TI 4u
#define SEL_INDEX(sel) ((sel) & ~7u)

static int selector_fault(struct emu *e, unsigned vector, uint16_t sel)
{
	return emu_raise(e, vector, true, SEL_INDEX(sel) | (sel & SEL_TI));
}

static unsigned dpl(uint16_t attr)
{
	return (attr >> X86_SEG_ATTR_DPL_SHIFT) & 3;
}

/* Unpacks an 8-byte descriptor (SDM Figure 3-8) into the VMCB layout. */
static void unpack_descriptor(const uint8_t d[8], uint16_t sel, struct x86_segment *s)
{
	uint32_t limit = d[0] | (d[1] << 8) | ((uint32_t)(d[6] & 0x0f) << 16);

	s->sel = sel;
	s->base = d[2] | (d[3] << 8) | ((uint32_t)d[4] << 16) | ((uint32_t)d[7] << 24);
	s->attr = (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
	s->limit = (s->attr & X86_SEG_ATTR_G) ? (limit << 12) | 0xfff : limit;
}

/* Reads the descriptor of a non-null selector and sets its accessed bit. */
static int read_descriptor(struct emu *e, uint16_t sel, uint8_t d[8])
{
	const struct x86_cpu_state *st = e->st;
	uint64_t base = (sel & SEL_TI) ? st->ldtr.base : st->gdtr.base;
	uint32_t limit = (sel & SEL_TI) ? st->ldtr.limit : st->gdtr.limit;
	uint64_t at = base + SEL_INDEX(sel);
	int r;

	if ((sel & SEL_TI) && !(st->ldtr.attr & X86_SEG_ATTR_P))
		return selector_fault(e, X86_EXC_GP, sel);
	if (SEL_INDEX(sel) + 7u > limit)
		return selector_fault(e, X86_EXC_GP, sel);
	r = emu_read_linear(e, at, d, 8, X86_MEM_IMPLICIT);
	if (r != X86_EMU_OK || (d[5] & 1))
		return r;
	d[5] |= 1;
	return emu_write_linear(e, at + 5, &d[5], 1, X86_MEM_IMPLICIT);
}

static void load_real_mode(struct emu *e, unsigned seg, uint16_t sel)
{
	struct x86_segment *s = &e->st->seg[seg];

	s->sel = sel;
	s->base = (uint64_t)sel << 4;
	if (e->st->rflags & X86_FLAGS_VM) { /* SDM 20.2.1 */
		s->limit = 0xffff;
		s->attr = X86_SEG_ATTR_P | X86_SEG_ATTR_S | (3 << X86_SEG_ATTR_DPL_SHIFT) | 3;
	}
}

/* Null selectors: fine for data segments, for SS only in 64-bit mode at CPL < 3. */
static int load_null(struct emu *e, unsigned seg, uint16_t sel)
{
	struct x86_segment *s = &e->st->seg[seg];

	if (seg == X86_SEG_SS && (!emu_64(e) || e->st->cpl == 3 || SEL_RPL(sel) != e->st->cpl))
		return emu_gp0(e);
	s->sel = sel;
	s->attr = 0; /* not present: unusable */
	if (seg < X86_SEG_FS)
		s->base = 0;
	return X86_EMU_OK;
}

static int check_stack_segment(struct emu *e, uint16_t sel, uint16_t attr)
{
	bool writable_data = !(attr & X86_SEG_TYPE_CODE) && (attr & X86_SEG_TYPE_RW);

	if (SEL_RPL(sel) != e->st->cpl || dpl(attr) != e->st->cpl || !writable_data)
		return selector_fault(e, X86_EXC_GP, sel);
	if (!(attr & X86_SEG_ATTR_P))
		return selector_fault(e, X86_EXC_SS, sel);
	return X86_EMU_OK;
}

static int check_data_segment(struct emu *e, uint16_t sel, uint16_t attr)
{
	bool code = attr & X86_SEG_TYPE_CODE;
	bool conforming = code && (attr & X86_SEG_TYPE_CONFORMING_OR_EXPDOWN);
	unsigned cpl = e->st->cpl;

	if (code && !(attr & X86_SEG_TYPE_RW))
		return selector_fault(e, X86_EXC_GP, sel); /* execute-only */
	if (!conforming && (SEL_RPL(sel) > dpl(attr) || cpl > dpl(attr)))
		return selector_fault(e, X86_EXC_GP, sel);
	if (!(attr & X86_SEG_ATTR_P))
		return selector_fault(e, X86_EXC_NP, sel);
	return X86_EMU_OK;
}

int emu_load_segment(struct emu *e, unsigned seg, uint16_t sel)
{
	struct x86_segment s;
	uint8_t d[8];
	int r;

	if (!emu_protected(e)) {
		load_real_mode(e, seg, sel);
		return X86_EMU_OK;
	}
	if (SEL_INDEX(sel) == 0 && !(sel & SEL_TI))
		return load_null(e, seg, sel);
	r = read_descriptor(e, sel, d);
	if (r != X86_EMU_OK)
		return r;
	unpack_descriptor(d, sel, &s);
	if (!(s.attr & X86_SEG_ATTR_S))
		return selector_fault(e, X86_EXC_GP, sel);
	r = seg == X86_SEG_SS ? check_stack_segment(e, sel, s.attr)
			      : check_data_segment(e, sel, s.attr);
	if (r != X86_EMU_OK)
		return r;
	if (emu_64(e) && seg >= X86_SEG_FS)
		s.base &= 0xffffffffull; /* the upper half comes from the MSRs */
	e->st->seg[seg] = s;
	return X86_EMU_OK;
}

/* Execution mode implied by CS and EFER.LMA. */
static uint8_t code_mode(const struct x86_cpu_state *st)
{
	const uint64_t efer_lma = 1ull << 10;
	uint16_t attr = st->seg[X86_SEG_CS].attr;

	if (!(st->cr0 & X86_CR0_PE) || (st->rflags & X86_FLAGS_VM))
		return X86_MODE_16;
	if ((st->efer & efer_lma) && (attr & X86_SEG_ATTR_L))
		return X86_MODE_64;
	return (attr & X86_SEG_ATTR_DB) ? X86_MODE_32 : X86_MODE_16;
}

/*
 * CS for a far JMP/CALL/RET to the same privilege level. Targets at another
 * privilege level or through gates are X86_EMU_UNHANDLED.
 */
int emu_load_code_segment(struct emu *e, uint16_t sel)
{
	struct x86_segment s;
	unsigned cpl = e->st->cpl;
	uint8_t d[8];
	int r;

	if (!emu_protected(e)) {
		load_real_mode(e, X86_SEG_CS, sel);
		return X86_EMU_OK;
	}
	if (SEL_INDEX(sel) == 0 && !(sel & SEL_TI))
		return emu_gp0(e);
	r = read_descriptor(e, sel, d);
	if (r != X86_EMU_OK)
		return r;
	unpack_descriptor(d, sel, &s);
	if (!(s.attr & X86_SEG_ATTR_S))
		return X86_EMU_UNHANDLED; /* call gate, task gate, TSS */
	if (!(s.attr & X86_SEG_TYPE_CODE))
		return selector_fault(e, X86_EXC_GP, sel);
	if (s.attr & X86_SEG_TYPE_CONFORMING_OR_EXPDOWN ? dpl(s.attr) > cpl
							: SEL_RPL(sel) > cpl || dpl(s.attr) != cpl)
		return selector_fault(e, X86_EXC_GP, sel);
	if (!(s.attr & X86_SEG_ATTR_P))
		return selector_fault(e, X86_EXC_NP, sel);
	s.sel = (uint16_t)(SEL_INDEX(sel) | (sel & SEL_TI) | cpl);
	e->st->seg[X86_SEG_CS] = s;
	e->st->mode = code_mode(e->st);
	return X86_EMU_OK;
}
