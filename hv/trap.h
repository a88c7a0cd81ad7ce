/* Exceptions and interrupts taken by the hypervisor itself. */
#ifndef HV_TRAP_H
#define HV_TRAP_H

#include <stdint.h>

/* What trap_entry.asm pushes, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler_fn)(struct trap_frame *f);

void idt_init(void);
/* Loads the shared IDT on this CPU. */
void idt_load(void);
void trap_set_handler(uint8_t vector, trap_handler_fn fn);

/* Prints `why`, the frame (when given) and a backtrace, then stops. */
__attribute__((noreturn)) void panic_frame(const char *why, const struct trap_frame *f);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
