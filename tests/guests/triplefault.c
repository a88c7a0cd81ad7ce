/* triplefault: loads an IDT with limit 0 and raises #BP. The gate is out
 * of bounds, so delivery fails with #GP, which fails the same way, giving
 * #DF, which cannot be delivered either: a triple fault (SDM Vol. 3 6.15,
 * "Interrupt 8"). The hypervisor must kill the domain and log
 * "domain N killed: triple fault"; this guest never gives a verdict unless
 * the triple fault did not happen. */
#include "guest.h"

const char guest_name[] = "triplefault";

enum { FAIL_SURVIVED = 1 };

void guest_main(void)
{
	static const struct desc_ptr empty_idt = { .limit = 0, .base = 0 };
	kprintf("triplefault: about to triple fault\n");
	lidt(&empty_idt);
	__asm__ volatile("int3");
	lidt(&idt_ptr);
	check(false, FAIL_SURVIVED, "int3 with an empty IDT returned instead of triple-faulting");
}
