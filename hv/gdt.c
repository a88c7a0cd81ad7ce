/* Each CPU's GDT and TSS; the TSS carries the IST stacks for #DF, NMI, #MC. */
#include "hv/percpu.h"

#include "hv/string.h"
#include "hv/x86.h"

struct percpu bsp_percpu;

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A 16-byte system descriptor for an available 64-bit TSS (SDM 3A, 8.2.3). */
static void set_tss_descriptor(uint64_t *gdt, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	gdt[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		       (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		       (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS_HIGH] = base >> 32;
}

static void load_gdt(const uint64_t *gdt)
{
	struct descriptor_ptr p = { GDT_ENTRIES * 8 - 1, (uint64_t)gdt };

	/* Reload CS with a far return and the data segments by hand. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 :
			 : "m"(p), "i"(SEL_CODE64), "r"((uint64_t)SEL_DATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

void percpu_init(struct percpu *pc, unsigned cpu_id)
{
	memset(pc, 0, sizeof(*pc));
	pc->self = pc;
	pc->cpu_id = cpu_id;
	pc->gdt[GDT_CODE64] = 0x00AF9A000000FFFFull;
	pc->gdt[GDT_DATA] = 0x00CF92000000FFFFull;
	for (int i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (uint64_t)&pc->ist_stacks[i][IST_STACK_SIZE];
	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap */
	set_tss_descriptor(pc->gdt, &pc->tss);
	load_gdt(pc->gdt);
	__asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"(0));
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
}
