/*
 * What every guest gets from lib/: console, printf, the verdict, checks that
 * remember the first failure code, exception capture, hypercalls.
 *
 * A guest defines guest_name[] and guest_main(); lib/start.c calls
 * guest_main() after the common boot checks and turns the first failed
 * check into the verdict when it returns.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

/* Selectors of the GDT in entry.asm (gdt.inc has the same). */
#define GDT_CODE32 0x08
#define GDT_DATA32 0x10
#define GDT_CODE16 0x18
#define GDT_DATA16 0x20
#define GDT_CODE64 0x28
#define GDT_ABSENT 0x30

/* Ports of the test contract (tests/guests/README.md). */
#define PORT_COM1 0x3F8
#define PORT_VERDICT 0xF4
#define PORT_ECHO_DATA 0xE0
#define PORT_ECHO_COUNT 0xE4
#define ECHO_FIFO_SIZE 4096

/* Verdict codes lib/ itself may end a guest with; guests use 1..0x6F. */
#define VERDICT_BAD_MAGIC 0x70      /* EAX was not 0x2BADB002 at entry */
#define VERDICT_BAD_MEMMAP 0x71     /* no memory map, or the image is not in RAM */
#define VERDICT_UNEXPECTED_EXC 0x7E /* an exception nobody asked for */

extern const char guest_name[];
void guest_main(void);

/* lib/serial.c */
void serial_putc(char c);

/* lib/printf.c: %c %s %d %i %u %x %X %p %%, flags '0' '-', width, 'l' 'll'. */
void kvprintf(const char *fmt, va_list ap);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* lib/verdict.c */
void guest_exit(uint32_t code) __attribute__((noreturn));

/* lib/check.c: every line starts with the guest's name. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool check(bool ok, uint32_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint32_t first_failure(void);

/* lib/cmdline.c: the multiboot command line ("" if none) and its
 * `key=value` words (decimal or 0x hex values). */
extern const char *guest_cmdline;
bool cmdline_value(const char *key, uint64_t *value);
/* The value of `key`, or `fallback` if absent or not a number. */
uint64_t cmdline_uint(const char *key, uint64_t fallback);
/* Whether the word `word` (or `word=...`) is on the command line. */
bool cmdline_has(const char *word);

/* lib/string.c: what gcc may call even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* lib/idt.c: 32-bit or 64-bit interrupt gates, as the guest is built. */
void idt_install(void);
extern struct desc_ptr idt_ptr;

/* lib/exc.c; the frame is what exc_stubs.asm (or lib64/exc_stubs64.asm)
 * leaves on the stack. */
#ifdef __x86_64__
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t ip, cs, flags, sp, ss; /* pushed by the CPU */
};
#else
struct trap_frame {
	uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax; /* pushad */
	uint32_t vector, error_code;
	uint32_t ip, cs, flags; /* pushed by the CPU */
};
#endif

struct exc_record {
	int vector; /* -1: nothing caught */
	uint32_t error_code;
	uintptr_t ip;  /* where the CPU says it happened */
	uintptr_t cr2; /* only for #PF */
};

typedef void (*exc_hook_fn)(struct trap_frame *f);

/* Arms a one-shot capture: the next exception is recorded and EIP advances
 * by skip bytes (the length of the faulting instruction; 0 for traps such as
 * int3, whose saved EIP is already past the instruction). */
void exc_expect(uint32_t skip);
/* What the armed capture saw (vector -1 if nothing); disarms it. */
struct exc_record exc_caught(void);
/* A handler of one vector (exception or external interrupt) that takes
 * priority over the capture; interrupt handlers send their own EOI. */
void exc_set_hook(unsigned vector, exc_hook_fn fn);

/* Exception-checked MSR access: returns the vector it raised, -1 if none. */
int rdmsr_checked(uint32_t msr, uint64_t *val, uint32_t *error_code);
int wrmsr_checked(uint32_t msr, uint64_t val, uint32_t *error_code);

/* lib/vendor.c */
enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };
enum cpu_vendor cpu_vendor(void);
const char *cpu_vendor_name(enum cpu_vendor v);
bool kestrel_present(void);

/* lib/hypercall.c */
#define HC_VERSION 0
#define HC_ECHO 1
#define HC_ABI_VERSION 0x00010001u
#define HC_ENOSYS ((uint32_t)-38)
/* Issues hypercall nr with vmmcall (AMD) or vmcall (Intel). Returns false if
 * there is no known vendor or the instruction raised an exception (then
 * *result is the vector). */
bool hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t *result);
#ifdef __x86_64__
/* All six arguments (RDI, RSI, RDX, R10, R8, R9): 64-bit guests only, the
 * 32-bit ones cannot reach R8-R10. Returns RAX; no exception capture. */
int64_t hypercall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5);
int64_t hc6_vmmcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5);
int64_t hc6_vmcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5);
#endif
/* The raw instruction stubs (lib/hypercall_insn.asm). */
uint32_t hc_vmmcall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2);
uint32_t hc_vmcall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2);

/* lib/longmode.asm: enters long mode (identity map of 0..4 GiB, 2 MiB
 * pages), calls the 64-bit function fn64(arg) (SysV: arg in EDI), goes
 * back to 32-bit protected mode with paging off and returns fn64's EAX.
 * Exceptions in long mode triple-fault (the IDT limit is 0 meanwhile). */
uint32_t longmode_call(void *fn64, uint32_t arg);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
