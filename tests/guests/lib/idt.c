/* The guest's own IDT: interrupt gates for all 256 vectors, all into the
 * stubs (exceptions and external interrupts alike; lib/exc.c dispatches). 32-bit gates (SDM Vol. 3 6.11, figure 6-2) or,
 * in the long-mode guest, 64-bit ones (6.14.1, figure 6-7). */
#include "guest.h"

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist; /* 64-bit gates; zero in 32-bit ones */
	uint8_t type_attr;
	uint16_t offset_mid;
#ifdef __x86_64__
	uint32_t offset_hi;
	uint32_t reserved;
#endif
};

/* Present, DPL 0, interrupt gate (IF cleared on entry); 32- or 64-bit by mode. */
#define GATE_INTR 0x8E

#ifdef __x86_64__
#define GATE_SELECTOR GDT_CODE64
#else
#define GATE_SELECTOR GDT_CODE32
#endif

extern const uintptr_t exc_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
struct desc_ptr idt_ptr;

void idt_install(void)
{
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
		uint64_t target = exc_stub_table[v];
		idt[v] = (struct idt_gate){ .offset_lo = (uint16_t)target,
					    .selector = GATE_SELECTOR,
					    .type_attr = GATE_INTR,
					    .offset_mid = (uint16_t)(target >> 16) };
#ifdef __x86_64__
		idt[v].offset_hi = (uint32_t)(target >> 32);
#endif
	}
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (uintptr_t)idt;
	lidt(&idt_ptr);
}
