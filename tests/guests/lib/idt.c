/* The guest's own IDT: 32-bit interrupt gates for the 32 exception vectors,
 * all into exc_stubs.asm (SDM Vol. 3 6.11, figure 6-2). */
#include "guest.h"

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_hi;
};

#define GATE_INTR32 0x8E /* present, DPL 0, 32-bit interrupt gate: IF cleared on entry */

extern const uint32_t exc_stub_table[32];

static struct idt_gate idt[32] __attribute__((aligned(8)));
struct desc_ptr idt_ptr;

void idt_install(void)
{
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
		idt[v].offset_lo = (uint16_t)exc_stub_table[v];
		idt[v].offset_hi = (uint16_t)(exc_stub_table[v] >> 16);
		idt[v].selector = GDT_CODE32;
		idt[v].zero = 0;
		idt[v].type_attr = GATE_INTR32;
	}
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (uint32_t)idt;
	lidt(&idt_ptr);
}
