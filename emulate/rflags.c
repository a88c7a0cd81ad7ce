/*
 * Instructions that read or write RFLAGS as a whole or bit by bit: CLC STC
 * CMC CLD STD CLI STI LAHF SAHF PUSHF POPF (SDM Vol. 2; IOPL rules in
 * Vol. 1 3.4.3.3). Virtual-interrupt extensions (CR4.VME/PVI) are not
 * emulated: where they would apply the instruction is unhandled.
 */
#include "emulate/emu.h"

#define CR4_VME (1ull << 0)
#define CR4_PVI (1ull << 1)

static unsigned iopl(const struct emu *e)
{
	return (unsigned)((e->st->rflags & X86_FLAGS_IOPL) >> 12);
}

static bool vm86(const struct emu *e)
{
	return e->st->rflags & X86_FLAGS_VM;
}

/* May the current code change IF (CLI/STI)? Else #GP(0) or unhandled. */
static int check_if_change(struct emu *e)
{
	if (!(e->st->cr0 & X86_CR0_PE))
		return X86_EMU_OK;
	if (vm86(e) ? iopl(e) == 3 : e->st->cpl <= iopl(e))
		return X86_EMU_OK;
	if (vm86(e) ? (e->st->cr4 & CR4_VME) : (e->st->cpl == 3 && (e->st->cr4 & CR4_PVI)))
		return X86_EMU_UNHANDLED; /* would change VIF */
	return emu_gp0(e);
}

static int cli_sti(struct emu *e, bool set)
{
	int r = check_if_change(e);

	if (r != X86_EMU_OK)
		return r;
	if (set && !(e->st->rflags & X86_FLAGS_IF))
		e->shadow = X86_SHADOW_STI;
	e->st->rflags = set ? e->st->rflags | X86_FLAGS_IF : e->st->rflags & ~X86_FLAGS_IF;
	return X86_EMU_OK;
}

/* PUSHF/POPF in VM86 need IOPL 3 (VME is not emulated). */
static int check_vm86_iopl(struct emu *e)
{
	if (!vm86(e) || iopl(e) == 3)
		return X86_EMU_OK;
	return (e->st->cr4 & CR4_VME) ? X86_EMU_UNHANDLED : emu_gp0(e);
}

/* The image PUSHF stores has VM and RF clear. */
static int pushf(struct emu *e)
{
	int r = check_vm86_iopl(e);

	if (r != X86_EMU_OK)
		return r;
	return emu_push(e, e->st->rflags & ~(X86_FLAGS_VM | X86_FLAGS_RF), e->in->opsize);
}

/* Bits POPF may change: never VM, VIF, VIP, RF; IOPL only at CPL 0; IF
 * only when CPL <= IOPL (SDM POPF operation). */
static uint64_t popf_mask(const struct emu *e)
{
	uint64_t m = X86_FLAGS_STATUS | X86_FLAGS_TF | X86_FLAGS_IF | X86_FLAGS_DF |
		     X86_FLAGS_IOPL | X86_FLAGS_NT | X86_FLAGS_AC | X86_FLAGS_ID;

	if (vm86(e)) {
		m &= ~X86_FLAGS_IOPL;
	} else if (e->st->cr0 & X86_CR0_PE) {
		if (e->st->cpl > 0)
			m &= ~X86_FLAGS_IOPL;
		if (e->st->cpl > iopl(e))
			m &= ~X86_FLAGS_IF;
	}
	return e->in->opsize == 2 ? m & 0xffff : m;
}

static int popf(struct emu *e)
{
	uint64_t v, m;
	int r = check_vm86_iopl(e);

	if (r == X86_EMU_OK)
		r = emu_pop(e, &v, e->in->opsize);
	if (r != X86_EMU_OK)
		return r;
	m = popf_mask(e);
	e->st->rflags = (e->st->rflags & ~m) | (v & m) | X86_FLAGS_FIXED1;
	return X86_EMU_OK;
}

/* SAHF loads SF ZF AF PF CF from AH; LAHF stores them (bit 1 reads as 1). */
static int sahf_lahf(struct emu *e, bool store)
{
	const uint64_t m = X86_FLAGS_SF | X86_FLAGS_ZF | X86_FLAGS_AF | X86_FLAGS_PF | X86_FLAGS_CF;
	uint64_t ah = (e->st->gpr[X86_RAX] >> 8) & 0xff;

	if (store) {
		e->st->rflags = (e->st->rflags & ~m) | (ah & m);
		return X86_EMU_OK;
	}
	ah = (e->st->rflags & m) | X86_FLAGS_FIXED1;
	e->st->gpr[X86_RAX] = (e->st->gpr[X86_RAX] & ~0xff00ull) | (ah << 8);
	return X86_EMU_OK;
}

int emu_exec_flags(struct emu *e)
{
	uint64_t *f = &e->st->rflags;

	if (e->in->map != X86_MAP_ONE)
		return X86_EMU_UNHANDLED;
	switch (e->in->opcode) {
	case 0xf5: *f ^= X86_FLAGS_CF; return X86_EMU_OK;
	case 0xf8: *f &= ~X86_FLAGS_CF; return X86_EMU_OK;
	case 0xf9: *f |= X86_FLAGS_CF; return X86_EMU_OK;
	case 0xfc: *f &= ~X86_FLAGS_DF; return X86_EMU_OK;
	case 0xfd: *f |= X86_FLAGS_DF; return X86_EMU_OK;
	case 0xfa: return cli_sti(e, false);
	case 0xfb: return cli_sti(e, true);
	case 0x9c: return pushf(e);
	case 0x9d: return popf(e);
	case 0x9e: return sahf_lahf(e, true);
	case 0x9f: return sahf_lahf(e, false);
	default: return X86_EMU_UNHANDLED;
	}
}
