/*
 * The host's own local APIC: its one-shot timer is how the hypervisor gets
 * the CPU back from a guest at a deadline (a virtual timer's next tick),
 * since guests run with physical interrupts intercepted.
 */
#ifndef HV_APIC_H
#define HV_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_TIMER_VECTOR 0xf0
#define APIC_KICK_VECTOR 0xf1 /* sched_kick: another CPU wants a look */
#define APIC_SPURIOUS_VECTOR 0xff

/* On the boot CPU: the APIC on, the timer calibrated, handlers set. */
bool apic_init(void);
/* On each other CPU: its own APIC on, its timer ready (one-shot). */
void apic_init_ap(void);
/* Arms the one-shot timer to fire at TSC value `deadline` (0: disarm);
 * false when there is no APIC timer to arm. */
bool apic_timer_arm(uint64_t deadline_tsc);
void apic_eoi(void);

/* ICR delivery modes for apic_send_ipi (SDM Vol. 3A, 11.6.1). */
#define APIC_ICR_FIXED 0x4000u   /* fixed, level assert; OR the vector */
#define APIC_ICR_INIT 0x4500u    /* INIT, level assert */
#define APIC_ICR_STARTUP 0x4600u /* start-up; the vector is the page number */
/* Sends an IPI to the CPU with local APIC `apic_id` and waits until the
 * APIC has sent it. */
void apic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* Sends the kick vector to another CPU (see hv/sched.c). */
void apic_kick(uint32_t apic_id);

#endif
