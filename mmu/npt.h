/*
 * AMD nested page tables (APM Vol. 2, 15.25): four-level tables in the
 * long-mode format, built from a domain's p2m. Only RAM is mapped; MMIO and
 * holes stay not-present, so every access to them is a nested page fault
 * the hypervisor decides on.
 */
#ifndef MMU_NPT_H
#define MMU_NPT_H

#include <stdint.h>

#include "mmu/p2m.h"

struct npt {
	uint64_t root;    /* physical address of the PML4 */
	uint64_t pages;   /* table pages in use */
};

/* Builds tables for every RAM range of `p`, with 2 MiB pages where the
 * range allows. Returns 0 or -ENOMEM (tables built so far are freed). */
int npt_build(struct npt *n, const struct p2m *p);
void npt_destroy(struct npt *n);
/* Maps [gpa, gpa + size) to [hpa, ...) after the fact (lazy population). */
int npt_map(struct npt *n, uint64_t gpa, uint64_t hpa, uint64_t size);
/* Unmaps a range mapped before (pt_unmap_range); the caller flushes. */
int npt_unmap(struct npt *n, uint64_t gpa, uint64_t size);

#endif
