/*
 * Differential test of the emulator against the host CPU. Each case is one
 * instruction with random registers, flags and memory: it runs natively
 * (assembled into an executable buffer between a trampoline that loads and
 * saves every register and RFLAGS, memory operands pointing into a sandbox)
 * and through x86_emulate_bytes() on a copy of the sandbox. Registers,
 * defined flags, memory and faults (#DE <-> SIGFPE) must agree exactly.
 * Fixed seed: deterministic.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emulate/emulate.h"
#include "tests/unit/check.h"

#define PAGE 4096u
#define SANDBOX_SIZE (2 * PAGE)
#define ITERATIONS 256 /* per encoding; the families enumerate many encodings */

/* Register file the trampoline loads from and stores to. */
struct machine {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t host_rsp;
	uint8_t xmm[16][16];
};

#define OFF_FLAGS (16 * 8)
#define OFF_HOST_RSP (17 * 8)
#define OFF_XMM (18 * 8)

static uint8_t *code;
static uint8_t *sandbox;             /* native memory, guard pages around it */
static uint8_t shadow[SANDBOX_SIZE]; /* the emulator's copy */
static struct machine native;
static sigjmp_buf fault_jump;
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static unsigned mismatches_printed;
static unsigned family_cases, family_mismatches, family_mem_faults;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* ---- native execution ---- */

struct emitter {
	uint8_t *p;
};

static void emit(struct emitter *e, const void *bytes, size_t n)
{
	memcpy(e->p, bytes, n);
	e->p += n;
}

static void emit_b(struct emitter *e, uint8_t b)
{
	*e->p++ = b;
}

static void emit_u32(struct emitter *e, uint32_t v)
{
	emit(e, &v, 4);
}

static void emit_u64(struct emitter *e, uint64_t v)
{
	emit(e, &v, 8);
}

/* Two opcode bytes and a 32- or 64-bit operand. */
static void emit_op32(struct emitter *e, uint8_t b0, uint8_t b1, uint32_t v)
{
	emit_b(e, b0);
	emit_b(e, b1);
	emit_u32(e, v);
}

static void emit_op64(struct emitter *e, uint8_t b0, uint8_t b1, const void *p)
{
	emit_b(e, b0);
	emit_b(e, b1);
	emit_u64(e, (uint64_t)(uintptr_t)p);
}

/* mov [rax + disp32], reg  or  mov reg, [rax + disp32] */
static void emit_mov_rax_slot(struct emitter *e, unsigned reg, uint32_t disp, bool load)
{
	emit_b(e, 0x48 | (reg >= 8 ? 4 : 0));
	emit_b(e, load ? 0x8b : 0x89);
	emit_b(e, 0x80 | ((reg & 7) << 3));
	emit_u32(e, disp);
}

/* movdqu xmm, [rax + disp32]  or  movdqu [rax + disp32], xmm */
static void emit_xmm_slot(struct emitter *e, unsigned reg, uint32_t disp, bool load)
{
	emit_b(e, 0xf3);
	if (reg >= 8)
		emit_b(e, 0x44);
	emit_b(e, 0x0f);
	emit_b(e, load ? 0x6f : 0x7f);
	emit_b(e, 0x80 | ((reg & 7) << 3));
	emit_u32(e, disp);
}

/*
 * The trampoline: save callee-saved registers and RSP, load the machine
 * (XMM registers, flags via POPFQ, then every register, RAX last), run the
 * instruction, store every register (RAX first, through an absolute
 * address; XMM registers are caller-saved in the C ABI), restore
 * RSP, store RFLAGS, clear DF, return.
 */
