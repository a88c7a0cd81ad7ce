/*
 * x2APIC mode of the virtual local APIC (SDM Vol. 3A, 11.12): the same
 * registers as MSRs 0x800-0x8ff, a 64-bit ICR, the SELF IPI register,
 * entered by setting IA32_APIC_BASE.EXTD. In xAPIC mode every one of these
 * MSRs raises #GP, as on hardware.
 */
#ifndef HV_X2APIC_H
#define HV_X2APIC_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST 0x8ffu

/* False when the access must raise #GP. */
bool x2apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool x2apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
