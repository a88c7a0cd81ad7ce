/* Domain management hypercalls (hv/abi.h KHC_DOMAIN_*), dom0 only. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <stdint.h>

struct vcpu;

int64_t domctl_create(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_load(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_destroy(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_pause(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_unpause(struct vcpu *v, const uint64_t args[6]);

#endif