static void build_trampoline(const uint8_t *insn, size_t len)
{
	static const uint8_t push_saved[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t pop_saved[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b };
	struct emitter e = { code };

	emit(&e, push_saved, sizeof(push_saved));
	emit_op64(&e, 0x48, 0xb8, &native);                          /* mov rax, &native */
	emit_mov_rax_slot(&e, 4, OFF_HOST_RSP, false);
	emit_op32(&e, 0xff, 0xb0, OFF_FLAGS);                        /* push [rax+flags] */
	emit_b(&e, 0x9d);                                            /* popfq */
	for (unsigned r = 0; r < 16; r++)
		emit_xmm_slot(&e, r, OFF_XMM + 16 * r, true);
	for (unsigned r = 1; r < 16; r++)
		emit_mov_rax_slot(&e, r, r * 8, true);
	emit_mov_rax_slot(&e, 0, 0, true);
	emit(&e, insn, len);
	emit_op64(&e, 0x48, 0xa3, &native.gpr[0]);                   /* mov [abs], rax */
	emit_op64(&e, 0x48, 0xb8, &native);                          /* mov rax, &native */
	for (unsigned r = 1; r < 16; r++)
		emit_mov_rax_slot(&e, r, r * 8, false);
	for (unsigned r = 0; r < 16; r++)
		emit_xmm_slot(&e, r, OFF_XMM + 16 * r, false);
	emit_mov_rax_slot(&e, 4, OFF_HOST_RSP, true);
	emit_b(&e, 0x9c);                                            /* pushfq */
	emit_op32(&e, 0x8f, 0x80, OFF_FLAGS);                        /* pop [rax+flags] */
	emit_b(&e, 0xfc); /* cld: the C ABI needs DF clear */
	emit(&e, pop_saved, sizeof(pop_saved));
	emit_b(&e, 0xc3);
}

static void on_signal(int sig)
{
	siglongjmp(fault_jump, sig);
}

/* Runs natively; returns 0 or the signal the instruction raised. */
static int run_native(const uint8_t *insn, size_t len)
{
	build_trampoline(insn, len);
	int sig = sigsetjmp(fault_jump, 1);
	if (sig == 0)
		((void (*)(void))(uintptr_t)code)();
	return sig;
}

/* False if the host refuses executable or low memory. */
static bool setup_native(void)
{
	stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536 };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_ONSTACK | SA_NODEFER };
	uint8_t *region;

	sigaltstack(&ss, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Below 4 GiB so that 32-bit (67-prefixed) addressing reaches it. */
	region = mmap(NULL, SANDBOX_SIZE + 2 * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (code == MAP_FAILED || region == MAP_FAILED)
		return false;
	sandbox = region + PAGE;
	return mprotect(sandbox, SANDBOX_SIZE, PROT_READ | PROT_WRITE) == 0;
}

/* ---- emulation ---- */

static bool in_sandbox(uint64_t linear, unsigned size)
{
	uint64_t base = (uint64_t)(uintptr_t)sandbox;
	return linear >= base && linear - base <= SANDBOX_SIZE - size;
}

static int page_fault(uint64_t linear, unsigned flags, struct x86_fault *f)
{
	f->vector = X86_EXC_PF;
	f->has_error_code = true;
	f->error_code = 4 | ((flags & X86_MEM_WRITE) ? 2 : 0);
	f->cr2 = linear;
	return X86_EMU_FAULT;
}

static int shadow_read(void *ctx, uint64_t linear, void *data, unsigned size, unsigned flags,
		       struct x86_fault *f)
{
	if ((linear & ~(uint64_t)(PAGE - 1)) != ((linear + size - 1) & ~(uint64_t)(PAGE - 1)))
		abort(); /* the emulator must split page-crossing accesses */
	if (!in_sandbox(linear, size))
		return page_fault(linear, flags, f);
	memcpy(data, shadow + (linear - (uint64_t)(uintptr_t)sandbox), size);
	return X86_EMU_OK;
}

static int shadow_write(void *ctx, uint64_t linear, const void *data, unsigned size,
			unsigned flags, struct x86_fault *f)
{
	if ((linear & ~(uint64_t)(PAGE - 1)) != ((linear + size - 1) & ~(uint64_t)(PAGE - 1)))
		abort();
	if (!in_sandbox(linear, size))
		return page_fault(linear, flags, f);
	memcpy(shadow + (linear - (uint64_t)(uintptr_t)sandbox), data, size);
	return X86_EMU_OK;
}

static uint8_t shadow_xmm[16][16];

static void shadow_read_xmm(void *ctx, unsigned reg, uint8_t val[16])
{
	memcpy(val, shadow_xmm[reg], 16);
}

static void shadow_write_xmm(void *ctx, unsigned reg, const uint8_t val[16])
{
	memcpy(shadow_xmm[reg], val, 16);
}

/* Atomic on the shadow trivially; exercises the emulator's locked path. */
static int shadow_cmpxchg(void *ctx, uint64_t linear, const void *old, const void *new_val,
			  unsigned size, unsigned flags, bool *swapped, struct x86_fault *f)
{
	uint8_t *at = shadow + (linear - (uint64_t)(uintptr_t)sandbox);
	if (!in_sandbox(linear, size))
		return page_fault(linear, flags, f);
	*swapped = memcmp(at, old, size) == 0;
	if (*swapped)
		memcpy(at, new_val, size);
	return X86_EMU_OK;
}

static const struct x86_emu_ops shadow_ops = {
	.read_mem = shadow_read,
	.write_mem = shadow_write,
	.cmpxchg_mem = shadow_cmpxchg,
	.read_xmm = shadow_read_xmm,
	.write_xmm = shadow_write_xmm,
};

static void user64_state(struct x86_cpu_state *st)
{
	static const struct x86_segment data = {
		.attr = X86_SEG_ATTR_P | X86_SEG_ATTR_S | X86_SEG_TYPE_RW | (3 << 5) | X86_SEG_ATTR_DB,
		.limit = 0xffffffff,
	};
	memset(st, 0, sizeof(*st));
	for (int s = 0; s < 6; s++)
		st->seg[s] = data;
	st->seg[X86_SEG_CS].attr = X86_SEG_ATTR_P | X86_SEG_ATTR_S | X86_SEG_TYPE_CODE |
				   X86_SEG_TYPE_RW | (3 << 5) | X86_SEG_ATTR_L;
	st->mode = X86_MODE_64;
	st->cpl = 3;
	st->cr0 = X86_CR0_PE | (1ull << 31);
	st->cr4 = X86_CR4_OSFXSR;
	st->efer = (1ull << 8) | (1ull << 10);
}

/* ---- test cases ---- */

struct diff_case {
	uint8_t insn[15];
	size_t len;
	uint64_t gpr[16];
	uint8_t xmm[16][16];
	uint64_t flags;
	uint64_t undefined_flags; /* flags the SDM leaves undefined */
};

/* Everything user code can observe and POPF can change, except AC and TF. */
#define COMPARED_FLAGS (X86_FLAGS_STATUS | X86_FLAGS_DF | X86_FLAGS_IF | X86_FLAGS_IOPL | \
			X86_FLAGS_NT | X86_FLAGS_ID)

static uint64_t sandbox_addr(unsigned offset)
{
	return (uint64_t)(uintptr_t)sandbox + offset;
}

/* A location near the page boundary in the middle of the sandbox. */
static unsigned random_offset(void)
{
	return PAGE - 512 + rnd_below(1024);
}

