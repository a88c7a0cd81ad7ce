/*
 * libFuzzer target: decoder and executor on arbitrary bytes. The input
 * chooses the CPU state (mode, CPL, control registers, flags, registers)
 * and the instruction; guest memory is a bounded fake with some pages that
 * fault. Checks the emulator's contract: no out-of-bounds access (ASan),
 * no undefined behaviour (UBSan), memory callbacks never cross a page,
 * decoded lengths within limits, faults carry a valid vector.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emulate/emulate.h"

#define FAKE_MEM_SIZE 0x10000u
#define PAGE 4096u

struct fake {
	uint8_t mem[FAKE_MEM_SIZE];
	uint8_t xmm[16][16];
	uint64_t dr[8];
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_single_page(uint64_t linear, unsigned size)
{
	check(size >= 1 && size <= 16);
	check(linear / PAGE == (linear + size - 1) / PAGE);
}

/* Linear pages whose number has bit 3 set are "not present". */
static int translate(uint64_t linear, unsigned flags, struct x86_fault *f)
{
	if (!((linear / PAGE) & 8))
		return X86_EMU_OK;
	f->vector = X86_EXC_PF;
	f->has_error_code = true;
	f->error_code = (flags & X86_MEM_WRITE ? 2 : 0) | (flags & X86_MEM_USER ? 4 : 0) |
			(flags & X86_MEM_FETCH ? 16 : 0);
	f->cr2 = linear;
	return X86_EMU_FAULT;
}

static int fake_read(void *ctx, uint64_t linear, void *data, unsigned size, unsigned flags,
		     struct x86_fault *f)
{
	struct fake *m = ctx;
	check_single_page(linear, size);
	int r = translate(linear, flags, f);
	if (r != X86_EMU_OK)
		return r;
	memcpy(data, m->mem + (linear % FAKE_MEM_SIZE), size);
	return X86_EMU_OK;
}

static int fake_write(void *ctx, uint64_t linear, const void *data, unsigned size,
		      unsigned flags, struct x86_fault *f)
{
	struct fake *m = ctx;
	check_single_page(linear, size);
	int r = translate(linear, flags, f);
	if (r != X86_EMU_OK)
		return r;
	memcpy(m->mem + (linear % FAKE_MEM_SIZE), data, size);
	return X86_EMU_OK;
}

/* Loses the race when the old value's first byte is odd. */
static int fake_cmpxchg(void *ctx, uint64_t linear, const void *old, const void *new_val,
			unsigned size, unsigned flags, bool *swapped, struct x86_fault *f)
{
	struct fake *m = ctx;
	check_single_page(linear, size);
	check(flags & X86_MEM_WRITE);
	int r = translate(linear, flags, f);
	if (r != X86_EMU_OK)
		return r;
	*swapped = !(*(const uint8_t *)old & 1) &&
		   memcmp(m->mem + (linear % FAKE_MEM_SIZE), old, size) == 0;
	if (*swapped)
		memcpy(m->mem + (linear % FAKE_MEM_SIZE), new_val, size);
	return X86_EMU_OK;
}

static int fake_in(void *ctx, uint16_t port, unsigned size, uint32_t *val, struct x86_fault *f)
{
	check(size == 1 || size == 2 || size == 4);
	*val = port * 0x01010101u;
	return X86_EMU_OK;
}

static int fake_out(void *ctx, uint16_t port, unsigned size, uint32_t val, struct x86_fault *f)
{
	check(size == 1 || size == 2 || size == 4);
	return X86_EMU_OK;
}

static int fake_write_cr(void *ctx, unsigned cr, uint64_t val, struct x86_fault *f)
{
	check(cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8);
	return X86_EMU_OK;
}

static int fake_read_dr(void *ctx, unsigned dr, uint64_t *val, struct x86_fault *f)
{
	struct fake *m = ctx;
	check(dr < 8);
	*val = m->dr[dr];
	return X86_EMU_OK;
}

static int fake_write_dr(void *ctx, unsigned dr, uint64_t val, struct x86_fault *f)
{
	struct fake *m = ctx;
	check(dr < 8);
	m->dr[dr] = val;
	return X86_EMU_OK;
}

static int fake_read_msr(void *ctx, uint32_t msr, uint64_t *val, struct x86_fault *f)
{
	if (msr & 1) {
		f->vector = X86_EXC_GP;
		f->has_error_code = true;
		f->error_code = 0;
		return X86_EMU_FAULT;
	}
	*val = msr;
	return X86_EMU_OK;
}

static int fake_write_msr(void *ctx, uint32_t msr, uint64_t val, struct x86_fault *f)
{
	return fake_read_msr(ctx, msr, &val, f);
}

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	out[0] = leaf;
	out[1] = sub;
	out[2] = ~leaf;
	out[3] = ~sub;
}

