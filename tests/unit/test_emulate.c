/*
 * Semantic table tests of the emulator against the SDM: addressing and
 * segmentation in every mode, fault reporting, page splits, REP chunking,
 * privileged instructions, segment loads and far transfers, SSE moves.
 * (User-mode instruction semantics are checked against the host CPU by
 * test_emulate_diff.c.)
 */
#include <stdlib.h>

#include "emulate/emulate.h"
#include "tests/unit/check.h"

#define MEM_SIZE 0x40000u
#define PAGE 4096u

/* ---- a fake machine behind the callbacks ---- */

struct call {
	char kind; /* 'r' read, 'w' write, 'i' in, 'o' out */
	uint64_t addr;
	unsigned size;
	unsigned flags;
};

static struct {
	uint8_t mem[MEM_SIZE];
	uint64_t absent_page;   /* linear page number that faults, or ~0 */
	struct call calls[64];
	unsigned ncalls;
	uint32_t port_value;
	uint64_t last_cr_write[9];
	unsigned cr_writes;
	int cr_veto;            /* X86_EMU_FAULT: veto writes with #GP */
	uint64_t dr[8];
	uint64_t msr_value;
	uint32_t last_msr;
	uint64_t last_invlpg;
	uint8_t xmm[16][16];
	unsigned cmpxchg_calls;
	bool race;              /* the next cmpxchg_mem finds memory changed */
	bool cmpxchg_faults;    /* cmpxchg_mem reports #PF */
} m;

static void log_call(char kind, uint64_t addr, unsigned size, unsigned flags)
{
	if (m.ncalls < 64)
		m.calls[m.ncalls++] = (struct call){ kind, addr, size, flags };
}

static int fault_pf(uint64_t linear, unsigned flags, struct x86_fault *f)
{
	f->vector = X86_EXC_PF;
	f->has_error_code = true;
	f->error_code = ((flags & X86_MEM_WRITE) ? 2 : 0) | ((flags & X86_MEM_USER) ? 4 : 0) |
			((flags & X86_MEM_FETCH) ? 16 : 0);
	f->cr2 = linear;
	return X86_EMU_FAULT;
}

static int mem_read(void *ctx, uint64_t linear, void *data, unsigned size, unsigned flags,
		    struct x86_fault *f)
{
	log_call('r', linear, size, flags);
	CHECK(linear / PAGE == (linear + size - 1) / PAGE);
	if (linear / PAGE == m.absent_page || linear + size > MEM_SIZE)
		return fault_pf(linear, flags, f);
	memcpy(data, m.mem + linear, size);
	return X86_EMU_OK;
}

static int mem_write(void *ctx, uint64_t linear, const void *data, unsigned size, unsigned flags,
		     struct x86_fault *f)
{
	log_call('w', linear, size, flags);
	CHECK(linear / PAGE == (linear + size - 1) / PAGE);
	if (linear / PAGE == m.absent_page || linear + size > MEM_SIZE)
		return fault_pf(linear, flags | X86_MEM_WRITE, f);
	memcpy(m.mem + linear, data, size);
	return X86_EMU_OK;
}

static int port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val, struct x86_fault *f)
{
	log_call('i', port, size, 0);
	*val = m.port_value++;
	return X86_EMU_OK;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint32_t val, struct x86_fault *f)
{
	log_call('o', port, size, val);
	return X86_EMU_OK;
}

static int write_cr(void *ctx, unsigned cr, uint64_t val, struct x86_fault *f)
{
	if (m.cr_veto) {
		f->vector = X86_EXC_GP;
		f->has_error_code = true;
		f->error_code = 0;
		return X86_EMU_FAULT;
	}
	m.last_cr_write[cr] = val;
	m.cr_writes++;
	return X86_EMU_OK;
}

static int read_dr(void *ctx, unsigned dr, uint64_t *val, struct x86_fault *f)
{
	*val = m.dr[dr];
	return X86_EMU_OK;
}

static int write_dr(void *ctx, unsigned dr, uint64_t val, struct x86_fault *f)
{
	m.dr[dr] = val;
	return X86_EMU_OK;
}

static int read_msr(void *ctx, uint32_t msr, uint64_t *val, struct x86_fault *f)
{
	m.last_msr = msr;
	if (msr == 0xdead) {
		f->vector = X86_EXC_GP;
		f->has_error_code = true;
		f->error_code = 0;
		return X86_EMU_FAULT;
	}
	*val = m.msr_value;
	return X86_EMU_OK;
}

static int write_msr(void *ctx, uint32_t msr, uint64_t val, struct x86_fault *f)
{
	m.last_msr = msr;
	m.msr_value = val;
	return X86_EMU_OK;
}

static int cmpxchg_mem(void *ctx, uint64_t linear, const void *old, const void *new_val,
		       unsigned size, unsigned flags, bool *swapped, struct x86_fault *f)
{
	m.cmpxchg_calls++;
	CHECK(flags & X86_MEM_WRITE);
	if (m.cmpxchg_faults)
		return fault_pf(linear, flags, f);
	*swapped = !m.race && memcmp(m.mem + linear, old, size) == 0;
	m.race = false;
	if (*swapped)
		memcpy(m.mem + linear, new_val, size);
	return X86_EMU_OK;
}

static void cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	out[0] = leaf + 1;
	out[1] = sub + 2;
	out[2] = 0x12345678;
	out[3] = 0x9abcdef0;
}

static void invlpg(void *ctx, uint64_t linear)
{
	m.last_invlpg = linear;
}

static void read_xmm(void *ctx, unsigned reg, uint8_t val[16])
{
	memcpy(val, m.xmm[reg], 16);
}

static void write_xmm(void *ctx, unsigned reg, const uint8_t val[16])
{
	memcpy(m.xmm[reg], val, 16);
}

static const struct x86_emu_ops ops = {
	.read_mem = mem_read, .write_mem = mem_write, .io_in = port_in, .io_out = port_out,
	.write_cr = write_cr, .read_dr = read_dr, .write_dr = write_dr, .read_msr = read_msr,
	.write_msr = write_msr, .cpuid = cpuid, .invlpg = invlpg, .read_xmm = read_xmm,
	.write_xmm = write_xmm, .cmpxchg_mem = cmpxchg_mem,
};

static const struct x86_emu_ops no_ops = { .read_mem = mem_read, .write_mem = mem_write };

/* ---- CPU states ---- */

#define ATTR_DATA (X86_SEG_ATTR_P | X86_SEG_ATTR_S | X86_SEG_TYPE_RW | 1)
#define ATTR_CODE (X86_SEG_ATTR_P | X86_SEG_ATTR_S | X86_SEG_TYPE_CODE | X86_SEG_TYPE_RW | 1)

static void reset_machine(void)
{
	memset(&m, 0, sizeof(m));
	m.absent_page = ~0ull;
}

static void real_mode(struct x86_cpu_state *st)
{
	reset_machine();
	memset(st, 0, sizeof(*st));
	for (int s = 0; s < 6; s++)
		st->seg[s] = (struct x86_segment){ .attr = ATTR_DATA, .limit = 0xffff };
	st->seg[X86_SEG_CS].attr = ATTR_CODE;
	st->rflags = X86_FLAGS_FIXED1;
	st->mode = X86_MODE_16;
}

static void protected32(struct x86_cpu_state *st)
{
	real_mode(st);
	for (int s = 0; s < 6; s++) {
		st->seg[s].limit = 0xffffffff;
		st->seg[s].attr |= X86_SEG_ATTR_DB | X86_SEG_ATTR_G;
		st->seg[s].sel = 0x10;
	}
	st->seg[X86_SEG_CS].sel = 0x08;
	st->cr0 = X86_CR0_PE | X86_CR0_MP;
	st->cr4 = X86_CR4_OSFXSR;
	st->mode = X86_MODE_32;
}

static void long64(struct x86_cpu_state *st)
{
	protected32(st);
	st->seg[X86_SEG_CS].attr = (ATTR_CODE | X86_SEG_ATTR_L) & ~X86_SEG_ATTR_DB;
	st->efer = 0x500;
	st->cr0 |= 1ull << 31;
	st->mode = X86_MODE_64;
}

static size_t hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	while (s[0] && s[1]) {
		if (*s == ' ') {
			s++;
			continue;
		}
		char two[3] = { s[0], s[1], 0 };
		out[n++] = (uint8_t)strtoul(two, NULL, 16);
		s += 2;
	}
	return n;
}

static struct x86_emu_result res;

static int run_with(struct x86_cpu_state *st, const struct x86_emu_ops *o, const char *bytes)
{
	uint8_t b[32];
	size_t n = hex(bytes, b);
	return x86_emulate_bytes(st, o, b, n, &res);
}

static int run(struct x86_cpu_state *st, const char *bytes)
{
	return run_with(st, &ops, bytes);
}

static uint32_t rd32(uint64_t a)
{
	uint32_t v;
	memcpy(&v, m.mem + a, 4);
	return v;
}

static uint16_t rd16(uint64_t a)
{
	uint16_t v;
	memcpy(&v, m.mem + a, 2);
	return v;
}