static void random_case(struct diff_case *c)
{
	memset(c, 0, sizeof(*c));
	for (int r = 0; r < 16; r++)
		c->gpr[r] = rnd();
	for (int r = 0; r < 16; r++)
		for (int i = 0; i < 16; i += 8) {
			uint64_t v = rnd();
			memcpy(&c->xmm[r][i], &v, 8);
		}
	/* Small and edge values make carries, zeros and overflow likely. */
	for (int r = 0; r < 16; r++) {
		switch (rnd_below(6)) {
		case 0: c->gpr[r] &= 0xff; break;
		case 1: c->gpr[r] = (uint64_t)(int64_t)(int8_t)c->gpr[r]; break;
		case 2: c->gpr[r] = rnd_below(2) ? 0x7fffffffffffffffull >> (8 * rnd_below(8)) : 0; break;
		default: break;
		}
	}
	c->gpr[X86_RSP] = sandbox_addr(PAGE + 1024 + 8 * rnd_below(64));
	c->flags = (rnd() & (X86_FLAGS_STATUS | X86_FLAGS_DF)) | X86_FLAGS_FIXED1 | X86_FLAGS_IF;
}

static void fill_memory(void)
{
	for (unsigned i = 0; i < SANDBOX_SIZE; i += 8) {
		uint64_t v = rnd();
		if (rnd_below(4) == 0)
			v &= 0xff;
		memcpy(sandbox + i, &v, 8);
	}
	memcpy(shadow, sandbox, SANDBOX_SIZE);
}

/* Operand encoding request for one instruction. */
struct encoding {
	const uint8_t *prefix;   /* e.g. F3, F2 (before REX) */
	size_t prefix_len;
	const uint8_t *opcode;   /* opcode bytes incl. 0F escapes */
	size_t opcode_len;
	unsigned opsize;         /* 1, 2, 4, 8: 66 / REX.W */
	int digit;               /* ModRM.reg for group opcodes, or -1: a register */
	int rm;                  /* -1: random memory or register; -2: memory only;
				  * -3: register only; -4: no ModRM */
	unsigned imm_size;
	unsigned mem_align;      /* required alignment of the memory operand */
	bool lockable;           /* memory forms get a LOCK prefix half the time */
};

static unsigned random_reg(void)
{
	unsigned r;
	do
		r = rnd_below(16);
	while (r == X86_RSP);
	return r;
}

/* What encode() chose. */
struct operands {
	unsigned reg; /* ModRM.reg register (when not a digit) */
	bool mem;
};

/* Builds the bytes and points the address registers into the sandbox. */
static struct operands encode(struct diff_case *c, const struct encoding *en)
{
	uint8_t *p = c->insn;
	unsigned reg = en->digit >= 0 ? (unsigned)en->digit : random_reg();
	bool mem = en->rm == -2 || (en->rm == -1 && rnd_below(3) != 0);
	bool addr32 = mem && rnd_below(4) == 0;
	bool sib = mem && rnd_below(2);
	unsigned rm = random_reg(), index = random_reg(), scale = rnd_below(4);
	uint8_t rex = 0x40;
	int8_t disp = (int8_t)rnd();

	if (mem)
		while (rm == X86_RSP || rm == X86_R12 || (sib && rm == index))
			rm = random_reg();
	if (en->opsize == 8)
		rex |= 8;
	if (reg >= 8 && en->digit < 0)
		rex |= 4;
	if (rm >= 8 && en->rm != -4)
		rex |= 1;
	if (sib && index >= 8)
		rex |= 2;
	/* Byte operands: without REX, registers 4-7 are AH..BH. */
	if (rex == 0x40 && rnd_below(2))
		rex = 0;
	if (en->opsize == 1 && rex == 0x40 && rnd_below(2))
		rex = 0;
	if (mem && en->lockable && rnd_below(2))
		*p++ = 0xf0;
	memcpy(p, en->prefix, en->prefix_len);
	p += en->prefix_len;
	if (en->opsize == 2)
		*p++ = 0x66;
	if (addr32)
		*p++ = 0x67;
	if (rex)
		*p++ = rex;
	memcpy(p, en->opcode, en->opcode_len);
	p += en->opcode_len;
	if (en->rm != -4) {
		if (!mem) {
			*p++ = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
		} else if (sib) {
			*p++ = (uint8_t)(0x44 | ((reg & 7) << 3));
			*p++ = (uint8_t)((scale << 6) | ((index & 7) << 3) | (rm & 7));
			*p++ = (uint8_t)disp;
		} else {
			*p++ = (uint8_t)(0x40 | ((reg & 7) << 3) | (rm & 7));
			*p++ = (uint8_t)disp;
		}
	}
	for (unsigned i = 0; i < en->imm_size; i++)
		*p++ = (uint8_t)rnd();
	c->len = (size_t)(p - c->insn);
	if (!mem)
		return (struct operands){ reg, false };
	uint64_t target = sandbox_addr(random_offset());
	if (en->mem_align)
		target &= ~(uint64_t)(en->mem_align - 1);
	uint64_t idx = sib ? (rnd() & 0x3f) : 0;
	if (sib)
		c->gpr[index] = idx | (addr32 ? rnd() << 32 : 0);
	c->gpr[rm] = target - disp - (idx << scale);
	if (addr32) /* upper halves must be ignored by 32-bit addressing */
		c->gpr[rm] = (c->gpr[rm] & 0xffffffffull) | (rnd() << 32);
	return (struct operands){ reg, true };
}

/* ---- comparison ---- */

static void print_case(const char *family, const struct diff_case *c, const char *what)
{
	if (mismatches_printed++ >= 10)
		return;
	printf("  %s: %s mismatch for", family, what);
	for (size_t i = 0; i < c->len; i++)
		printf(" %02x", c->insn[i]);
	printf(" (flags in 0x%llx)\n", (unsigned long long)c->flags);
}

/* DIFF_TRACE=1 logs every case before it runs natively (to find crashes). */
static void trace_case(const struct diff_case *c)
{
	for (size_t i = 0; i < c->len; i++)
		fprintf(stderr, "%02x ", c->insn[i]);
	for (int i = 0; i < 16; i++)
		fprintf(stderr, " %llx", (unsigned long long)c->gpr[i]);
	fprintf(stderr, "\n");
}

