/*
 * Status-flag computation for the integer instructions (SDM Vol. 1 3.4.3.1
 * and each instruction's "Flags Affected"). Operands and results are
 * zero-extended values of `size` bytes (1, 2, 4 or 8).
 */
#ifndef EMULATE_FLAGS_H
#define EMULATE_FLAGS_H

#include <stdint.h>

uint64_t x86_size_mask(unsigned size);

/* a + b + carry_in; returns the result and sets *flags to CF PF AF ZF SF OF. */
uint64_t x86_alu_add(uint64_t a, uint64_t b, unsigned carry_in, unsigned size,
		     uint64_t *flags);

/* a - b - borrow_in, flags as for SUB/SBB/CMP. */
uint64_t x86_alu_sub(uint64_t a, uint64_t b, unsigned borrow_in, unsigned size,
		     uint64_t *flags);

/* Flags of AND/OR/XOR/TEST: CF=OF=0, AF=0 (architecturally undefined). */
uint64_t x86_flags_logic(uint64_t result, unsigned size);

/* True if condition code `cc` (low 4 bits of Jcc/SETcc/CMOVcc) holds. */
int x86_condition(unsigned cc, uint64_t rflags);

#endif
