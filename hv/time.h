/* Time in the hypervisor: the TSC, calibrated once at boot. */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <stdint.h>

/* Measures the TSC against the PIT (channel 2, no interrupts needed). */
void time_init(void);
uint64_t time_tsc_khz(void);
uint64_t time_now_ns(void);
uint64_t time_ns_to_tsc(uint64_t ns);

#endif