/* Runs one case both ways; returns true if they agree. */
static bool run_case(const char *family, const struct diff_case *c)
{
	struct x86_cpu_state st;
	struct x86_emu_result res;
	bool same = true;
	int sig, r;

	memcpy(native.gpr, c->gpr, sizeof(native.gpr));
	memcpy(native.xmm, c->xmm, sizeof(native.xmm));
	memcpy(shadow_xmm, c->xmm, sizeof(shadow_xmm));
	native.rflags = c->flags;
	if (getenv("DIFF_TRACE"))
		trace_case(c);
	sig = run_native(c->insn, c->len);

	user64_state(&st);
	memcpy(st.gpr, c->gpr, sizeof(st.gpr));
	st.rflags = c->flags;
	st.rip = (uint64_t)(uintptr_t)code;
	r = x86_emulate_bytes(&st, &shadow_ops, c->insn, c->len, &res);

	if (sig || r != X86_EMU_OK) {
		/* Linux: #DE -> SIGFPE, #PF and #GP -> SIGSEGV, #SS -> SIGBUS. */
		unsigned v = r == X86_EMU_FAULT ? res.fault.vector : 0xff;
		bool both_de = sig == SIGFPE && v == X86_EXC_DE;
		bool both_mem = (sig == SIGSEGV && (v == X86_EXC_PF || v == X86_EXC_GP)) ||
				(sig == SIGBUS && v == X86_EXC_SS);
		if (both_mem)
			family_mem_faults++;
		if (!both_de && !both_mem) {
			print_case(family, c, "fault");
			if (mismatches_printed <= 10)
				printf("    native signal %d, emulator status %d vector %d\n", sig, r,
				       res.fault.vector);
		}
		return both_de || both_mem;
	}
	for (int i = 0; i < 16; i++) {
		if (native.gpr[i] != st.gpr[i]) {
			print_case(family, c, "register");
			if (mismatches_printed <= 10)
				printf("    r%d native 0x%llx emulated 0x%llx\n", i,
				       (unsigned long long)native.gpr[i], (unsigned long long)st.gpr[i]);
			same = false;
		}
	}
	uint64_t cmp = COMPARED_FLAGS & ~c->undefined_flags;
	if ((native.rflags & cmp) != (st.rflags & cmp)) {
		print_case(family, c, "flags");
		if (mismatches_printed <= 10)
			printf("    native 0x%llx emulated 0x%llx\n",
			       (unsigned long long)(native.rflags & cmp),
			       (unsigned long long)(st.rflags & cmp));
		same = false;
	}
	if (memcmp(native.xmm, shadow_xmm, sizeof(shadow_xmm)) != 0) {
		print_case(family, c, "xmm");
		same = false;
	}
	if (memcmp(sandbox, shadow, SANDBOX_SIZE) != 0) {
		print_case(family, c, "memory");
		same = false;
	}
	return same;
}


static void run_encoding(const char *family, const struct encoding *en, uint64_t undefined)
{
	for (int i = 0; i < ITERATIONS; i++) {
		struct diff_case c;
		random_case(&c);
		encode(&c, en);
		c.undefined_flags = undefined;
		fill_memory();
		family_cases++;
		if (!run_case(family, &c))
			family_mismatches++;
	}
}

static void family_begin(void)
{
	family_cases = family_mismatches = family_mem_faults = 0;
	mismatches_printed = 0;
}

static void family_end(const char *name)
{
	printf("  %s: %u cases (%u faulting both ways), %u mismatches\n", name, family_cases,
	       family_mem_faults, family_mismatches);
	CHECK_EQ(family_mismatches, 0);
}

static const unsigned sizes[] = { 1, 2, 4, 8 };

/* Opcode for size: byte form `op8`, others `op8 + 1`. */
/* The read-modify-write forms the SDM allows LOCK on (LOCK instruction page). */
static bool lockable(size_t esc_len, uint8_t op8, int digit)
{
	if (esc_len)
		return op8 == 0xb0 || op8 == 0xc0; /* CMPXCHG, XADD */
	if (op8 < 0x38)
		return (op8 & 7) == 0; /* ADD..XOR r/m, r */
	switch (op8) {
	case 0x80: return digit != 7;
	case 0xf6: return digit == 2 || digit == 3;
	case 0xfe: return digit == 0 || digit == 1;
	case 0x86: return true;
	default: return false;
	}
}

static void run_sized(const char *family, uint8_t op8, int digit, int rm, unsigned imm8,
		      unsigned immz, uint64_t undefined, const uint8_t *esc, size_t esc_len)
{
	for (int s = 0; s < 4; s++) {
		uint8_t op[3];
		memcpy(op, esc, esc_len);
		op[esc_len] = (uint8_t)(sizes[s] == 1 ? op8 : op8 + 1);
		struct encoding en = {
			.opcode = op, .opcode_len = esc_len + 1, .opsize = sizes[s], .digit = digit,
			.rm = rm, .imm_size = sizes[s] == 1 ? imm8 : (sizes[s] == 2 ? 2 : immz),
			.lockable = lockable(esc_len, op8, digit),
		};
		if (immz == 0)
			en.imm_size = sizes[s] == 1 ? imm8 : 0;
		run_encoding(family, &en, undefined);
	}
}

