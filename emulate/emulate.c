/*
 * Emulator entry points: fetch, decode, dispatch to the instruction groups,
 * then commit the working register state only if the instruction completed
 * (faults leave the caller's state as it was, except for the progress of a
 * REP string instruction, which the CPU also keeps).
 */
#include "emulate/emu.h"
#include "hv/string.h"

#define PAGE_SIZE 4096u

static int (*const instruction_groups[])(struct emu *) = {
	emu_exec_mov, emu_exec_alu, emu_exec_string, emu_exec_io, emu_exec_stack,
	emu_exec_bits, emu_exec_shift, emu_exec_flags, emu_exec_control, emu_exec_system,
	emu_exec_sse,
};

static int dispatch(struct emu *e)
{
	for (size_t i = 0; i < sizeof(instruction_groups) / sizeof(instruction_groups[0]); i++) {
		int r = instruction_groups[i](e);
		if (r != X86_EMU_UNHANDLED)
			return r;
	}
	return X86_EMU_UNHANDLED;
}

static uint64_t ip_mask(const struct x86_cpu_state *st)
{
	return st->mode == X86_MODE_64 ? ~0ull : st->mode == X86_MODE_32 ? 0xffffffffull : 0xffff;
}

static void clear_result(struct x86_emu_result *res)
{
	memset(&res->fault, 0, sizeof(res->fault));
	res->status = X86_EMU_OK;
	res->rep_incomplete = false;
	res->retry = false;
	res->shadow = X86_SHADOW_NONE;
}

int x86_emulate_insn(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		     const struct x86_insn *insn, struct x86_emu_result *res)
{
	struct x86_cpu_state work = *st;
	struct emu e = {
		.st = &work, .committed = st, .ops = ops, .in = insn, .fault = &res->fault,
		.next_rip = (st->rip + insn->len) & ip_mask(st),
	};
	int r;

	clear_result(res);
	if (&res->insn != insn)
		res->insn = *insn;
	r = insn->vex ? X86_EMU_UNHANDLED : dispatch(&e);
	if (r == X86_EMU_OK && e.retry) { /* lost a race: as if not yet run */
		res->retry = true;
		return X86_EMU_OK;
	}
	if (r == X86_EMU_OK || r == X86_EMU_HALT) {
		if (!e.rep_incomplete)
			work.rip = e.next_rip;
		if (!e.loaded_rf) /* SDM 17.3.1.1: cleared on completion, but IRET loads it */
			work.rflags &= ~X86_FLAGS_RF;
		*st = work;
	}
	res->rep_incomplete = e.rep_incomplete;
	res->shadow = r == X86_EMU_OK ? e.shadow : X86_SHADOW_NONE;
	res->status = r;
	return r;
}

/* Maps a decoder verdict other than OK to what the CPU does. */
static int decode_failure(int status, struct x86_emu_result *res)
{
	res->status = X86_EMU_FAULT;
	res->fault.has_error_code = status == X86_DECODE_TOO_LONG;
	res->fault.error_code = 0;
	res->fault.vector = status == X86_DECODE_TOO_LONG ? X86_EXC_GP : X86_EXC_UD;
	return X86_EMU_FAULT;
}

int x86_emulate_bytes(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		      const uint8_t *bytes, size_t avail, struct x86_emu_result *res)
{
	int d = x86_decode_ex(bytes, avail, (enum x86_mode)st->mode, st->decode_options,
			      &res->insn);

	clear_result(res);
	if (d == X86_DECODE_NEED_MORE) {
		res->insn.len = 0;
		res->status = X86_EMU_UNHANDLED;
		return X86_EMU_UNHANDLED;
	}
	if (d != X86_DECODE_OK)
		return decode_failure(d, res);
	return x86_emulate_insn(st, ops, &res->insn, res);
}

/* Bytes of code the CS limit allows at RIP (15 at most); 0 if RIP is past it. */
static size_t fetchable(const struct x86_cpu_state *st)
{
	const struct x86_segment *cs = &st->seg[X86_SEG_CS];

	if (st->mode == X86_MODE_64)
		return X86_MAX_INSN_LEN;
	if (st->rip > cs->limit)
		return 0;
	return cs->limit - st->rip + 1 < X86_MAX_INSN_LEN ? cs->limit - st->rip + 1
							   : X86_MAX_INSN_LEN;
}

static int fetch(const struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		 uint64_t linear, uint8_t *buf, size_t n, struct x86_emu_result *res)
{
	unsigned flags = X86_MEM_FETCH | (st->cpl == 3 ? X86_MEM_USER : 0);
	int r = ops->read_mem(ops->ctx, linear, buf, (unsigned)n, flags, &res->fault);
	res->status = r;
	return r;
}

/*
 * Fetches what is left of the current page first and the next page only if
 * the instruction continues there, so an instruction ending at a page end
 * before an unmapped page does not fault.
 */
int x86_emulate(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		struct x86_emu_result *res)
{
	uint8_t buf[X86_MAX_INSN_LEN];
	uint64_t linear = st->seg[X86_SEG_CS].base + st->rip;
	size_t limit = fetchable(st), first, have;
	int d;

	clear_result(res);
	memset(&res->insn, 0, sizeof(res->insn));
	if (st->mode == X86_MODE_64)
		linear = st->rip; /* CS base is ignored in 64-bit mode */
	else
		linear &= 0xffffffffull;
	first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
	have = first < limit ? first : limit;
	if (have == 0)
		return decode_failure(X86_DECODE_TOO_LONG, res);
	if (fetch(st, ops, linear, buf, have, res) != X86_EMU_OK)
		return res->status;
	d = x86_decode_ex(buf, have, (enum x86_mode)st->mode, st->decode_options, &res->insn);
	if (d == X86_DECODE_NEED_MORE && have < limit) {
		if (fetch(st, ops, linear + have, buf + have, limit - have, res) != X86_EMU_OK)
			return res->status;
		have = limit;
		d = x86_decode_ex(buf, have, (enum x86_mode)st->mode, st->decode_options,
				  &res->insn);
	}
	if (d == X86_DECODE_NEED_MORE) /* ran into the CS limit */
		return decode_failure(X86_DECODE_TOO_LONG, res);
	if (d != X86_DECODE_OK)
		return decode_failure(d, res);
	return x86_emulate_insn(st, ops, &res->insn, res);
}
