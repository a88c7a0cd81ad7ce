/*
 * The one checked path between the hypervisor and guest memory: by
 * guest-physical address through the p2m (RAM only), or by guest-virtual
 * address through the guest's own page tables.
 */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/walk.h"

struct domain;
struct vcpu;

/* 0, or -EFAULT when any byte is not guest RAM. */
int guest_phys_read(struct domain *d, uint64_t gpa, void *buf, size_t len);
int guest_phys_write(struct domain *d, uint64_t gpa, const void *buf, size_t len);

/* The result of a guest-virtual access. */
enum gva_status {
	GVA_OK = 0,
	GVA_PAGE_FAULT, /* *pf_error and the faulting address in *fault_addr */
	GVA_BAD_MEMORY, /* the translation or the data is not guest RAM */
};

/* `access` takes PFEC_WRITE / PFEC_USER / PFEC_FETCH. */
enum gva_status guest_virt_read(struct vcpu *v, uint64_t gva, void *buf, size_t len,
				unsigned access, uint32_t *pf_error, uint64_t *fault_addr);
enum gva_status guest_virt_write(struct vcpu *v, uint64_t gva, const void *buf, size_t len,
				 unsigned access, uint32_t *pf_error, uint64_t *fault_addr);

/* The walker's view of the vCPU's current paging state. */
void vcpu_walk_env(struct vcpu *v, struct walk_env *env);

#endif