static void fake_invlpg(void *ctx, uint64_t linear)
{
}

static void fake_read_xmm(void *ctx, unsigned reg, uint8_t val[16])
{
	struct fake *m = ctx;
	check(reg < 16);
	memcpy(val, m->xmm[reg], 16);
}

static void fake_write_xmm(void *ctx, unsigned reg, const uint8_t val[16])
{
	struct fake *m = ctx;
	check(reg < 16);
	memcpy(m->xmm[reg], val, 16);
}

/* Consumes bytes from the input for the state; zero once exhausted. */
struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static void make_state(struct input *in, struct x86_cpu_state *st)
{
	uint64_t cfg = take(in, 2);
	memset(st, 0, sizeof(*st));
	st->mode = (uint8_t)(cfg % 3);
	st->cpl = (uint8_t)((cfg >> 2) & 3);
	st->cr0 = (cfg & 0x10) ? 0x80000011 : 0x10;
	if (cfg & 0x20)
		st->cr0 |= X86_CR0_TS;
	st->cr4 = (cfg & 0x40) ? X86_CR4_OSFXSR | X86_CR4_DE : 0;
	st->efer = st->mode == X86_MODE_64 ? 0x500 : 0;
	st->rflags = (take(in, 4) & 0x3f7fd5) | 2;
	for (int s = 0; s < 6; s++) {
		st->seg[s].sel = (uint16_t)take(in, 1);
		st->seg[s].attr = (cfg & 0x80) ? (uint16_t)(0x93 | (take(in, 1) & 0xf0f)) : 0x93;
		st->seg[s].limit = (cfg & 0x100) ? (uint32_t)take(in, 2) : 0xffffffffu;
		st->seg[s].base = take(in, 1) << 12;
	}
	st->seg[X86_SEG_CS].attr |= X86_SEG_TYPE_CODE;
	st->gdtr.limit = (uint16_t)take(in, 2);
	st->gdtr.base = take(in, 1) << 8;
	st->ldtr.attr = (cfg & 0x200) ? X86_SEG_ATTR_P : 0;
	st->ldtr.limit = 0xfff;
	for (int r = 0; r < 16; r++)
		st->gpr[r] = (cfg & 0x400) ? take(in, 8) : take(in, 2);
	/* Short REP runs keep the rate up; test_emulate.c covers chunking. */
	st->gpr[X86_RCX] &= (cfg & 0x800) ? ~0ull : 0x3ff;
	st->rip = take(in, 2);
}

static const struct x86_emu_ops ops_template = {
	.read_mem = fake_read, .write_mem = fake_write, .io_in = fake_in, .io_out = fake_out,
	.write_cr = fake_write_cr, .read_dr = fake_read_dr, .write_dr = fake_write_dr,
	.read_msr = fake_read_msr, .write_msr = fake_write_msr, .cpuid = fake_cpuid,
	.invlpg = fake_invlpg, .read_xmm = fake_read_xmm, .write_xmm = fake_write_xmm,
	.cmpxchg_mem = fake_cmpxchg,
};

static void fuzz_decoder(const uint8_t *data, size_t size)
{
	for (int mode = 0; mode < 3; mode++) {
		struct x86_insn insn;
		int r = x86_decode(data, size, (enum x86_mode)mode, &insn);
		if (r == X86_DECODE_OK)
			check(insn.len >= 1 && insn.len <= 15 && insn.len <= size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake fake;
	struct input in = { data, size };
	struct x86_cpu_state st;
	struct x86_emu_ops ops = ops_template;
	struct x86_emu_result res;
	size_t code_len;
	int r;

	fuzz_decoder(data, size);
	make_state(&in, &st);
	memset(&fake, 0, sizeof(fake));
	ops.ctx = &fake;
	/* The remaining bytes: the instruction, then memory contents. */
	code_len = in.n < 15 ? in.n : 15;
	memcpy(fake.mem + ((st.seg[X86_SEG_CS].base + st.rip) % FAKE_MEM_SIZE) % (FAKE_MEM_SIZE - 16),
	       in.p, code_len);
	memcpy(fake.mem + 0x8000, in.p, in.n < 0x8000 ? in.n : 0x8000);
	/* Both entry points: from raw bytes, and fetching through memory. */
	struct x86_cpu_state before = st;
	r = x86_emulate_bytes(&st, &ops, in.p, code_len, &res);
	check(r == res.status);
	if (r == X86_EMU_UNHANDLED || res.retry) /* state must be untouched */
		check(memcmp(&before, &st, sizeof(st)) == 0);
	if (r == X86_EMU_FAULT)
		check(res.fault.vector < 32);
	r = x86_emulate(&st, &ops, &res);
	check(r >= X86_EMU_OK && r <= X86_EMU_HALT);
	return 0;
}
