/*
 * IN and OUT with immediate or DX port. I/O permission (IOPL, TSS bitmap)
 * is not re-checked: the CPU checks it before an I/O intercept exits.
 */
#include "emulate/emu.h"

static unsigned io_size(const struct emu *e)
{
	if (!(e->in->opcode & 1))
		return 1;
	return e->in->opsize == 2 ? 2 : 4;
}

static uint16_t io_port(const struct emu *e)
{
	return e->in->opcode & 8 ? (uint16_t)e->st->gpr[X86_RDX] : (uint16_t)e->in->imm;
}

static int io_in(struct emu *e)
{
	unsigned size = io_size(e);
	uint32_t val = 0;
	int r;

	if (!e->ops->io_in)
		return X86_EMU_UNHANDLED;
	r = e->ops->io_in(e->ops->ctx, io_port(e), size, &val, e->fault);
	if (r == X86_EMU_OK)
		emu_set_gpr(e, X86_RAX, size, val);
	return r;
}

static int io_out(struct emu *e)
{
	unsigned size = io_size(e);

	if (!e->ops->io_out)
		return X86_EMU_UNHANDLED;
	return e->ops->io_out(e->ops->ctx, io_port(e), size,
			      (uint32_t)emu_gpr(e, X86_RAX, size), e->fault);
}

int emu_exec_io(struct emu *e)
{
	uint8_t op = e->in->opcode;

	if (e->in->map != X86_MAP_ONE || op < 0xe4 || op > 0xef || (op >= 0xe8 && op <= 0xeb))
		return X86_EMU_UNHANDLED;
	return (op & 2) ? io_out(e) : io_in(e);
}
