/* Building a domain before it runs (hv/abi.h KHC_VCPU_SET_REGS,
 * KHC_MEMORY_POPULATE), dom0 only. */
#ifndef HV_DOMCTL_BUILD_H
#define HV_DOMCTL_BUILD_H

#include <stdint.h>

struct vcpu;

int64_t domctl_vcpu_set_regs(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_memory_populate(struct vcpu *v, const uint64_t args[6]);

#endif