static void diff_alu(void)
{
	family_begin();
	for (unsigned op = 0; op < 8; op++) {
		uint64_t undef = (op == 1 || op == 4 || op == 6) ? X86_FLAGS_AF : 0;
		run_sized("alu", (uint8_t)(op << 3), -1, -1, 0, 0, undef, NULL, 0);
		run_sized("alu", (uint8_t)(op << 3 | 2), -1, -1, 0, 0, undef, NULL, 0);
		run_sized("alu", (uint8_t)(op << 3 | 4), -1, -4, 1, 4, undef, NULL, 0);
		run_sized("alu", 0x80, (int)op, -1, 1, 4, undef, NULL, 0);
		for (int s = 1; s < 4; s++) {
			uint8_t op83 = 0x83;
			struct encoding en = { .opcode = &op83, .opcode_len = 1, .opsize = sizes[s],
					       .digit = (int)op, .rm = -1, .imm_size = 1,
					       .lockable = op != 7 };
			run_encoding("alu", &en, undef);
		}
	}
	family_end("alu");
}

static void diff_unary(void)
{
	family_begin();
	run_sized("test", 0x84, -1, -1, 0, 0, X86_FLAGS_AF, NULL, 0);
	run_sized("test", 0xa8, -1, -4, 1, 4, X86_FLAGS_AF, NULL, 0);
	run_sized("test", 0xf6, 0, -1, 1, 4, X86_FLAGS_AF, NULL, 0);
	run_sized("not", 0xf6, 2, -1, 0, 0, 0, NULL, 0);
	run_sized("neg", 0xf6, 3, -1, 0, 0, 0, NULL, 0);
	run_sized("inc", 0xfe, 0, -1, 0, 0, 0, NULL, 0);
	run_sized("dec", 0xfe, 1, -1, 0, 0, 0, NULL, 0);
	family_end("unary");
}

static void diff_muldiv(void)
{
	const uint64_t mul_undef = X86_FLAGS_SF | X86_FLAGS_ZF | X86_FLAGS_AF | X86_FLAGS_PF;
	family_begin();
	run_sized("mul", 0xf6, 4, -1, 0, 0, mul_undef, NULL, 0);
	run_sized("imul", 0xf6, 5, -1, 0, 0, mul_undef, NULL, 0);
	run_sized("div", 0xf6, 6, -1, 0, 0, X86_FLAGS_STATUS, NULL, 0);
	run_sized("idiv", 0xf6, 7, -1, 0, 0, X86_FLAGS_STATUS, NULL, 0);
	family_end("muldiv");
}

static void diff_mov(void)
{
	static const uint8_t c7[] = { 0xc6 };
	family_begin();
	run_sized("mov", 0x88, -1, -1, 0, 0, 0, NULL, 0);
	run_sized("mov", 0x8a, -1, -1, 0, 0, 0, NULL, 0);
	run_sized("mov", c7[0], 0, -1, 1, 4, 0, NULL, 0);
	for (unsigned r = 0; r < 8; r++) {
		uint8_t b0 = (uint8_t)(0xb0 + r), b8 = (uint8_t)(0xb8 + r);
		struct encoding e8 = { .opcode = &b0, .opcode_len = 1, .opsize = 1, .rm = -4, .imm_size = 1 };
		struct encoding e32 = { .opcode = &b8, .opcode_len = 1, .opsize = 4, .rm = -4, .imm_size = 4 };
		struct encoding e64 = { .opcode = &b8, .opcode_len = 1, .opsize = 8, .rm = -4, .imm_size = 8 };
		struct encoding e16 = { .opcode = &b8, .opcode_len = 1, .opsize = 2, .rm = -4, .imm_size = 2 };
		run_encoding("mov", &e8, 0);
		run_encoding("mov", &e16, 0);
		run_encoding("mov", &e32, 0);
		run_encoding("mov", &e64, 0);
	}
	static const uint8_t lea = 0x8d;
	for (int s = 1; s < 4; s++) {
		struct encoding en = { .opcode = &lea, .opcode_len = 1, .opsize = sizes[s], .digit = -1, .rm = -2 };
		run_encoding("lea", &en, 0);
	}
	family_end("mov");
}

/* MOV moffs: the 64-bit absolute address is the sandbox location. */
static void diff_moffs(void)
{
	family_begin();
	for (uint8_t op = 0xa0; op <= 0xa3; op++) {
		for (int s = 0; s < 4; s++) {
			if ((op & 1) == 0 && s > 0)
				continue;
			for (int i = 0; i < ITERATIONS; i++) {
				struct diff_case c;
				uint8_t *p = c.insn;
				random_case(&c);
				if (sizes[s] == 2)
					*p++ = 0x66;
				if (sizes[s] == 8)
					*p++ = 0x48;
				*p++ = op;
				uint64_t a = sandbox_addr(random_offset());
				memcpy(p, &a, 8);
				c.len = (size_t)(p + 8 - c.insn);
				fill_memory();
				family_cases++;
				if (!run_case("moffs", &c))
					family_mismatches++;
			}
		}
	}
	family_end("moffs");
}

static void diff_extend(void)
{
	static const uint8_t esc = 0x0f;
	static const uint8_t ops[] = { 0xb6, 0xb7, 0xbe, 0xbf };
	family_begin();
	for (int o = 0; o < 4; o++)
		for (int s = 1; s < 4; s++) {
			uint8_t op[2] = { esc, ops[o] };
			struct encoding en = { .opcode = op, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -1 };
			run_encoding("movx", &en, 0);
		}
	static const uint8_t movsxd = 0x63;
	struct encoding en = { .opcode = &movsxd, .opcode_len = 1, .opsize = 8, .digit = -1, .rm = -1 };
	run_encoding("movsxd", &en, 0);
	for (int cc = 0; cc < 16; cc++)
		for (int s = 1; s < 4; s++) {
			uint8_t op[2] = { 0x0f, (uint8_t)(0x40 + cc) };
			struct encoding ec = { .opcode = op, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -1 };
			run_encoding("cmovcc", &ec, 0);
		}
	static const uint8_t movnti[2] = { 0x0f, 0xc3 };
	for (int s = 2; s < 4; s++) {
		struct encoding em = { .opcode = movnti, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -2 };
		run_encoding("movnti", &em, 0);
	}
	family_end("extend");
}

