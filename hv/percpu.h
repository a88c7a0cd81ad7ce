/* Per-CPU data, reached through GS (its first field points at itself). */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

#include <stdint.h>

#define MAX_CPUS 64
#define IST_STACK_SIZE 8192

/* 64-bit TSS (SDM Vol. 3A, 8.7). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* GDT slots; the selectors are index * 8. */
enum gdt_slot {
	GDT_NULL,
	GDT_CODE64,
	GDT_DATA,
	GDT_TSS,     /* a TSS descriptor takes two slots */
	GDT_TSS_HIGH,
	GDT_ENTRIES,
};
#define SEL_CODE64 (GDT_CODE64 * 8)
#define SEL_DATA (GDT_DATA * 8)
#define SEL_TSS (GDT_TSS * 8)

/* IST slots (1-based in the IDT gate). */
enum ist_slot {
	IST_DOUBLE_FAULT = 1,
	IST_NMI = 2,
	IST_MACHINE_CHECK = 3,
	IST_COUNT = 3,
};

struct vcpu;

struct percpu {
	struct percpu *self;
	struct vcpu *current;    /* the vCPU this CPU runs (or last ran) */
	struct vcpu *state_owner; /* whose FPU and debug registers the CPU holds
	                           * (hv/vcpu_switch.h) */
	unsigned cpu_id;
	uint32_t apic_id;
	uint64_t timer_deadline; /* TSC the LAPIC timer is armed for, 0: none */
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
	uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
};

extern struct percpu bsp_percpu;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Loads this CPU's GDT, TSS and GS base. */
void percpu_init(struct percpu *pc, unsigned cpu_id);

#endif
