/*
 * Internal interface between the emulator's files: the per-instruction
 * context, register and memory operand access, fault helpers. Not for
 * callers outside emulate/ (they use emulate.h).
 */
#ifndef EMULATE_EMU_H
#define EMULATE_EMU_H

#include "emulate/emulate.h"
#include "emulate/flags.h"

/* One instruction being executed. */
struct emu {
	struct x86_cpu_state *st;        /* working copy; committed on success */
	struct x86_cpu_state *committed; /* the caller's state */
	const struct x86_emu_ops *ops;
	const struct x86_insn *in;
	struct x86_fault *fault;
	uint64_t next_rip;               /* RIP after this instruction */
	bool rep_incomplete;
	bool retry;                      /* a locked write found memory changed */
	bool loaded_rf;                  /* IRET set RFLAGS.RF from its frame */
	uint8_t shadow;                  /* enum x86_shadow */
	/* The last memory read of a locked instruction: its write compares
	 * against this (see emu_write). */
	struct {
		bool valid;
		uint8_t seg;
		uint8_t size;
		uint64_t ea;
		uint8_t data[16];
	} locked_read;
};

/* An operand named by ModRM.rm (register or memory) or by ModRM.reg. */
struct emu_operand {
	bool is_mem;
	uint8_t reg;
	uint8_t seg;
	uint8_t size;
	uint64_t ea;
};

int emu_raise(struct emu *e, unsigned vector, bool has_error_code, uint32_t error_code);
int emu_gp0(struct emu *e);
int emu_ud(struct emu *e);
/* #SS(0) for stack-segment accesses, #GP(0) otherwise. */
int emu_seg_fault(struct emu *e, unsigned seg);

bool emu_protected(const struct emu *e);
bool emu_canonical(uint64_t linear);
bool emu_64(const struct emu *e);

/* General registers; byte registers 4-7 are AH..BH unless a REX is present. */
uint64_t emu_reg_read(const struct emu *e, unsigned reg, unsigned size);
void emu_reg_write(struct emu *e, unsigned reg, unsigned size, uint64_t val);
/* Whole-register access by number, size-truncated (no AH..BH aliasing). */
uint64_t emu_gpr(const struct emu *e, unsigned reg, unsigned size);
void emu_set_gpr(struct emu *e, unsigned reg, unsigned size, uint64_t val);

/* Segment for a memory operand: the override, else DS (or SS for rBP/rSP bases). */
unsigned emu_default_seg(const struct emu *e, unsigned fallback);
uint64_t emu_modrm_ea(const struct emu *e);
void emu_rm_operand(const struct emu *e, unsigned size, struct emu_operand *op);
void emu_reg_operand(const struct emu *e, unsigned size, struct emu_operand *op);
int emu_op_read(struct emu *e, const struct emu_operand *op, uint64_t *val);
int emu_op_write(struct emu *e, const struct emu_operand *op, uint64_t val);

/* Segmented memory: segment checks, split at page boundaries. */
int emu_linear(struct emu *e, unsigned seg, uint64_t ea, unsigned size, bool write,
	       uint64_t *linear);
int emu_read(struct emu *e, unsigned seg, uint64_t ea, void *data, unsigned size);
int emu_write(struct emu *e, unsigned seg, uint64_t ea, const void *data, unsigned size);
int emu_read_linear(struct emu *e, uint64_t linear, void *data, unsigned size,
		    unsigned flags);
int emu_write_linear(struct emu *e, uint64_t linear, const void *data, unsigned size,
		     unsigned flags);
/* Little-endian integer load/store of `size` bytes. */
int emu_read_int(struct emu *e, unsigned seg, uint64_t ea, unsigned size, uint64_t *val);
int emu_write_int(struct emu *e, unsigned seg, uint64_t ea, unsigned size, uint64_t val);

/* Stack (SS, stack address size from SS.B or 64-bit mode). */
unsigned emu_stack_size(const struct emu *e);
int emu_push(struct emu *e, uint64_t val, unsigned size);
int emu_pop(struct emu *e, uint64_t *val, unsigned size);

void emu_set_status_flags(struct emu *e, uint64_t flags, uint64_t which);
uint64_t emu_sign_extend(uint64_t v, unsigned size);
/* The first immediate, sign-extended from its encoded size. */
uint64_t emu_imm_sext(const struct x86_insn *in);
uint64_t emu_addr_mask(const struct emu *e);

/* Instruction groups; each returns an enum x86_emu_status. */
int emu_exec_alu(struct emu *e);
int emu_exec_mov(struct emu *e);
int emu_exec_string(struct emu *e);
int emu_exec_io(struct emu *e);
int emu_exec_flags(struct emu *e);
int emu_exec_shift(struct emu *e);
int emu_exec_stack(struct emu *e);
int emu_exec_bits(struct emu *e);
int emu_exec_system(struct emu *e);
int emu_exec_control(struct emu *e);
int emu_exec_sse(struct emu *e);

/* Segment register loads (MOV/POP Sreg, far transfers). */
int emu_load_segment(struct emu *e, unsigned seg, uint16_t sel);
int emu_load_code_segment(struct emu *e, uint16_t sel);

#endif