static void diff_xchg(void)
{
	static const uint8_t esc = 0x0f;
	family_begin();
	run_sized("xchg", 0x86, -1, -1, 0, 0, 0, NULL, 0);
	run_sized("cmpxchg", 0xb0, -1, -1, 0, 0, 0, &esc, 1);
	run_sized("xadd", 0xc0, -1, -1, 0, 0, 0, &esc, 1);
	for (unsigned r = 0; r < 8; r++)
		for (int s = 1; s < 4; s++) {
			uint8_t op = (uint8_t)(0x90 + r);
			struct encoding en = { .opcode = &op, .opcode_len = 1, .opsize = sizes[s], .rm = -4 };
			run_encoding("xchg", &en, 0);
		}
	family_end("xchg");
}

/*
 * LOCK CMPXCHG/CMPXCHG8B/CMPXCHG16B [rbx] with the comparand (rAX, or
 * rDX:rAX) planted in memory half the time, so both outcomes are covered.
 */
static void diff_cmpxchg_hit(void)
{
	static const uint8_t narrow[] = { 0xf0, 0x48, 0x0f, 0xb1, 0x0b };
	static const uint8_t b8[] = { 0xf0, 0x0f, 0xc7, 0x0b };
	static const uint8_t b16[] = { 0xf0, 0x48, 0x0f, 0xc7, 0x0b };
	static const struct { const uint8_t *insn; size_t len; unsigned half; } forms[] = {
		{ narrow, sizeof(narrow), 8 }, { b8, sizeof(b8), 4 }, { b16, sizeof(b16), 8 },
	};
	family_begin();
	for (int i = 0; i < 16 * ITERATIONS; i++) {
		struct diff_case c;
		unsigned f = rnd_below(3), off = random_offset() & ~15u;
		random_case(&c);
		memcpy(c.insn, forms[f].insn, forms[f].len);
		c.len = forms[f].len;
		c.gpr[X86_RBX] = sandbox_addr(off);
		fill_memory();
		if (rnd_below(2)) {
			memcpy(sandbox + off, &c.gpr[X86_RAX], forms[f].half);
			memcpy(sandbox + off + forms[f].half, &c.gpr[X86_RDX], forms[f].half);
			memcpy(shadow, sandbox, SANDBOX_SIZE);
		}
		family_cases++;
		if (!run_case("cmpxchg", &c))
			family_mismatches++;
	}
	family_end("cmpxchg-hit");
}

static void diff_bits(void)
{
	const uint64_t bt_undef = X86_FLAGS_OF | X86_FLAGS_SF | X86_FLAGS_AF | X86_FLAGS_PF;
	static const uint8_t reg_forms[] = { 0xa3, 0xab, 0xb3, 0xbb };
	family_begin();
	for (int o = 0; o < 4; o++)
		for (int s = 1; s < 4; s++) {
			uint8_t op[2] = { 0x0f, reg_forms[o] };
			for (int i = 0; i < ITERATIONS; i++) {
				struct diff_case c;
				struct encoding en = { .opcode = op, .opcode_len = 2, .opsize = sizes[s],
						       .digit = -1, .rm = -1, .lockable = o > 0 };
				random_case(&c);
				struct operands ops = encode(&c, &en);
				/* Mostly keep the bit offset within +-2 KiB bits. */
				if (ops.mem && rnd_below(8) != 0)
					c.gpr[ops.reg] = (uint64_t)((int64_t)rnd_below(4096) - 2048);
				c.undefined_flags = bt_undef;
				fill_memory();
				family_cases++;
				if (!run_case("bt", &c))
					family_mismatches++;
			}
		}
	for (int d = 4; d < 8; d++)
		for (int s = 1; s < 4; s++) {
			uint8_t op[2] = { 0x0f, 0xba };
			struct encoding en = { .opcode = op, .opcode_len = 2, .opsize = sizes[s], .digit = d,
					       .rm = -1, .imm_size = 1, .lockable = d > 4 };
			run_encoding("bt-imm", &en, bt_undef);
		}
	for (int cc = 0; cc < 16; cc++) {
		uint8_t op[2] = { 0x0f, (uint8_t)(0x90 + cc) };
		struct encoding en = { .opcode = op, .opcode_len = 2, .opsize = 1, .digit = 0, .rm = -1 };
		run_encoding("setcc", &en, 0);
	}
	family_end("bits");
}

static void diff_stack(void)
{
	family_begin();
	for (unsigned r = 0; r < 8; r++)
		for (int s = 0; s < 2; s++) {
			uint8_t push = (uint8_t)(0x50 + r), pop = (uint8_t)(0x58 + r);
			unsigned size = s ? 2 : 8;
			struct encoding e1 = { .opcode = &push, .opcode_len = 1, .opsize = size, .rm = -4 };
			struct encoding e2 = { .opcode = &pop, .opcode_len = 1, .opsize = size, .rm = -4 };
			if (size == 8)
				e1.opsize = e2.opsize = 4; /* 64 by default; no REX.W needed */
			run_encoding("push", &e1, 0);
			run_encoding("pop", &e2, 0);
		}
	static const uint8_t ff = 0xff, pop8f = 0x8f, p68 = 0x68, p6a = 0x6a;
	struct encoding pm = { .opcode = &ff, .opcode_len = 1, .opsize = 4, .digit = 6, .rm = -1 };
	struct encoding pp = { .opcode = &pop8f, .opcode_len = 1, .opsize = 4, .digit = 0, .rm = -1 };
	struct encoding pi = { .opcode = &p68, .opcode_len = 1, .opsize = 4, .rm = -4, .imm_size = 4 };
	struct encoding pb = { .opcode = &p6a, .opcode_len = 1, .opsize = 4, .rm = -4, .imm_size = 1 };
	run_encoding("push-rm", &pm, 0);
	run_encoding("pop-rm", &pp, 0);
	run_encoding("push-imm", &pi, 0);
	run_encoding("push-imm8", &pb, 0);
	pm.opsize = pp.opsize = 2;
	run_encoding("push-rm16", &pm, 0);
	run_encoding("pop-rm16", &pp, 0);
	family_end("stack");
}

