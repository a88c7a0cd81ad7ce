/* The MSR policy: an allow-list; everything else raises #GP in the guest. */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Each returns false when the access must raise #GP. */
bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
