#include "guest.h"
#include "lapic.h"

volatile uint32_t lapic_ticks;

static void tick(struct trap_frame *f)
{
	(void)f;
	lapic_ticks++;
	LAPIC[LAPIC_EOI] = 0;
}

void lapic_timer_periodic(uint8_t vector, uint32_t count)
{
	exc_set_hook(vector, tick);
	LAPIC[LAPIC_SVR] = 0x1ff;
	LAPIC[LAPIC_TIMER_DIVIDE] = 0xb;
	LAPIC[LAPIC_LVT_TIMER] = vector | LVT_PERIODIC;
	LAPIC[LAPIC_TIMER_INIT] = count;
}
