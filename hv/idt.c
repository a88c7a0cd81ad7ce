/* The IDT, shared by all CPUs; every gate leads to trap_entry.asm. */
#include "hv/percpu.h"
#include "hv/trap.h"

struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
} __attribute__((packed));

extern const uint64_t trap_stubs[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

static uint8_t ist_for_vector(unsigned v)
{
	switch (v) {
	case 2: return IST_NMI;
	case 8: return IST_DOUBLE_FAULT;
	case 18: return IST_MACHINE_CHECK;
	default: return 0;
	}
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t target = trap_stubs[v];
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)target,
			.selector = SEL_CODE64,
			.ist = ist_for_vector(v),
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(target >> 16),
			.offset_high = (uint32_t)(target >> 32),
		};
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}
