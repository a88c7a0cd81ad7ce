/*
 * x86 instruction emulator: executes one decoded instruction against a
 * register-state struct and a set of callbacks for everything outside the
 * CPU core (guest memory, I/O ports, control/debug registers, MSRs, CPUID,
 * TLB, XMM registers). See docs/EMULATOR.md for the contract.
 *
 * Re-entrant and allocation-free: all state is in the arguments. Faults are
 * returned (X86_EMU_FAULT + struct x86_fault), never raised or swallowed.
 */
#ifndef EMULATE_EMULATE_H
#define EMULATE_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "emulate/decode.h"

enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define X86_FLAGS_CF (1ull << 0)
#define X86_FLAGS_FIXED1 (1ull << 1)
#define X86_FLAGS_PF (1ull << 2)
#define X86_FLAGS_AF (1ull << 4)
#define X86_FLAGS_ZF (1ull << 6)
#define X86_FLAGS_SF (1ull << 7)
#define X86_FLAGS_TF (1ull << 8)
#define X86_FLAGS_IF (1ull << 9)
#define X86_FLAGS_DF (1ull << 10)
#define X86_FLAGS_OF (1ull << 11)
#define X86_FLAGS_IOPL (3ull << 12)
#define X86_FLAGS_NT (1ull << 14)
#define X86_FLAGS_RF (1ull << 16)
#define X86_FLAGS_VM (1ull << 17)
#define X86_FLAGS_AC (1ull << 18)
#define X86_FLAGS_VIF (1ull << 19)
#define X86_FLAGS_VIP (1ull << 20)
#define X86_FLAGS_ID (1ull << 21)
#define X86_FLAGS_STATUS (X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | \
			  X86_FLAGS_ZF | X86_FLAGS_SF | X86_FLAGS_OF)

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_MP (1ull << 1)
#define X86_CR0_EM (1ull << 2)
#define X86_CR0_TS (1ull << 3)
#define X86_CR4_DE (1ull << 3)
#define X86_CR4_OSFXSR (1ull << 9)

/* Exception vectors the emulator can return. */
enum x86_vector {
	X86_EXC_DE = 0, X86_EXC_DB = 1, X86_EXC_BP = 3, X86_EXC_UD = 6,
	X86_EXC_NM = 7, X86_EXC_TS = 10, X86_EXC_NP = 11, X86_EXC_SS = 12,
	X86_EXC_GP = 13, X86_EXC_PF = 14, X86_EXC_AC = 17,
};

/*
 * Segment attributes in the packed AMD VMCB layout (APM Vol. 2 15.5.1):
 * type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] D/B[10] G[11].
 */
#define X86_SEG_TYPE_MASK 0x000fu
#define X86_SEG_TYPE_CODE 0x0008u /* type bit 3 */
#define X86_SEG_TYPE_CONFORMING_OR_EXPDOWN 0x0004u /* type bit 2 */
#define X86_SEG_TYPE_RW 0x0002u /* data: writable; code: readable */
#define X86_SEG_ATTR_S (1u << 4)
#define X86_SEG_ATTR_DPL_SHIFT 5
#define X86_SEG_ATTR_P (1u << 7)
#define X86_SEG_ATTR_L (1u << 9)
#define X86_SEG_ATTR_DB (1u << 10)
#define X86_SEG_ATTR_G (1u << 11)

struct x86_segment {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit; /* byte granular (G already applied) */
	uint64_t base;
};

struct x86_dtable {
	uint64_t base;
	uint16_t limit;
};

struct x86_cpu_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	struct x86_segment seg[6]; /* indexed by enum x86_seg */
	struct x86_segment ldtr;
	struct x86_dtable gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint8_t cpl;
	uint8_t mode; /* enum x86_mode of the code being run (from CS and EFER) */
	uint8_t decode_options; /* X86_DECODE_* (e.g. X86_DECODE_AMD on AMD hosts) */
};

/* Returned by the emulator and by callbacks. */
enum x86_emu_status {
	X86_EMU_OK = 0,
	X86_EMU_FAULT,     /* inject result->fault; RIP not advanced */
	X86_EMU_UNHANDLED, /* instruction (or form) not emulated; state unchanged */
	X86_EMU_HALT,      /* HLT executed; RIP advanced; block the vCPU */
	X86_EMU_DEFER,     /* a callback's access waits for another party (a
			    * device model): nothing done but completed REP
			    * iterations; RIP unchanged; run it again later */
};

struct x86_fault {
	uint8_t vector;     /* enum x86_vector */
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;       /* #PF only: faulting linear address */
};