/* String instructions with REP prefixes, DF either way, small counts. */
static void diff_string(void)
{
	static const uint8_t ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	static const uint8_t reps[] = { 0, 0xf3, 0xf2 };
	family_begin();
	for (int o = 0; o < 5; o++)
		for (int w = 0; w < 4; w++)
			for (int p = 0; p < 3; p++)
				for (int a32 = 0; a32 < 2; a32++)
					for (int i = 0; i < ITERATIONS / 2; i++) {
						struct diff_case c;
						uint8_t *q = c.insn;
						random_case(&c);
						if (reps[p])
							*q++ = reps[p];
						if (sizes[w] == 2)
							*q++ = 0x66;
						if (a32)
							*q++ = 0x67;
						if (sizes[w] == 8)
							*q++ = 0x48;
						*q++ = (uint8_t)(ops[o] + (w ? 1 : 0));
						c.len = (size_t)(q - c.insn);
						c.gpr[X86_RSI] = sandbox_addr(random_offset());
						c.gpr[X86_RDI] = sandbox_addr(random_offset());
						c.gpr[X86_RCX] = rnd_below(40) | (a32 ? rnd() << 32 : 0);
						if (rnd_below(2)) /* memory holds many small values */
							c.gpr[X86_RAX] = rnd_below(4);
						fill_memory();
						family_cases++;
						if (!run_case("string", &c))
							family_mismatches++;
					}
	family_end("string");
}

/* Group 2 with CL, 1 and imm8 counts; undefined flags depend on the count. */
static void diff_shift(void)
{
	static const uint8_t forms[] = { 0xd0, 0xd2, 0xc0 };
	family_begin();
	for (unsigned op = 0; op < 8; op++)
		for (int f = 0; f < 3; f++)
			for (int s = 0; s < 4; s++)
				for (int i = 0; i < ITERATIONS / 2; i++) {
					uint8_t opc = (uint8_t)(forms[f] + (s ? 1 : 0));
					struct encoding en = { .opcode = &opc, .opcode_len = 1, .opsize = sizes[s],
							       .digit = (int)op, .rm = -1, .imm_size = f == 2 };
					struct diff_case c;
					unsigned bits = 8 * sizes[s], count;
					random_case(&c);
					if (rnd_below(2))
						c.gpr[X86_RCX] = rnd_below(72);
					encode(&c, &en);
					count = f == 0 ? 1 : f == 1 ? (unsigned)c.gpr[X86_RCX] & 0xff : c.insn[c.len - 1];
					count &= bits == 64 ? 0x3f : 0x1f;
					if (count != 1)
						c.undefined_flags |= X86_FLAGS_OF;
					if (count && op >= 4)
						c.undefined_flags |= X86_FLAGS_AF;
					if (count >= bits && (op == 4 || op == 5 || op == 6))
						c.undefined_flags |= X86_FLAGS_CF;
					fill_memory();
					family_cases++;
					if (!run_case("shift", &c))
						family_mismatches++;
				}
	family_end("shift");
}

static void run_plain(const char *family, const uint8_t *insn, size_t len, uint64_t undefined)
{
	for (int i = 0; i < ITERATIONS; i++) {
		struct diff_case c;
		random_case(&c);
		memcpy(c.insn, insn, len);
		c.len = len;
		c.undefined_flags = undefined;
		fill_memory();
		family_cases++;
		if (!run_case(family, &c))
			family_mismatches++;
	}
}

/* Flag instructions, accumulator extensions, LAHF/SAHF, BSWAP, LEAVE. */
static void diff_misc(void)
{
	static const char *const forms[] = {
		"\xf5", "\xf8", "\xf9", "\xfc", "\xfd", "\x9e", "\x9f",
		"\x98", "\x66\x98", "\x48\x98", "\x99", "\x66\x99", "\x48\x99",
		"\x0f\xc8", "\x0f\xcb", "\x48\x0f\xce", "\x49\x0f\xcf",
		"\xc9", "\x66\xc9", "\x9c", "\x66\x9c",
	};
	family_begin();
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (forms[i][0] == '\xc9' || forms[i][1] == '\xc9') {
			for (int k = 0; k < ITERATIONS; k++) {
				struct diff_case c;
				random_case(&c);
				c.len = strlen(forms[i]);
				memcpy(c.insn, forms[i], c.len);
				c.gpr[X86_RBP] = sandbox_addr(PAGE + 8 * rnd_below(64));
				fill_memory();
				family_cases++;
				if (!run_case("leave", &c))
					family_mismatches++;
			}
			continue;
		}
		run_plain("misc", (const uint8_t *)forms[i], strlen(forms[i]), 0);
	}
	family_end("misc");
}

/* POPF from user mode: IF and IOPL must stay, the rest follows the stack. */
static void diff_popf(void)
{
	static const uint8_t popf[] = { 0x9d }, popf16[] = { 0x66, 0x9d };
	family_begin();
	for (int i = 0; i < 4 * ITERATIONS; i++) {
		struct diff_case c;
		/* No TF or AC (traps); no NT either: the host kernel may clear
		 * it if the task is preempted between POPF and PUSHF. */
		uint64_t image = rnd() & ~(X86_FLAGS_TF | X86_FLAGS_AC | X86_FLAGS_NT);
		bool narrow = rnd_below(2);
		random_case(&c);
		c.len = narrow ? 2 : 1;
		memcpy(c.insn, narrow ? popf16 : popf, c.len);
		fill_memory();
		memcpy(sandbox + (c.gpr[X86_RSP] - sandbox_addr(0)), &image, 8);
		memcpy(shadow, sandbox, SANDBOX_SIZE);
		family_cases++;
		if (!run_case("popf", &c))
			family_mismatches++;
	}
	family_end("popf");
}

