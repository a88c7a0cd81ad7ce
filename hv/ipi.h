/*
 * Interprocessor interrupts between the vCPUs of a domain: the router
 * behind every vLAPIC's ICR (destination shorthands, physical and flat
 * logical destinations, fixed, lowest-priority, NMI, INIT and start-up
 * delivery; SDM Vol. 3A, 11.6 and 8.4.4).
 */
#ifndef HV_IPI_H
#define HV_IPI_H

#include <stdint.h>

/* `ctx` is the sending vCPU. */
void ipi_send(void *ctx, uint32_t icr_low, uint32_t icr_high);

#endif