static void wr32(uint64_t a, uint32_t v)
{
	memcpy(m.mem + a, &v, 4);
}

static void wr16(uint64_t a, uint16_t v)
{
	memcpy(m.mem + a, &v, 2);
}

static bool is_fault(unsigned vector, uint32_t ec)
{
	return res.status == X86_EMU_FAULT && res.fault.vector == vector &&
	       (!res.fault.has_error_code || res.fault.error_code == ec);
}

/* ---- tests ---- */

static void test_real_mode_addressing(void)
{
	struct x86_cpu_state st;
	real_mode(&st);
	st.seg[X86_SEG_DS] = (struct x86_segment){ .sel = 0x1000, .base = 0x10000, .limit = 0xffff, .attr = ATTR_DATA };
	st.gpr[X86_RBX] = 0x100;
	st.gpr[X86_RSI] = 0x20;
	st.gpr[X86_RAX] = 0x12345678;
	st.rip = 0x7c00;
	CHECK_EQ(run(&st, "89 40 05"), X86_EMU_OK); /* mov [bx+si+5], ax */
	CHECK_EQ(rd16(0x10125), 0x5678);
	CHECK_EQ(st.rip, 0x7c03);
	/* BP-based addressing uses SS. */
	st.seg[X86_SEG_SS].base = 0x20000;
	st.gpr[X86_RBP] = 0x10;
	CHECK_EQ(run(&st, "88 46 02"), X86_EMU_OK); /* mov [bp+2], al */
	CHECK_EQ(m.mem[0x20012], 0x78);
	/* Offsets wrap at 64 KiB in 16-bit addressing. */
	st.gpr[X86_RBX] = 0xfffe;
	CHECK_EQ(run(&st, "c6 47 04 aa"), X86_EMU_OK); /* mov byte [bx+4], 0xaa */
	CHECK_EQ(m.mem[0x10002], 0xaa);
	/* 32-bit addressing in 16-bit code, past the limit: #GP(0). */
	st.gpr[X86_RAX] = 0x10000;
	CHECK_EQ(run(&st, "67 8a 00"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	/* Same through SS: #SS(0). */
	CHECK_EQ(run(&st, "67 36 8a 00"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_SS, 0));
	/* Segment override and moffs. */
	st.seg[X86_SEG_ES].base = 0x30000;
	CHECK_EQ(run(&st, "26 a2 34 12"), X86_EMU_OK); /* mov es:[0x1234], al */
	CHECK_EQ(m.mem[0x31234], 0x00);
	st.gpr[X86_RAX] = 0x99;
	CHECK_EQ(run(&st, "26 a2 34 12"), X86_EMU_OK);
	CHECK_EQ(m.mem[0x31234], 0x99);
	/* IP wraps at 64 KiB. */
	st.rip = 0xffff;
	CHECK_EQ(run(&st, "90"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0);
}

static void test_protected_segmentation(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	st.seg[X86_SEG_DS].limit = 0xfff;
	st.gpr[X86_RBX] = 0xffe;
	CHECK_EQ(run(&st, "8b 03"), X86_EMU_FAULT); /* 4 bytes at 0xffe: past limit */
	CHECK(is_fault(X86_EXC_GP, 0));
	CHECK_EQ(run(&st, "66 8b 03"), X86_EMU_OK); /* 2 bytes fit */
	/* Read-only data segment: writes #GP. */
	st.seg[X86_SEG_DS].attr &= ~X86_SEG_TYPE_RW;
	CHECK_EQ(run(&st, "66 89 03"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	/* Execute-only code segment via CS override: reads #GP. */
	st.seg[X86_SEG_CS].attr &= ~X86_SEG_TYPE_RW;
	CHECK_EQ(run(&st, "2e 8a 03"), X86_EMU_FAULT);
	/* Null (not present) segment: #GP; stack: #SS. */
	st.seg[X86_SEG_ES].attr = 0;
	CHECK_EQ(run(&st, "26 8a 03"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.seg[X86_SEG_SS].attr = 0;
	CHECK_EQ(run(&st, "50"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_SS, 0));
	/* Expand-down: valid offsets are above the limit. */
	protected32(&st);
	st.seg[X86_SEG_DS].attr = ATTR_DATA | X86_SEG_TYPE_CONFORMING_OR_EXPDOWN;
	st.seg[X86_SEG_DS].limit = 0x1fff;
	st.gpr[X86_RBX] = 0x1000;
	CHECK_EQ(run(&st, "8a 03"), X86_EMU_FAULT);
	st.gpr[X86_RBX] = 0x2000;
	CHECK_EQ(run(&st, "8a 03"), X86_EMU_OK);
	/* Segment base wraps linear addresses at 4 GiB. */
	protected32(&st);
	st.seg[X86_SEG_DS].base = 0xfffff000;
	st.gpr[X86_RBX] = 0x2000;
	st.gpr[X86_RAX] = 0xab;
	CHECK_EQ(run(&st, "88 03"), X86_EMU_OK);
	CHECK_EQ(m.mem[0x1000], 0xab);
}

static void test_64bit_addressing(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.rip = 0x1000;
	wr32(0x2010, 0xcafef00d);
	CHECK_EQ(run(&st, "8b 05 0a 10 00 00"), X86_EMU_OK); /* mov eax, [rip+0x100a] */
	CHECK_EQ(st.gpr[X86_RAX], 0xcafef00d);
	/* FS base applies, DS base is ignored. */
	st.seg[X86_SEG_FS].base = 0x3000;
	st.seg[X86_SEG_DS].base = 0x5000;
	st.gpr[X86_RBX] = 0x10;
	CHECK_EQ(run(&st, "64 c6 03 11"), X86_EMU_OK);
	CHECK_EQ(m.mem[0x3010], 0x11);
	CHECK_EQ(run(&st, "c6 03 22"), X86_EMU_OK);
	CHECK_EQ(m.mem[0x10], 0x22);
	/* Non-canonical: #GP(0), or #SS(0) through RSP/RBP. */
	st.gpr[X86_RBX] = 0x0000800000000000ull;
	CHECK_EQ(run(&st, "8a 03"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.gpr[X86_RBP] = 0x0000800000000000ull;
	CHECK_EQ(run(&st, "8a 45 00"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_SS, 0));
	/* 32-bit addressing truncates. */
	st.gpr[X86_RBX] = 0xffffffff00000040ull;
	CHECK_EQ(run(&st, "67 c6 03 33"), X86_EMU_OK);
	CHECK_EQ(m.mem[0x40], 0x33);
	/* 90 with REX.B is XCHG r8, rax; plain 90 leaves RAX alone. */
	st.gpr[X86_RAX] = 0xffffffff00000001ull;
	st.gpr[X86_R8] = 2;
	CHECK_EQ(run(&st, "90"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 0xffffffff00000001ull);
	CHECK_EQ(run(&st, "41 90"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 2);
	CHECK_EQ(st.gpr[X86_R8], 1);
	CHECK_EQ(run(&st, "f3 90"), X86_EMU_OK); /* PAUSE */
}

static void test_page_split_and_faults(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.gpr[X86_RBX] = 2 * PAGE - 2;
	st.gpr[X86_RAX] = 0x11223344;
	CHECK_EQ(run(&st, "89 03"), X86_EMU_OK);
	CHECK_EQ(m.ncalls, 2);
	CHECK_EQ(m.calls[0].addr, 2 * PAGE - 2);
	CHECK_EQ(m.calls[0].size, 2);
	CHECK_EQ(m.calls[1].addr, 2 * PAGE);
	CHECK_EQ(m.calls[1].size, 2);
	CHECK_EQ(rd32(2 * PAGE - 2), 0x11223344);
	/* A #PF from the callback comes back with its error code and CR2, and
	 * nothing in the state moves. */
	m.absent_page = 2;
	st.rip = 0x100;
	st.gpr[X86_RCX] = 7;
	CHECK_EQ(run(&st, "8b 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 0));
	CHECK_EQ(res.fault.cr2, 2 * PAGE);
	CHECK_EQ(st.rip, 0x100);
	CHECK_EQ(st.gpr[X86_RCX], 7);
	st.cpl = 3;
	CHECK_EQ(run(&st, "89 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 6));
	/* A faulting POP leaves RSP alone. */
	st.gpr[X86_RSP] = 2 * PAGE;
	CHECK_EQ(run(&st, "59"), X86_EMU_FAULT);
	CHECK_EQ(st.gpr[X86_RSP], 2 * PAGE);
}

static void test_rep_chunks_and_progress(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.rip = 0x500;
	st.gpr[X86_RSI] = 0x10000;
	st.gpr[X86_RDI] = 0x20000;
	st.gpr[X86_RCX] = X86_EMU_REP_CHUNK + 10;
	memset(m.mem + 0x10000, 0x5a, X86_EMU_REP_CHUNK + 10);
	CHECK_EQ(run(&st, "f3 a4"), X86_EMU_OK);
	CHECK(res.rep_incomplete);
	CHECK_EQ(st.rip, 0x500);
	CHECK_EQ(st.gpr[X86_RCX], 10);
	CHECK_EQ(st.gpr[X86_RDI], 0x20000 + X86_EMU_REP_CHUNK);
	CHECK_EQ(run(&st, "f3 a4"), X86_EMU_OK);
	CHECK(!res.rep_incomplete);
	CHECK_EQ(st.rip, 0x502);
	CHECK_EQ(st.gpr[X86_RCX], 0);
	CHECK_EQ(m.mem[0x20000 + X86_EMU_REP_CHUNK + 9], 0x5a);
	/* RCX = 0: nothing happens but RIP moves. */
	m.ncalls = 0;
	CHECK_EQ(run(&st, "f3 aa"), X86_EMU_OK);
	CHECK_EQ(m.ncalls, 0);
	CHECK_EQ(st.rip, 0x504);
	/* A fault mid-way keeps the progress of completed iterations. */
	st.rip = 0x600;
	st.gpr[X86_RDI] = 3 * PAGE - 8;
	st.gpr[X86_RCX] = 100;
	m.absent_page = 3;
	CHECK_EQ(run(&st, "f3 48 ab"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 2));
	CHECK_EQ(st.gpr[X86_RCX], 99);
	CHECK_EQ(st.gpr[X86_RDI], 3 * PAGE);
	CHECK_EQ(st.rip, 0x600);
	/* REPNE SCASB stops at the match; DF=1 walks down. */
	m.absent_page = ~0ull;
	memcpy(m.mem + 0x100, "abcdefgh", 8);
	st.gpr[X86_RDI] = 0x107;
	st.gpr[X86_RCX] = 20;
	st.gpr[X86_RAX] = 'c';
	st.rflags |= X86_FLAGS_DF;
	CHECK_EQ(run(&st, "f2 ae"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RDI], 0x101);
	CHECK_EQ(st.gpr[X86_RCX], 14);
	CHECK(st.rflags & X86_FLAGS_ZF);
	/* 16-bit addressing: CX/SI/DI wrap, upper bits stay. */
	real_mode(&st);
	st.gpr[X86_RCX] = 0xabcd0002;
	st.gpr[X86_RDI] = 0x1234ffff;
	CHECK_EQ(run(&st, "f3 aa"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RCX], 0xabcd0000);
	CHECK_EQ(st.gpr[X86_RDI], 0x12340001);
}

static void test_port_io(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.gpr[X86_RDX] = 0x3f8;
	st.gpr[X86_RAX] = 0xffffffffffffffffull;
	m.port_value = 0x41;
	CHECK_EQ(run(&st, "ec"), X86_EMU_OK); /* in al, dx */
	CHECK_EQ(st.gpr[X86_RAX], 0xffffffffffffff41ull);
	CHECK_EQ(run(&st, "e5 60"), X86_EMU_OK); /* in eax, 0x60 */
	CHECK_EQ(st.gpr[X86_RAX], 0x42);
	CHECK_EQ(m.calls[m.ncalls - 1].addr, 0x60);
	CHECK_EQ(run(&st, "66 ef"), X86_EMU_OK); /* out dx, ax */
	CHECK_EQ(m.calls[m.ncalls - 1].kind, 'o');
	CHECK_EQ(m.calls[m.ncalls - 1].size, 2);
	CHECK_EQ(run(&st, "e6 80"), X86_EMU_OK);
	/* REP INSW / OUTSB. */
	st.gpr[X86_RDI] = 0x800;
	st.gpr[X86_RCX] = 3;
	m.port_value = 0x100;
	CHECK_EQ(run(&st, "66 f3 6d"), X86_EMU_OK);
	CHECK_EQ(rd16(0x800), 0x100);
	CHECK_EQ(rd16(0x804), 0x102);
	CHECK_EQ(st.gpr[X86_RDI], 0x806);
	st.gpr[X86_RSI] = 0x800;
	st.gpr[X86_RCX] = 2;
	m.ncalls = 0;
	CHECK_EQ(run(&st, "f3 6e"), X86_EMU_OK);
	CHECK_EQ(m.ncalls, 4);
	CHECK_EQ(m.calls[1].kind, 'o');
	CHECK_EQ(m.calls[1].flags, 0x00);
	/* INS/OUTS with no I/O callbacks are unhandled. */
	CHECK_EQ(run_with(&st, &no_ops, "6c"), X86_EMU_UNHANDLED);
	CHECK_EQ(run_with(&st, &no_ops, "ee"), X86_EMU_UNHANDLED);
	CHECK_EQ(run_with(&st, &no_ops, "ec"), X86_EMU_UNHANDLED);
	CHECK_EQ(run_with(&st, &no_ops, "6e"), X86_EMU_UNHANDLED);
}

static void test_control_registers(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.cr3 = 0x123000;
	CHECK_EQ(run(&st, "0f 20 d8"), X86_EMU_OK); /* mov rax, cr3 */
	CHECK_EQ(st.gpr[X86_RAX], 0x123000);
	st.gpr[X86_RBX] = 0x456000;
	CHECK_EQ(run(&st, "0f 22 db"), X86_EMU_OK); /* mov cr3, rbx */
	CHECK_EQ(m.last_cr_write[3], 0x456000);
	CHECK_EQ(st.cr3, 0x456000);
	st.gpr[X86_RCX] = 5;
	CHECK_EQ(run(&st, "44 0f 22 c1"), X86_EMU_OK); /* mov cr8, rcx */
	CHECK_EQ(st.cr8, 5);
	st.gpr[X86_RCX] = 16;
	CHECK_EQ(run(&st, "44 0f 22 c1"), X86_EMU_FAULT); /* CR8 reserved bits */
	CHECK_EQ(run(&st, "0f 22 e9"), X86_EMU_FAULT);   /* cr5 */
	CHECK(is_fault(X86_EXC_UD, 0));
	st.gpr[X86_RAX] = 0x80000000;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_FAULT); /* PG without PE */
	CHECK(is_fault(X86_EXC_GP, 0));
	st.gpr[X86_RAX] = 1ull << 32;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_FAULT);
	m.cr_veto = 1; /* the callback may veto (e.g. reserved CR4 bits) */
	st.gpr[X86_RAX] = 0x11;
	CHECK_EQ(run(&st, "0f 22 e0"), X86_EMU_FAULT);
	CHECK_EQ(st.cr4, X86_CR4_OSFXSR);
	m.cr_veto = 0;
	st.cpl = 3;
	CHECK_EQ(run(&st, "0f 20 d8"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	/* 32-bit code: 32-bit operands; LOCK MOV CR0 is CR8 (AMD). */
	protected32(&st);
	st.cr8 = 9;
	st.gpr[X86_RAX] = 0xffffffffffffffffull;
	CHECK_EQ(run(&st, "f0 0f 20 c0"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 9);
	CHECK_EQ(run_with(&st, &no_ops, "0f 22 d8"), X86_EMU_UNHANDLED);
	/* CLTS, LMSW (cannot clear PE), SMSW. */
	st.cr0 |= X86_CR0_TS;
	CHECK_EQ(run(&st, "0f 06"), X86_EMU_OK);
	CHECK_EQ(st.cr0 & X86_CR0_TS, 0);
	st.gpr[X86_RAX] = 0xfff0;
	CHECK_EQ(run(&st, "0f 01 f0"), X86_EMU_OK); /* lmsw ax */
	CHECK_EQ(st.cr0 & 0xf, X86_CR0_PE);
	st.gpr[X86_RAX] = 0xe;
	CHECK_EQ(run(&st, "0f 01 f0"), X86_EMU_OK);
	CHECK_EQ(st.cr0 & 0xf, 0xf);
	CHECK_EQ(run(&st, "0f 01 e1"), X86_EMU_OK); /* smsw ecx */
	CHECK_EQ(st.gpr[X86_RCX], st.cr0 & 0xffffffff);
	st.gpr[X86_RBX] = 0x100;
	CHECK_EQ(run(&st, "0f 01 23"), X86_EMU_OK); /* smsw [ebx] */
	CHECK_EQ(rd16(0x100), st.cr0 & 0xffff);
	st.cpl = 3;
	CHECK_EQ(run(&st, "0f 06"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 01 f0"), X86_EMU_FAULT);
	st.cr4 |= 1ull << 11; /* UMIP */
	CHECK_EQ(run(&st, "0f 01 23"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 01 03"), X86_EMU_FAULT); /* sgdt */
}

static void test_debug_registers(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.gpr[X86_RAX] = 0x401;
	CHECK_EQ(run(&st, "0f 23 f8"), X86_EMU_OK); /* mov dr7, rax */
	CHECK_EQ(m.dr[7], 0x401);
	CHECK_EQ(run(&st, "0f 21 e9"), X86_EMU_OK); /* mov rcx, dr5 -> dr7 */
	CHECK_EQ(st.gpr[X86_RCX], 0x401);
	st.cr4 |= X86_CR4_DE;
	CHECK_EQ(run(&st, "0f 21 e9"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_UD, 0));
	CHECK_EQ(run(&st, "44 0f 21 c0"), X86_EMU_FAULT); /* dr8 */
	CHECK(is_fault(X86_EXC_UD, 0));
	st.cpl = 1;
	CHECK_EQ(run(&st, "0f 21 c0"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.cpl = 0;
	CHECK_EQ(run_with(&st, &no_ops, "0f 21 c0"), X86_EMU_UNHANDLED);
}

static void test_descriptor_tables(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	st.gpr[X86_RBX] = 0x200;
	wr16(0x200, 0x27);
	wr32(0x202, 0xff012345);
	CHECK_EQ(run(&st, "0f 01 13"), X86_EMU_OK); /* lgdt [ebx] */
	CHECK_EQ(st.gdtr.limit, 0x27);
	CHECK_EQ(st.gdtr.base, 0xff012345);
	CHECK_EQ(run(&st, "66 0f 01 1b"), X86_EMU_OK); /* lidt with 16-bit operand: 24-bit base */
	CHECK_EQ(st.idtr.base, 0x012345);
	st.gpr[X86_RBX] = 0x300;
	CHECK_EQ(run(&st, "0f 01 03"), X86_EMU_OK); /* sgdt [ebx] */
	CHECK_EQ(rd16(0x300), 0x27);
	CHECK_EQ(rd32(0x302), 0xff012345);
	CHECK_EQ(run(&st, "0f 01 0b"), X86_EMU_OK); /* sidt [ebx] */
	CHECK_EQ(rd32(0x302), 0x012345);
	long64(&st);
	st.gpr[X86_RBX] = 0x200;
	memcpy(m.mem + 0x202, "\x00\x10\x00\x00\x80\xff\xff\xff", 8);
	CHECK_EQ(run(&st, "0f 01 13"), X86_EMU_OK);
	CHECK_EQ(st.gdtr.base, 0xffffff8000001000ull);
	st.cpl = 3;
	CHECK_EQ(run(&st, "0f 01 13"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.cpl = 0;
	CHECK_EQ(run(&st, "0f 01 d8"), X86_EMU_UNHANDLED); /* VMRUN, not LIDT */
	CHECK_EQ(run(&st, "0f 01 e8"), X86_EMU_UNHANDLED); /* mod=3 /5 */
}

static void test_invlpg_cpuid_msr_hlt(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	st.seg[X86_SEG_FS].base = 0x10000;
	st.gpr[X86_RAX] = 0x234;
	CHECK_EQ(run(&st, "64 0f 01 38"), X86_EMU_OK); /* invlpg fs:[eax] */
	CHECK_EQ(m.last_invlpg, 0x10234);
	CHECK_EQ(run_with(&st, &no_ops, "0f 01 38"), X86_EMU_UNHANDLED);
	st.gpr[X86_RAX] = 0xffffffff00000007ull;
	st.gpr[X86_RCX] = 1;
	CHECK_EQ(run(&st, "0f a2"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 8);
	CHECK_EQ(st.gpr[X86_RBX], 3);
	CHECK_EQ(st.gpr[X86_RCX], 0x12345678);
	CHECK_EQ(st.gpr[X86_RDX], 0x9abcdef0);
	CHECK_EQ(run_with(&st, &no_ops, "0f a2"), X86_EMU_UNHANDLED);
	st.gpr[X86_RCX] = 0xc0000080;
	m.msr_value = 0x1122334455667788ull;
	CHECK_EQ(run(&st, "0f 32"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 0x55667788);
	CHECK_EQ(st.gpr[X86_RDX], 0x11223344);
	st.gpr[X86_RAX] = 1;
	st.gpr[X86_RDX] = 2;
	CHECK_EQ(run(&st, "0f 30"), X86_EMU_OK);
	CHECK_EQ(m.msr_value, 0x200000001ull);
	CHECK_EQ(m.last_msr, 0xc0000080);
	st.gpr[X86_RCX] = 0xdead;
	st.rip = 0x40;
	CHECK_EQ(run(&st, "0f 32"), X86_EMU_FAULT); /* the callback's #GP */
	CHECK(is_fault(X86_EXC_GP, 0));
	CHECK_EQ(st.rip, 0x40);
	CHECK_EQ(run_with(&st, &no_ops, "0f 32"), X86_EMU_UNHANDLED);
	CHECK_EQ(run_with(&st, &no_ops, "0f 30"), X86_EMU_UNHANDLED);
	CHECK_EQ(run(&st, "f4"), X86_EMU_HALT);
	CHECK_EQ(st.rip, 0x41);
	CHECK_EQ(run(&st, "0f 09"), X86_EMU_OK); /* wbinvd */
	st.cpl = 3;
	CHECK_EQ(run(&st, "f4"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 32"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 30"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 01 38"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f 08"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f a2"), X86_EMU_OK);
}

static void test_real_mode_far_transfers(void)
{
	struct x86_cpu_state st;
	real_mode(&st);
	st.rip = 0x100;
	st.seg[X86_SEG_SS].base = 0x8000;
	st.gpr[X86_RSP] = 0x1000;
	CHECK_EQ(run(&st, "ea 34 12 00 f0"), X86_EMU_OK); /* jmp f000:1234 */
	CHECK_EQ(st.seg[X86_SEG_CS].sel, 0xf000);
	CHECK_EQ(st.seg[X86_SEG_CS].base, 0xf0000);
	CHECK_EQ(st.rip, 0x1234);
	CHECK_EQ(run(&st, "9a 00 02 00 10"), X86_EMU_OK); /* call 1000:0200 */
	CHECK_EQ(st.rip, 0x200);
	CHECK_EQ(st.gpr[X86_RSP], 0xffc);
	CHECK_EQ(rd16(0x8ffc), 0x1239);
	CHECK_EQ(rd16(0x8ffe), 0xf000);
	CHECK_EQ(run(&st, "cb"), X86_EMU_OK); /* retf */
	CHECK_EQ(st.seg[X86_SEG_CS].sel, 0xf000);
	CHECK_EQ(st.rip, 0x1239);
	CHECK_EQ(st.gpr[X86_RSP], 0x1000);
	/* Far jump through memory, 32-bit offset. */
	st.seg[X86_SEG_DS].base = 0;
	st.gpr[X86_RBX] = 0x600;
	wr32(0x600, 0x0000abcd);
	wr16(0x604, 0x2000);
	CHECK_EQ(run(&st, "66 ff 2f"), X86_EMU_OK);
	CHECK_EQ(st.seg[X86_SEG_CS].base, 0x20000);
	CHECK_EQ(st.rip, 0xabcd);
	/* IRET: IP, CS, FLAGS. */
	wr16(0x8ffa, 0x0010);
	wr16(0x8ffc, 0x0700);
	wr16(0x8ffe, 0x0202 | X86_FLAGS_DF | X86_FLAGS_CF);
	st.gpr[X86_RSP] = 0xffa;
	CHECK_EQ(run(&st, "cf"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x10);
	CHECK_EQ(st.seg[X86_SEG_CS].base, 0x7000);
	CHECK_EQ(st.rflags, 0x0202 | X86_FLAGS_DF | X86_FLAGS_CF);
	/* 32-bit IRET loads RF (kept, unlike other instructions clear it) but
	 * not VM, VIF, VIP in real mode. */
	wr32(0x8ff4, 0x20);
	wr32(0x8ff8, 0x0700);
	wr32(0x8ffc, 0x0202 | X86_FLAGS_RF | X86_FLAGS_VM | X86_FLAGS_VIF);
	st.gpr[X86_RSP] = 0xff4;
	CHECK_EQ(run(&st, "66 cf"), X86_EMU_OK);
	CHECK_EQ(st.rflags, 0x0202 | X86_FLAGS_RF);
	st.rflags = X86_FLAGS_FIXED1;
	/* RETF imm16 releases parameters. */
	wr16(0x8ffa, 0x0020);
	wr16(0x8ffc, 0x0800);
	st.gpr[X86_RSP] = 0xffa;
	CHECK_EQ(run(&st, "ca 04 00"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RSP], 0x1002);
	/* MOV Sreg and POP Sreg in real mode. */
	st.gpr[X86_RAX] = 0x1234;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_OK);
	CHECK_EQ(st.seg[X86_SEG_DS].base, 0x12340);
	CHECK_EQ(run(&st, "8c da"), X86_EMU_OK); /* mov dx, ds */
	CHECK_EQ(st.gpr[X86_RDX] & 0xffff, 0x1234);
	CHECK_EQ(run(&st, "06"), X86_EMU_OK); /* push es */
	CHECK_EQ(run(&st, "1f"), X86_EMU_OK); /* pop ds */
	CHECK_EQ(st.seg[X86_SEG_DS].base, 0);
	CHECK_EQ(run(&st, "0f a8"), X86_EMU_OK); /* push gs */
	CHECK_EQ(run(&st, "0f a1"), X86_EMU_OK); /* pop fs */
	CHECK_EQ(run(&st, "0f a0"), X86_EMU_OK);
	CHECK_EQ(run(&st, "0f a9"), X86_EMU_OK);
	CHECK_EQ(run(&st, "17"), X86_EMU_OK); /* pop ss */
	/* VM86 segment loads also fix the limit and attributes. */
	st.rflags |= X86_FLAGS_VM;
	st.cr0 |= X86_CR0_PE;
	CHECK_EQ(run(&st, "8e c0"), X86_EMU_OK);
	CHECK_EQ(st.seg[X86_SEG_ES].limit, 0xffff);
	CHECK_EQ(run(&st, "cf"), X86_EMU_UNHANDLED);
}

static void test_near_branches(void)
{
	struct x86_cpu_state st;
	real_mode(&st);
	st.rip = 0xfff0;
	CHECK_EQ(run(&st, "eb 20"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x0012); /* wraps at 64 KiB */
	st.gpr[X86_RSP] = 0x100;
	CHECK_EQ(run(&st, "e8 00 01"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x115);
	CHECK_EQ(rd16(0xfe), 0x15);
	CHECK_EQ(run(&st, "c3"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x15);
	st.rflags |= X86_FLAGS_ZF;
	CHECK_EQ(run(&st, "74 10"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x27);
	CHECK_EQ(run(&st, "0f 85 00 10"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x2b);
	st.gpr[X86_RCX] = 2;
	CHECK_EQ(run(&st, "e2 fe"), X86_EMU_OK); /* loop $ */
	CHECK_EQ(st.rip, 0x2b);
	CHECK_EQ(run(&st, "e2 fe"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x2d);
	CHECK_EQ(run(&st, "e3 10"), X86_EMU_OK); /* jcxz */
	CHECK_EQ(st.rip, 0x3f);
	st.gpr[X86_RCX] = 5;
	CHECK_EQ(run(&st, "e1 10"), X86_EMU_OK); /* loope, ZF=1 */
	CHECK_EQ(st.rip, 0x51);
	CHECK_EQ(run(&st, "e0 10"), X86_EMU_OK); /* loopne, ZF=1: falls through */
	CHECK_EQ(st.rip, 0x53);
	st.gpr[X86_RBX] = 0x4000;
	CHECK_EQ(run(&st, "ff e3"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x4000);
	CHECK_EQ(run(&st, "ff d3"), X86_EMU_OK);
	CHECK_EQ(run(&st, "c2 02 00"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x4002);
	/* Beyond the CS limit: #GP(0). */
	st.seg[X86_SEG_CS].limit = 0x4fff;
	CHECK_EQ(run(&st, "e9 00 20"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	long64(&st);
	st.rip = 0x00007ffffffffff0ull;
	CHECK_EQ(run(&st, "e9 00 01 00 00"), X86_EMU_FAULT); /* non-canonical */
	st.gpr[X86_RSP] = 0x1000;
	st.rip = 0x1000;
	CHECK_EQ(run(&st, "e8 00 01 00 00"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RSP], 0xff8);
	CHECK_EQ(rd32(0xff8), 0x1005);
	CHECK_EQ(st.rip, 0x1105);
}

/* A flat GDT for the protected-mode tests: 0x08 code32, 0x10 data,
 * 0x18 code64, 0x20 not-present data, 0x28 call gate, 0x30 ring-3 data,
 * 0x38 read-only data, 0x40 execute-only code. */
static void install_gdt(struct x86_cpu_state *st)
{
	static const uint8_t gdt[][8] = {
		{ 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x9a, 0xaf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x12, 0xcf, 0 },
		{ 0, 0, 0x08, 0, 0, 0x8c, 0, 0 },
		{ 0xff, 0xff, 0x00, 0x10, 0, 0xf2, 0xcf, 0 },
		{ 0xff, 0x0f, 0, 0, 0, 0x90, 0x40, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x98, 0xcf, 0 },
	};
	memcpy(m.mem + 0x1000, gdt, sizeof(gdt));
	st->gdtr.base = 0x1000;
	st->gdtr.limit = sizeof(gdt) - 1;
}

static void test_protected_segment_loads(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	install_gdt(&st);
	st.gpr[X86_RAX] = 0x10;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_OK);
	CHECK_EQ(st.seg[X86_SEG_DS].limit, 0xffffffff);
	CHECK_EQ(st.seg[X86_SEG_DS].attr & 0xff, 0x93); /* accessed bit set */
	CHECK_EQ(m.mem[0x1000 + 0x10 + 5], 0x93);
	st.gpr[X86_RAX] = 0x30 | 3;
	CHECK_EQ(run(&st, "8e c0"), X86_EMU_OK); /* DPL 3 data from CPL 0 */
	CHECK_EQ(st.seg[X86_SEG_ES].base, 0x1000);
	st.gpr[X86_RAX] = 0x38;
	CHECK_EQ(run(&st, "8e e0"), X86_EMU_OK); /* read-only data into FS */
	CHECK_EQ(st.seg[X86_SEG_FS].limit, 0xfff);
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_FAULT); /* ...but not SS */
	CHECK(is_fault(X86_EXC_GP, 0x38));
	st.gpr[X86_RAX] = 0x20;
	CHECK_EQ(run(&st, "8e e8"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_NP, 0x20));
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_SS, 0x20)); /* a not-present stack is #SS */
	st.gpr[X86_RAX] = 0x48;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT); /* past the GDT limit */
	CHECK(is_fault(X86_EXC_GP, 0x48));
	st.gpr[X86_RAX] = 0x0c;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT); /* LDT without an LDT */
	CHECK(is_fault(X86_EXC_GP, 0x0c));
	st.gpr[X86_RAX] = 0x40;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT); /* execute-only code */
	st.gpr[X86_RAX] = 0x08;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_OK); /* readable code is fine */
	st.gpr[X86_RAX] = 0x28;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT); /* system descriptor */
	st.gpr[X86_RAX] = 0;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_OK); /* null: allowed, unusable */
	CHECK_EQ(st.seg[X86_SEG_DS].attr, 0);
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_FAULT); /* null SS */
	CHECK(is_fault(X86_EXC_GP, 0));
	/* CPL 3 may not load a DPL 0 data segment. */
	st.cpl = 3;
	st.gpr[X86_RAX] = 0x13;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0x10));
	st.gpr[X86_RAX] = 0x33;
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_OK); /* SS with RPL=DPL=CPL=3 */
	/* 64-bit mode: null SS at CPL 0 is fine; FS base keeps 32 bits. */
	long64(&st);
	install_gdt(&st);
	st.gpr[X86_RAX] = 0;
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_OK);
	/* LDT selectors go through LDTR. */
	st.ldtr = (struct x86_segment){ .base = 0x1000, .limit = 0x47, .attr = X86_SEG_ATTR_P | 2 };
	st.gpr[X86_RAX] = 0x14;
	CHECK_EQ(run(&st, "8e e0"), X86_EMU_OK);
	/* A #PF reading the descriptor comes back as is. */
	m.absent_page = 1;
	st.gpr[X86_RAX] = 0x10;
	CHECK_EQ(run(&st, "8e d8"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 0));
}

static void test_protected_far_transfers(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	install_gdt(&st);
	st.gpr[X86_RSP] = 0x8000;
	st.rip = 0x100;
	CHECK_EQ(run(&st, "ea 00 20 00 00 08 00"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x2000);
	CHECK_EQ(st.seg[X86_SEG_CS].sel, 0x08);
	CHECK_EQ(st.mode, X86_MODE_32);
	CHECK_EQ(run(&st, "9a 00 30 00 00 08 00"), X86_EMU_OK);
	CHECK_EQ(rd32(0x7ff8), 0x2007);
	CHECK_EQ(rd32(0x7ffc), 0x08);
	CHECK_EQ(run(&st, "cb"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x2007);
	CHECK_EQ(st.gpr[X86_RSP], 0x8000);
	CHECK_EQ(run(&st, "ea 00 20 00 00 10 00"), X86_EMU_FAULT); /* data segment */
	CHECK(is_fault(X86_EXC_GP, 0x10));
	CHECK_EQ(run(&st, "ea 00 20 00 00 28 00"), X86_EMU_UNHANDLED); /* call gate */
	CHECK_EQ(run(&st, "ea 00 20 00 00 00 00"), X86_EMU_FAULT); /* null */
	CHECK(is_fault(X86_EXC_GP, 0));
	/* RETF to an outer level is not emulated. */
	wr32(0x7ff8, 0x1000);
	wr32(0x7ffc, 0x1b);
	st.gpr[X86_RSP] = 0x7ff8;
	CHECK_EQ(run(&st, "cb"), X86_EMU_UNHANDLED);
	/* Compatibility mode to 64-bit code via a far jump. */
	st.efer = 0x500;
	CHECK_EQ(run(&st, "ea 00 40 00 00 18 00"), X86_EMU_OK);
	CHECK_EQ(st.mode, X86_MODE_64);
	/* IRET at the same level in 32-bit code. */
	protected32(&st);
	install_gdt(&st);
	wr32(0x7ff4, 0x5000);
	wr32(0x7ff8, 0x08);
	wr32(0x7ffc, 0x3202 | X86_FLAGS_CF);
	st.gpr[X86_RSP] = 0x7ff4;
	CHECK_EQ(run(&st, "cf"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x5000);
	CHECK_EQ(st.rflags, 0x3202 | X86_FLAGS_CF);
	st.rflags |= X86_FLAGS_NT;
	CHECK_EQ(run(&st, "cf"), X86_EMU_UNHANDLED);
	/* IRETQ pops SS:RSP too. */
	long64(&st);
	install_gdt(&st);
	uint64_t frame[5] = { 0x6000, 0x18, 0x202, 0x9000, 0x10 };
	memcpy(m.mem + 0x7000, frame, sizeof(frame));
	st.gpr[X86_RSP] = 0x7000;
	CHECK_EQ(run(&st, "48 cf"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x6000);
	CHECK_EQ(st.gpr[X86_RSP], 0x9000);
	CHECK_EQ(st.seg[X86_SEG_SS].sel, 0x10);
}

static void test_sse_moves(void)
{
	struct x86_cpu_state st;
	long64(&st);
	for (int i = 0; i < 16; i++)
		m.mem[0x400 + i] = (uint8_t)(0xa0 + i);
	st.gpr[X86_RBX] = 0x400;
	CHECK_EQ(run(&st, "f3 0f 6f 03"), X86_EMU_OK); /* movdqu xmm0, [rbx] */
	CHECK_EQ(m.xmm[0][15], 0xaf);
	st.gpr[X86_RBX] = 0xc00;
	m.mem[0xc00] = 1;
	CHECK_EQ(run(&st, "66 44 0f 7f 03"), X86_EMU_OK); /* movdqa [rbx], xmm8 */
	CHECK_EQ(m.mem[0xc00], 0);
	st.gpr[X86_RBX] = 0x401;
	CHECK_EQ(run(&st, "66 0f 6f 03"), X86_EMU_FAULT); /* movdqa misaligned */
	CHECK(is_fault(X86_EXC_GP, 0));
	CHECK_EQ(run(&st, "0f 28 03"), X86_EMU_FAULT); /* movaps misaligned */
	CHECK_EQ(run(&st, "0f 10 0b"), X86_EMU_OK);   /* movups xmm1, [rbx] */
	CHECK_EQ(m.xmm[1][0], 0xa1);
	st.gpr[X86_RBX] = 0x800;
	CHECK_EQ(run(&st, "0f 11 0b"), X86_EMU_OK);   /* movups [rbx], xmm1 */
	CHECK_EQ(m.mem[0x800], 0xa1);
	CHECK_EQ(run(&st, "0f 29 0b"), X86_EMU_OK);   /* movaps [rbx], xmm1 */
	CHECK_EQ(run(&st, "0f 28 d1"), X86_EMU_OK);   /* movaps xmm2, xmm1 */
	CHECK_EQ(m.xmm[2][3], 0xa4);
	/* MOVD/MOVQ. */
	st.gpr[X86_RAX] = 0x1122334455667788ull;
	CHECK_EQ(run(&st, "66 0f 6e d8"), X86_EMU_OK); /* movd xmm3, eax */
	CHECK_EQ(m.xmm[3][0], 0x88);
	CHECK_EQ(m.xmm[3][4], 0);
	CHECK_EQ(run(&st, "66 48 0f 6e d8"), X86_EMU_OK); /* movq xmm3, rax */
	CHECK_EQ(m.xmm[3][7], 0x11);
	CHECK_EQ(run(&st, "66 0f 7e d9"), X86_EMU_OK); /* movd ecx, xmm3 */
	CHECK_EQ(st.gpr[X86_RCX], 0x55667788);
	CHECK_EQ(run(&st, "66 48 0f 7e 1b"), X86_EMU_OK); /* movq [rbx], xmm3 */
	CHECK_EQ(rd32(0x804), 0x11223344);
	CHECK_EQ(run(&st, "66 0f 7e 1b"), X86_EMU_OK); /* movd [rbx], xmm3 */
	CHECK_EQ(run(&st, "f3 0f 7e 23"), X86_EMU_OK); /* movq xmm4, [rbx] */
	CHECK_EQ(m.xmm[4][8], 0);
	CHECK_EQ(run(&st, "66 0f d6 23"), X86_EMU_OK); /* movq [rbx], xmm4 */
	CHECK_EQ(run(&st, "66 0f d6 e1"), X86_EMU_OK); /* movq xmm1, xmm4 (zeroes upper) */
	CHECK_EQ(m.xmm[1][8], 0);
	CHECK_EQ(run(&st, "f3 0f 7e e9"), X86_EMU_OK); /* movq xmm5, xmm1 */
	/* Availability checks. */
	st.cr0 |= X86_CR0_TS;
	CHECK_EQ(run(&st, "0f 10 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_NM, 0));
	st.cr0 &= ~X86_CR0_TS;
	st.cr4 = 0;
	CHECK_EQ(run(&st, "0f 10 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_UD, 0));
	CHECK_EQ(run_with(&st, &no_ops, "0f 10 0b"), X86_EMU_UNHANDLED);
	CHECK_EQ(run(&st, "f3 0f 10 0b"), X86_EMU_UNHANDLED); /* MOVSS */
	CHECK_EQ(run(&st, "0f 6f 03"), X86_EMU_UNHANDLED);    /* MMX */
}

static void test_decode_failures_and_unhandled(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.rip = 0x10;
	CHECK_EQ(run(&st, "0f 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_UD, 0));
	CHECK_EQ(run(&st, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	CHECK_EQ(run(&st, "8b"), X86_EMU_UNHANDLED);
	CHECK_EQ(res.insn.len, 0);
	CHECK_EQ(run(&st, "c5 f8 77"), X86_EMU_UNHANDLED); /* VEX */
	CHECK_EQ(run(&st, "0f 05"), X86_EMU_UNHANDLED);    /* SYSCALL */
	CHECK_EQ(run(&st, "d9 c0"), X86_EMU_UNHANDLED);    /* x87 */
	CHECK_EQ(run(&st, "0f 38 00 c1"), X86_EMU_UNHANDLED);
	CHECK_EQ(run(&st, "0f 3a 0f c1 01"), X86_EMU_UNHANDLED);
	CHECK_EQ(run(&st, "c7 f8 00 00 00 00"), X86_EMU_UNHANDLED); /* XBEGIN */
	CHECK_EQ(run(&st, "63 c1"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x12);
	protected32(&st);
	CHECK_EQ(run(&st, "63 c1"), X86_EMU_UNHANDLED); /* ARPL */
	CHECK_EQ(st.rip, 0);
	/* RF is cleared by a completed instruction. */
	st.rflags |= X86_FLAGS_RF;
	CHECK_EQ(run(&st, "90"), X86_EMU_OK);
	CHECK_EQ(st.rflags & X86_FLAGS_RF, 0);
	/* 32-bit INC/DEC forms and LEA. */
	st.gpr[X86_RAX] = 0xffffffff;
	CHECK_EQ(run(&st, "40"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 0);
	CHECK(st.rflags & X86_FLAGS_ZF);
	CHECK_EQ(run(&st, "4b"), X86_EMU_OK);
	st.gpr[X86_RBX] = 0x10;
	CHECK_EQ(run(&st, "66 8d 44 5b 02"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 0x32);
	/* DIV by zero: #DE and nothing changes. */
	st.gpr[X86_RCX] = 0;
	st.rip = 0x77;
	CHECK_EQ(run(&st, "f7 f1"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_DE, 0));
	CHECK_EQ(st.rip, 0x77);
	/* CMPXCHG16B needs 16-byte alignment. */
	long64(&st);
	st.gpr[X86_RBX] = 0x108;
	CHECK_EQ(run(&st, "48 0f c7 0b"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	CHECK_EQ(run(&st, "0f c7 f0"), X86_EMU_UNHANDLED); /* RDRAND */
	CHECK_EQ(run(&st, "8f c0"), X86_EMU_OK);  /* pop rax */
	CHECK_EQ(run(&st, "ff f0"), X86_EMU_OK);  /* push rax */
	CHECK_EQ(run(&st, "fe c0"), X86_EMU_OK);  /* inc al */
}

/* x86_emulate() fetches through read_mem, one page at a time. */
static void test_fetch(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.rip = 2 * PAGE - 2;
	memcpy(m.mem + st.rip, "\x48\x89\xd8", 3); /* mov rax, rbx across pages */
	st.gpr[X86_RBX] = 42;
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 42);
	CHECK_EQ(st.rip, 2 * PAGE + 1);
	CHECK_EQ(m.calls[0].flags & X86_MEM_FETCH, X86_MEM_FETCH);
	/* The second page is absent: #PF on the fetch. */
	st.rip = 2 * PAGE - 2;
	m.absent_page = 2;
	st.cpl = 3;
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 4 | 16));
	CHECK_EQ(res.fault.cr2, 2 * PAGE);
	/* An instruction ending at the page end does not touch the next page. */
	st.rip = 2 * PAGE - 1;
	m.mem[st.rip] = 0x90;
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_OK);
	/* A fault on the first page. */
	st.rip = 2 * PAGE + 5;
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	/* Invalid and too-long code. */
	m.absent_page = ~0ull;
	st.rip = 0x100;
	memcpy(m.mem + 0x100, "\x0f\x0b", 2);
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_UD, 0));
	memset(m.mem + 0x100, 0x66, 16);
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	/* The CS limit bounds the fetch in 32-bit code. */
	protected32(&st);
	st.seg[X86_SEG_CS].base = 0x1000;
	st.seg[X86_SEG_CS].limit = 0x101;
	st.rip = 0x100;
	memcpy(m.mem + 0x1100, "\x89\xd8", 2);
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_OK);
	st.rip = 0x100;
	memcpy(m.mem + 0x1100, "\x8b\x05\x00\x00", 4);
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.rip = 0x200;
	CHECK_EQ(x86_emulate(&st, &ops, &res), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
}

static void test_stack_sizes(void)
{
	struct x86_cpu_state st;
	/* 16-bit stack (SS.B=0) in 32-bit code: SP wraps, ESP upper bits stay. */
	protected32(&st);
	st.seg[X86_SEG_SS].attr &= ~X86_SEG_ATTR_DB;
	st.gpr[X86_RSP] = 0x12340000;
	st.gpr[X86_RAX] = 0xdeadbeef;
	CHECK_EQ(run(&st, "50"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RSP], 0x1234fffc);
	CHECK_EQ(rd32(0xfffc), 0xdeadbeef);
	CHECK_EQ(run(&st, "66 6a ff"), X86_EMU_OK); /* push word -1 */
	CHECK_EQ(rd16(0xfffa), 0xffff);
	CHECK_EQ(run(&st, "66 58"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX] & 0xffff, 0xffff);
	/* POP [ESP]: the address is computed after the increment. */
	st.gpr[X86_RSP] = 0x100;
	wr32(0x100, 0x55aa55aa);
	CHECK_EQ(run(&st, "8f 04 24"), X86_EMU_OK);
	CHECK_EQ(rd32(0x104), 0x55aa55aa);
	CHECK_EQ(run(&st, "0e"), X86_EMU_OK); /* push cs */
	CHECK_EQ(rd32(0x100), 0x08);
}

static void test_emulate_insn_entry(void)
{
	struct x86_cpu_state st;
	struct x86_insn insn;
	uint8_t b[] = { 0x01, 0xd8 }; /* add eax, ebx */
	long64(&st);
	st.gpr[X86_RAX] = 1;
	st.gpr[X86_RBX] = 2;
	CHECK_EQ(x86_decode(b, sizeof(b), X86_MODE_64, &insn), X86_DECODE_OK);
	CHECK_EQ(x86_emulate_insn(&st, &ops, &insn, &res), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 3);
	CHECK_EQ(st.rip, 2);
	CHECK_EQ(res.insn.len, 2);
}

static void test_interrupt_flag_and_shadows(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	CHECK_EQ(run(&st, "fb"), X86_EMU_OK); /* sti with IF=0: shadow */
	CHECK(st.rflags & X86_FLAGS_IF);
	CHECK_EQ(res.shadow, X86_SHADOW_STI);
	CHECK_EQ(run(&st, "fb"), X86_EMU_OK); /* IF already set: none */
	CHECK_EQ(res.shadow, X86_SHADOW_NONE);
	CHECK_EQ(run(&st, "fa"), X86_EMU_OK);
	CHECK_EQ(st.rflags & X86_FLAGS_IF, 0);
	st.cpl = 3; /* IOPL 0 */
	CHECK_EQ(run(&st, "fa"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_GP, 0));
	st.cr4 |= 2; /* PVI: would change VIF */
	CHECK_EQ(run(&st, "fb"), X86_EMU_UNHANDLED);
	st.rflags |= X86_FLAGS_IOPL;
	CHECK_EQ(run(&st, "fb"), X86_EMU_OK);
	/* VM86: IOPL < 3 faults, or is VME's business. */
	st.rflags = X86_FLAGS_FIXED1 | X86_FLAGS_VM;
	st.mode = X86_MODE_16;
	st.cr4 = 0;
	CHECK_EQ(run(&st, "fa"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "9c"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "9d"), X86_EMU_FAULT);
	st.cr4 = 1;
	CHECK_EQ(run(&st, "fa"), X86_EMU_UNHANDLED);
	CHECK_EQ(run(&st, "9c"), X86_EMU_UNHANDLED);
	/* PUSHF stores neither VM nor RF; POPF in VM86 keeps IOPL. */
	st.rflags |= X86_FLAGS_IOPL | X86_FLAGS_RF;
	st.gpr[X86_RSP] = 0x800;
	CHECK_EQ(run(&st, "66 9c"), X86_EMU_OK);
	CHECK_EQ(rd32(0x7fc), X86_FLAGS_FIXED1 | X86_FLAGS_IOPL);
	wr32(0x7fc, X86_FLAGS_CF | X86_FLAGS_IF);
	CHECK_EQ(run(&st, "66 9d"), X86_EMU_OK);
	CHECK_EQ(st.rflags, X86_FLAGS_FIXED1 | X86_FLAGS_VM | X86_FLAGS_IOPL | X86_FLAGS_CF |
				    X86_FLAGS_IF);
	CHECK_EQ(run(&st, "fa"), X86_EMU_OK);
	/* POPF at CPL 0 sets IOPL; 16-bit POPF leaves the upper half. */
	protected32(&st);
	st.gpr[X86_RSP] = 0x800;
	wr32(0x800, X86_FLAGS_IOPL | X86_FLAGS_IF | X86_FLAGS_VM | X86_FLAGS_AC);
	CHECK_EQ(run(&st, "9d"), X86_EMU_OK);
	CHECK_EQ(st.rflags, X86_FLAGS_FIXED1 | X86_FLAGS_IOPL | X86_FLAGS_IF | X86_FLAGS_AC);
	wr16(0x7fe, 0);
	st.gpr[X86_RSP] = 0x7fe;
	CHECK_EQ(run(&st, "66 9d"), X86_EMU_OK);
	CHECK_EQ(st.rflags, X86_FLAGS_FIXED1 | X86_FLAGS_AC);
	/* Real mode: all of them. */
	real_mode(&st);
	CHECK_EQ(run(&st, "fb"), X86_EMU_OK);
	/* MOV SS and POP SS start a MOV-SS shadow; a faulting one does not. */
	st.gpr[X86_RAX] = 0x10;
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_OK);
	CHECK_EQ(res.shadow, X86_SHADOW_MOV_SS);
	CHECK_EQ(run(&st, "17"), X86_EMU_OK);
	CHECK_EQ(res.shadow, X86_SHADOW_MOV_SS);
	protected32(&st);
	install_gdt(&st);
	st.gpr[X86_RAX] = 0x20;
	CHECK_EQ(run(&st, "8e d0"), X86_EMU_FAULT);
	CHECK_EQ(res.shadow, X86_SHADOW_NONE);
}

static void test_misc_forms(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	st.gpr[X86_RAX] = 0x1234;
	CHECK_EQ(run(&st, "66 0f c8"), X86_EMU_UNHANDLED); /* BSWAP r16 */
	CHECK_EQ(run(&st, "f3 0f bc c1"), X86_EMU_UNHANDLED); /* TZCNT */
	st.seg[X86_SEG_ES].base = 0x100;
	st.gpr[X86_RBX] = 0x10;
	st.gpr[X86_RAX] = 0x5;
	m.mem[0x115] = 0x77;
	CHECK_EQ(run(&st, "26 d7"), X86_EMU_OK); /* xlat es: */
	CHECK_EQ(st.gpr[X86_RAX], 0x77);
	m.absent_page = 0;
	CHECK_EQ(run(&st, "26 d7"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "0f bc 03"), X86_EMU_FAULT);
	CHECK_EQ(run(&st, "c1 23 04"), X86_EMU_FAULT); /* shl dword [ebx], 4 */
	CHECK_EQ(run(&st, "0f af 03"), X86_EMU_FAULT);
	m.absent_page = ~0ull;
	/* A shift by 0 does not write memory. */
	m.ncalls = 0;
	CHECK_EQ(run(&st, "c1 23 00"), X86_EMU_OK);
	CHECK_EQ(m.ncalls, 1);
	/* RCL of a byte by 9 is a full turn through CF. */
	st.gpr[X86_RAX] = 0x81;
	st.rflags |= X86_FLAGS_CF;
	CHECK_EQ(run(&st, "c0 d0 09"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 0x81);
	CHECK(st.rflags & X86_FLAGS_CF);
}

static void test_far_pointer_loads(void)
{
	struct x86_cpu_state st;
	real_mode(&st);
	st.gpr[X86_RBX] = 0x200;
	wr16(0x200, 0x1234);
	wr16(0x202, 0xb800);
	CHECK_EQ(run(&st, "c4 3f"), X86_EMU_OK); /* les di, [bx] */
	CHECK_EQ(st.gpr[X86_RDI], 0x1234);
	CHECK_EQ(st.seg[X86_SEG_ES].base, 0xb8000);
	CHECK_EQ(run(&st, "c5 37"), X86_EMU_OK); /* lds si, [bx] */
	CHECK_EQ(st.seg[X86_SEG_DS].sel, 0xb800);
	st.seg[X86_SEG_DS].base = 0;
	wr32(0x300, 0x00abcdef);
	wr16(0x304, 0x5000);
	st.gpr[X86_RBX] = 0x300;
	CHECK_EQ(run(&st, "66 0f b2 27"), X86_EMU_OK); /* lss esp, [bx] */
	CHECK_EQ(st.gpr[X86_RSP], 0x00abcdef);
	CHECK_EQ(st.seg[X86_SEG_SS].base, 0x50000);
	CHECK_EQ(run(&st, "0f b4 07"), X86_EMU_OK); /* lfs ax, [bx] */
	CHECK_EQ(st.seg[X86_SEG_FS].sel, 0x00ab); /* 16-bit offset, selector after it */
	CHECK_EQ(run(&st, "0f b5 07"), X86_EMU_OK); /* lgs ax, [bx] */
	/* Protected mode: a bad selector faults and nothing changes. */
	protected32(&st);
	install_gdt(&st);
	wr32(0x300, 0x1000);
	wr16(0x304, 0x20);
	st.gpr[X86_RBX] = 0x300;
	CHECK_EQ(run(&st, "0f b4 03"), X86_EMU_FAULT); /* lfs eax, [ebx] */
	CHECK(is_fault(X86_EXC_NP, 0x20));
	CHECK_EQ(st.gpr[X86_RAX], 0);
}

/* CR0.PG with EFER.LME sets EFER.LMA (SDM 9.8.5), with its #GP rules. */
static void test_long_mode_activation(void)
{
	struct x86_cpu_state st;
	protected32(&st);
	st.efer = 1ull << 8; /* LME */
	st.gpr[X86_RAX] = 0x80000011;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_FAULT); /* no CR4.PAE */
	CHECK(is_fault(X86_EXC_GP, 0));
	st.cr4 |= 1ull << 5;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_OK);
	CHECK_EQ(st.efer, (1ull << 8) | (1ull << 10));
	st.gpr[X86_RAX] = 0;
	CHECK_EQ(run(&st, "0f 22 e0"), X86_EMU_FAULT); /* clear PAE in long mode */
	st.gpr[X86_RAX] = 0x11;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_OK); /* paging off: LMA clears */
	CHECK_EQ(st.efer, 1ull << 8);
	long64(&st);
	st.gpr[X86_RAX] = 0x11;
	CHECK_EQ(run(&st, "0f 22 c0"), X86_EMU_FAULT); /* paging off in 64-bit code */
	/* AMD branch semantics through the state's decode options. */
	st.decode_options = X86_DECODE_AMD;
	st.rip = 0x1000;
	CHECK_EQ(run(&st, "66 e9 10 00"), X86_EMU_OK);
	CHECK_EQ(st.rip, 0x1014);
}

/* Locked read-modify-writes go through cmpxchg_mem; a lost race retries. */
static void test_locked_atomic_writes(void)
{
	struct x86_cpu_state st;
	long64(&st);
	st.rip = 0x10;
	st.gpr[X86_RBX] = 0x100;
	st.gpr[X86_RAX] = 5;
	wr32(0x100, 10);
	CHECK_EQ(run(&st, "f0 01 03"), X86_EMU_OK); /* lock add [rbx], eax */
	CHECK_EQ(rd32(0x100), 15);
	CHECK_EQ(m.cmpxchg_calls, 1);
	CHECK_EQ(st.rip, 0x13);
	CHECK(!res.retry);
	m.race = true;
	st.rflags = X86_FLAGS_FIXED1;
	CHECK_EQ(run(&st, "f0 01 03"), X86_EMU_OK);
	CHECK(res.retry);
	CHECK_EQ(rd32(0x100), 15);
	CHECK_EQ(st.rip, 0x13);
	CHECK_EQ(st.rflags, X86_FLAGS_FIXED1);
	CHECK_EQ(run(&st, "87 03"), X86_EMU_OK); /* xchg [rbx], eax: implicitly locked */
	CHECK_EQ(m.cmpxchg_calls, 3);
	CHECK_EQ(st.gpr[X86_RAX], 15);
	CHECK_EQ(rd32(0x100), 5);
	m.race = true;
	CHECK_EQ(run(&st, "f0 0f c1 03"), X86_EMU_OK); /* lock xadd: lost race */
	CHECK(res.retry);
	CHECK_EQ(st.gpr[X86_RAX], 15);
	CHECK_EQ(run(&st, "f0 0f c1 03"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RAX], 5);
	CHECK_EQ(rd32(0x100), 20);
	/* Plain writes stay plain; page-crossing locked writes fall back. */
	unsigned calls = m.cmpxchg_calls;
	CHECK_EQ(run(&st, "01 03"), X86_EMU_OK);
	st.gpr[X86_RBX] = PAGE - 2;
	CHECK_EQ(run(&st, "f0 01 03"), X86_EMU_OK);
	CHECK_EQ(m.cmpxchg_calls, calls);
	/* A fault from the compare-exchange comes back. */
	st.gpr[X86_RBX] = 2 * PAGE;
	CHECK_EQ(run(&st, "f0 0f ab 03"), X86_EMU_OK); /* lock bts */
	CHECK_EQ(m.cmpxchg_calls, calls + 1);
	m.cmpxchg_faults = true;
	st.rip = 0x40;
	CHECK_EQ(run(&st, "f0 0f ab 03"), X86_EMU_FAULT);
	CHECK(is_fault(X86_EXC_PF, 2));
	CHECK_EQ(st.rip, 0x40);
}

/* ---- deferred accesses (a device model answers later) ---- */

static unsigned defer_after;   /* port reads that succeed before one defers */
static unsigned yield_calls;
static bool yield_answer;

static int port_in_defer(void *ctx, uint16_t port, unsigned size, uint32_t *val,
			 struct x86_fault *f)
{
	if (defer_after == 0)
		return X86_EMU_DEFER;
	defer_after--;
	return port_in(ctx, port, size, val, f);
}

static bool rep_yield(void *ctx)
{
	yield_calls++;
	return yield_answer;
}

static void test_deferred_access(void)
{
	struct x86_emu_ops o = ops;
	struct x86_cpu_state st;

	o.io_in = port_in_defer;
	long64(&st);
	/* A plain IN that must wait: nothing moves. */
	st.rip = 0x700;
	st.gpr[X86_RAX] = 0x1234;
	defer_after = 0;
	CHECK_EQ(run_with(&st, &o, "ec"), X86_EMU_DEFER);
	CHECK_EQ(st.rip, 0x700);
	CHECK_EQ(st.gpr[X86_RAX], 0x1234);
	/* REP INSB deferred in iteration 3 keeps iterations 0..2. */
	st.gpr[X86_RDI] = 0x3000;
	st.gpr[X86_RCX] = 10;
	m.port_value = 0x41;
	defer_after = 3;
	CHECK_EQ(run_with(&st, &o, "f3 6c"), X86_EMU_DEFER);
	CHECK_EQ(st.gpr[X86_RCX], 7);
	CHECK_EQ(st.gpr[X86_RDI], 0x3003);
	CHECK_EQ(m.mem[0x3002], 0x43);
	CHECK_EQ(st.rip, 0x700);
	/* rep_yield ends a REP after one iteration, RIP unchanged... */
	o.io_in = port_in;
	o.rep_yield = rep_yield;
	yield_answer = true;
	yield_calls = 0;
	CHECK_EQ(run_with(&st, &o, "f3 6c"), X86_EMU_OK);
	CHECK(res.rep_incomplete);
	CHECK_EQ(st.gpr[X86_RCX], 6);
	CHECK_EQ(st.rip, 0x700);
	CHECK_EQ(yield_calls, 1);
	/* ... and is not asked after the last one. */
	st.gpr[X86_RCX] = 1;
	CHECK_EQ(run_with(&st, &o, "f3 6c"), X86_EMU_OK);
	CHECK(!res.rep_incomplete);
	CHECK_EQ(st.rip, 0x702);
	CHECK_EQ(yield_calls, 1);
	/* Declined: the REP runs on as before. */
	yield_answer = false;
	st.gpr[X86_RCX] = 5;
	CHECK_EQ(run_with(&st, &o, "f3 6c"), X86_EMU_OK);
	CHECK_EQ(st.gpr[X86_RCX], 0);
	CHECK_EQ(yield_calls, 5);
}

int main(void)
{
	RUN(test_real_mode_addressing);
	RUN(test_protected_segmentation);
	RUN(test_64bit_addressing);
	RUN(test_page_split_and_faults);
	RUN(test_deferred_access);
	RUN(test_rep_chunks_and_progress);
	RUN(test_port_io);
	RUN(test_control_registers);
	RUN(test_debug_registers);
	RUN(test_descriptor_tables);
	RUN(test_invlpg_cpuid_msr_hlt);
	RUN(test_real_mode_far_transfers);
	RUN(test_near_branches);
	RUN(test_protected_segment_loads);
	RUN(test_protected_far_transfers);
	RUN(test_sse_moves);
	RUN(test_decode_failures_and_unhandled);
	RUN(test_fetch);
	RUN(test_stack_sizes);
	RUN(test_emulate_insn_entry);
	RUN(test_interrupt_flag_and_shadows);
	RUN(test_misc_forms);
	RUN(test_locked_atomic_writes);
	RUN(test_long_mode_activation);
	RUN(test_far_pointer_loads);
	return check_summary();
}