/* IMUL 2/3-operand, BSF/BSR, XLAT. */
static void diff_more_alu(void)
{
	const uint64_t mul_undef = X86_FLAGS_SF | X86_FLAGS_ZF | X86_FLAGS_AF | X86_FLAGS_PF;
	const uint64_t scan_undef = X86_FLAGS_CF | X86_FLAGS_OF | X86_FLAGS_SF | X86_FLAGS_AF |
				    X86_FLAGS_PF;
	static const uint8_t imul2[] = { 0x0f, 0xaf }, bsf[] = { 0x0f, 0xbc }, bsr[] = { 0x0f, 0xbd };
	static const uint8_t imul69 = 0x69, imul6b = 0x6b;
	family_begin();
	for (int s = 1; s < 4; s++) {
		struct encoding e2 = { .opcode = imul2, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -1 };
		struct encoding e69 = { .opcode = &imul69, .opcode_len = 1, .opsize = sizes[s], .digit = -1,
					.rm = -1, .imm_size = sizes[s] == 2 ? 2 : 4 };
		struct encoding e6b = { .opcode = &imul6b, .opcode_len = 1, .opsize = sizes[s], .digit = -1,
					.rm = -1, .imm_size = 1 };
		struct encoding ef = { .opcode = bsf, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -1 };
		struct encoding er = { .opcode = bsr, .opcode_len = 2, .opsize = sizes[s], .digit = -1, .rm = -1 };
		run_encoding("imul", &e2, mul_undef);
		run_encoding("imul", &e69, mul_undef);
		run_encoding("imul", &e6b, mul_undef);
		run_encoding("bsf", &ef, scan_undef);
		run_encoding("bsr", &er, scan_undef);
	}
	for (int i = 0; i < ITERATIONS; i++) {
		struct diff_case c;
		static const uint8_t xlat[] = { 0xd7 }, xlat32[] = { 0x67, 0xd7 };
		bool a32 = rnd_below(2);
		random_case(&c);
		c.len = a32 ? 2 : 1;
		memcpy(c.insn, a32 ? xlat32 : xlat, c.len);
		c.gpr[X86_RBX] = sandbox_addr(random_offset()) | (a32 ? rnd() << 32 : 0);
		fill_memory();
		family_cases++;
		if (!run_case("xlat", &c))
			family_mismatches++;
	}
	family_end("more-alu");
}

/* SSE moves through the read_xmm/write_xmm callbacks; aligned forms are
 * misaligned a quarter of the time (#GP both ways). */
static void diff_sse(void)
{
	static const struct {
		uint8_t prefix, op;
		unsigned opsize, align;
		int rm;
	} forms[] = {
		{ 0xf3, 0x6f, 4, 0, -1 }, { 0xf3, 0x7f, 4, 0, -1 },  /* MOVDQU */
		{ 0x66, 0x6f, 4, 16, -1 }, { 0x66, 0x7f, 4, 16, -1 }, /* MOVDQA */
		{ 0, 0x10, 4, 0, -1 }, { 0, 0x11, 4, 0, -1 },         /* MOVUPS */
		{ 0, 0x28, 4, 16, -1 }, { 0, 0x29, 4, 16, -1 },       /* MOVAPS */
		{ 0x66, 0x10, 4, 0, -1 }, { 0x66, 0x29, 4, 16, -1 },  /* MOVUPD, MOVAPD */
		{ 0x66, 0x6e, 4, 0, -1 }, { 0x66, 0x6e, 8, 0, -1 },   /* MOVD/MOVQ xmm, r/m */
		{ 0x66, 0x7e, 4, 0, -1 }, { 0x66, 0x7e, 8, 0, -1 },   /* MOVD/MOVQ r/m, xmm */
		{ 0xf3, 0x7e, 4, 0, -1 }, { 0x66, 0xd6, 4, 0, -1 },   /* MOVQ */
	};
	family_begin();
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		uint8_t op[2] = { 0x0f, forms[f].op };
		struct encoding en = {
			.prefix = &forms[f].prefix, .prefix_len = forms[f].prefix ? 1 : 0,
			.opcode = op, .opcode_len = 2, .opsize = forms[f].opsize, .digit = -1,
			.rm = forms[f].rm,
		};
		for (int i = 0; i < ITERATIONS; i++) {
			struct diff_case c;
			en.mem_align = rnd_below(4) ? forms[f].align : 0;
			random_case(&c);
			encode(&c, &en);
			fill_memory();
			family_cases++;
			if (!run_case("sse", &c))
				family_mismatches++;
		}
	}
	family_end("sse");
}

int main(void)
{
	if (!setup_native()) {
		printf("FAIL diff_setup: no executable or 32-bit-addressable mapping\n");
		return 1;
	}
	RUN(diff_alu);
	RUN(diff_unary);
	RUN(diff_muldiv);
	RUN(diff_mov);
	RUN(diff_moffs);
	RUN(diff_extend);
	RUN(diff_xchg);
	RUN(diff_cmpxchg_hit);
	RUN(diff_bits);
	RUN(diff_stack);
	RUN(diff_string);
	RUN(diff_shift);
	RUN(diff_misc);
	RUN(diff_popf);
	RUN(diff_more_alu);
	RUN(diff_sse);
	return check_summary();
}
