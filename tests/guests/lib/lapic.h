/* The xAPIC registers the C guests use, as 32-bit word indices into the
 * page at 0xfee00000 (SDM Vol. 3A, table 11-1), and LVT bits (11.5.1). */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdint.h>

#define LAPIC ((volatile uint32_t *)0xfee00000u)
#define LAPIC_EOI (0xb0 / 4)
#define LAPIC_SVR (0xf0 / 4)
#define LAPIC_ICR_LOW (0x300 / 4)
#define LAPIC_ICR_HIGH (0x310 / 4)
#define LAPIC_LVT_TIMER (0x320 / 4)
#define LAPIC_TIMER_INIT (0x380 / 4)
#define LAPIC_TIMER_DIVIDE (0x3e0 / 4)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (1u << 18)

/* lib/lapic.c: a periodic LAPIC timer on `vector`, every `count` bus
 * cycles (the vLAPIC's bus runs at 1 GHz), whose interrupts `lapic_ticks`
 * counts (the APIC enabled, the handler installed). */
extern volatile uint32_t lapic_ticks;
void lapic_timer_periodic(uint8_t vector, uint32_t count);

#endif