/* Memory callback access flags. */
#define X86_MEM_WRITE (1u << 0)
#define X86_MEM_FETCH (1u << 1)
#define X86_MEM_USER (1u << 2)     /* CPL 3 data access (U/S check applies) */
#define X86_MEM_IMPLICIT (1u << 3) /* descriptor-table access: supervisor */

/*
 * Everything outside the CPU core. Each callback returns an enum
 * x86_emu_status: X86_EMU_OK, or X86_EMU_FAULT with *fault filled in (e.g.
 * #PF with error code and cr2), or X86_EMU_UNHANDLED to abort. Optional
 * callbacks may be NULL: the instructions needing them are then unhandled.
 */
struct x86_emu_ops {
	void *ctx;
	/* Guest-linear memory; never called across a 4 KiB page boundary. */
	int (*read_mem)(void *ctx, uint64_t linear, void *data, unsigned size,
			unsigned flags, struct x86_fault *fault);
	int (*write_mem)(void *ctx, uint64_t linear, const void *data, unsigned size,
			 unsigned flags, struct x86_fault *fault);
	int (*io_in)(void *ctx, uint16_t port, unsigned size, uint32_t *val,
		     struct x86_fault *fault);
	int (*io_out)(void *ctx, uint16_t port, unsigned size, uint32_t val,
		      struct x86_fault *fault);
	/* Vetoes or applies a CR write (cr 0, 2, 3, 4 or 8); the emulator then
	 * stores the value in the state. */
	int (*write_cr)(void *ctx, unsigned cr, uint64_t val, struct x86_fault *fault);
	int (*read_dr)(void *ctx, unsigned dr, uint64_t *val, struct x86_fault *fault);
	int (*write_dr)(void *ctx, unsigned dr, uint64_t val, struct x86_fault *fault);
	int (*read_msr)(void *ctx, uint32_t msr, uint64_t *val, struct x86_fault *fault);
	int (*write_msr)(void *ctx, uint32_t msr, uint64_t val, struct x86_fault *fault);
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	void (*invlpg)(void *ctx, uint64_t linear);
	/* Optional: atomically replace `old` by `new` (size bytes, one page);
	 * *swapped = false if memory no longer held `old`. Used for the memory
	 * write of LOCKed instructions and XCHG so that other vCPUs see them
	 * atomic; without it those writes are plain writes. */
	int (*cmpxchg_mem)(void *ctx, uint64_t linear, const void *old, const void *new_val,
			   unsigned size, unsigned flags, bool *swapped, struct x86_fault *fault);
	/* Optional: asked after each REP iteration; true ends the instruction
	 * there as if interrupted (RIP unchanged, rep_incomplete), so a caller
	 * whose accesses are answered asynchronously replays one iteration at
	 * a time. */
	bool (*rep_yield)(void *ctx);
	void (*read_xmm)(void *ctx, unsigned reg, uint8_t val[16]);
	void (*write_xmm)(void *ctx, unsigned reg, const uint8_t val[16]);
};

/* Interrupt shadow the completed instruction starts (SDM 6.8.3). */
enum x86_shadow {
	X86_SHADOW_NONE,
	X86_SHADOW_STI,    /* STI that set IF: block interrupts for one instruction */
	X86_SHADOW_MOV_SS, /* MOV SS / POP SS: block interrupts and debug traps */
};

struct x86_emu_result {
	int status;                 /* enum x86_emu_status (also returned) */
	struct x86_fault fault;     /* valid when status == X86_EMU_FAULT */
	bool rep_incomplete;        /* REP op paused after a chunk; RIP unchanged */
	bool retry;                 /* a locked write lost a race: nothing done,
				     * RIP unchanged; re-execute */
	uint8_t shadow;             /* enum x86_shadow, for the VMCB/VMCS */
	struct x86_insn insn;       /* what was decoded (len == 0 if nothing) */
};

/* REP string instructions run at most this many iterations per call. */
#define X86_EMU_REP_CHUNK 4096u

/* Fetches the instruction at CS:RIP through read_mem, decodes and runs it. */
int x86_emulate(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		struct x86_emu_result *res);

/* Runs the instruction in bytes[0..avail) (e.g. from SVM decode assists). */
int x86_emulate_bytes(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		      const uint8_t *bytes, size_t avail, struct x86_emu_result *res);

/* Runs an already decoded instruction. */
int x86_emulate_insn(struct x86_cpu_state *st, const struct x86_emu_ops *ops,
		     const struct x86_insn *insn, struct x86_emu_result *res);

#endif
