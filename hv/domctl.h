/* Domain management hypercalls (hv/abi.h KHC_DOMAIN_*), dom0 only. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <stdint.h>

#include <stddef.h>

struct domain;
struct vcpu;

/* Memory dom0 may not give away: the hypervisor's own needs. */
#define DOMCTL_RESERVE_BYTES (16ull << 20)

/* Copies from the caller's guest-virtual memory: 0 or -EFAULT. */
int domctl_copy_in(struct vcpu *v, void *dst, uint64_t gva, size_t len);
/* Another domain dom0 may manage (never itself, never a privileged one),
 * with a reference the caller drops (domain_put); NULL if none. */
struct domain *domctl_managed_domain(struct vcpu *v, uint64_t domid);

int64_t domctl_create(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_load(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_destroy(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_pause(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_unpause(struct vcpu *v, const uint64_t args[6]);
int64_t domctl_set_weight(struct vcpu *v, const uint64_t args[6]);

#endif
