/* tpr: CR8 and the local APIC's task priority are one register (SDM Vol.
 * 3A, 11.8.6.1; APM Vol. 2, 15.21.3 for SVM's V_TPR): a TPR written
 * through the xAPIC page reads back through CR8 and the other way round,
 * and a priority raised with `mov cr8` holds back a lower-class interrupt
 * (a self-IPI) until CR8 is lowered again, when it must come at once:
 * without another exit, within a short spin. Runs in long mode (CR8 only
 * exists there). */
#include "guest.h"

const char guest_name[] = "tpr";

enum {
	FAIL_MMIO_TO_CR8 = 1,
	FAIL_CR8_TO_MMIO,
	FAIL_DELIVERED_WHILE_MASKED,
	FAIL_NOT_DELIVERED_AFTER_LOWERING,
	FAIL_HIGHER_CLASS_BLOCKED,
	FAIL_LOWER_DELIVERED,
};

#define LAPIC ((volatile uint32_t *)0xfee00000u)
#define LAPIC_TPR (0x80 / 4)
#define LAPIC_PPR (0xa0 / 4)
#define LAPIC_EOI (0xb0 / 4)
#define LAPIC_SVR (0xf0 / 4)
#define LAPIC_ICR_LOW (0x300 / 4)
#define ICR_SELF (1u << 18)

#define VEC_LOW 0x40  /* class 4 */
#define VEC_HIGH 0x90 /* class 9 */

static volatile uint32_t count[256];

static void handler(struct trap_frame *f)
{
	count[f->vector]++;
	LAPIC[LAPIC_EOI] = 0;
}

static uint64_t get_cr8(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void set_cr8(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr8" :: "r"(v) : "memory");
}

/* Exit-free: a waiting interrupt must come in here by itself. */
static void spin(void)
{
	for (volatile int i = 0; i < 2000; i++)
		;
}

static void check_registers(void)
{
	LAPIC[LAPIC_TPR] = 0x5a;
	uint64_t cr8 = get_cr8();
	check(cr8 == 5, FAIL_MMIO_TO_CR8, "xAPIC TPR 0x5a reads back as CR8 %llu (5)", (unsigned long long)cr8);
	set_cr8(3);
	uint32_t tpr = LAPIC[LAPIC_TPR];
	check(tpr == 0x30, FAIL_CR8_TO_MMIO, "mov cr8, 3: xAPIC TPR 0x%x (0x30)", tpr);
	set_cr8(0);
}

static void check_masking(void)
{
	__asm__ volatile("sti");
	set_cr8(VEC_LOW >> 4); /* class 4: vector 0x40 is masked */
	LAPIC[LAPIC_ICR_LOW] = ICR_SELF | VEC_LOW;
	spin();
	(void)cpuid(0, 0); /* an exit: the hypervisor looks at its vLAPIC */
	spin();
	check(count[VEC_LOW] == 0, FAIL_DELIVERED_WHILE_MASKED,
	      "CR8 4: self-IPI 0x40 held back (delivered %u times)", count[VEC_LOW]);
	set_cr8(0);
	spin();
	uint32_t got = count[VEC_LOW];
	check(got == 1, FAIL_NOT_DELIVERED_AFTER_LOWERING,
	      "CR8 0: the waiting 0x40 came without another exit (%u times)", got);

	/* Classes above CR8 still come; those at or below wait. */
	set_cr8(8);
	LAPIC[LAPIC_ICR_LOW] = ICR_SELF | VEC_HIGH;
	spin();
	check(count[VEC_HIGH] == 1, FAIL_HIGHER_CLASS_BLOCKED, "CR8 8: 0x90 delivered (%u)", count[VEC_HIGH]);
	LAPIC[LAPIC_ICR_LOW] = ICR_SELF | VEC_LOW;
	spin();
	check(count[VEC_LOW] == 1, FAIL_LOWER_DELIVERED, "CR8 8: a second 0x40 held back (%u)",
	      count[VEC_LOW]);
	set_cr8(0);
	spin();
	__asm__ volatile("cli");
	check(count[VEC_LOW] == 2, FAIL_NOT_DELIVERED_AFTER_LOWERING,
	      "CR8 0: the second 0x40 came (%u in all)", count[VEC_LOW]);
}

void guest_main(void)
{
	exc_set_hook(VEC_LOW, handler);
	exc_set_hook(VEC_HIGH, handler);
	LAPIC[LAPIC_SVR] = 0x1ff;
	check_registers();
	check_masking();
}
