/*
 * Intel extended page tables (SDM Vol. 3C, 29.3): four-level tables built
 * from a domain's p2m with mmu/ptbuild.c, like NPT. Only RAM is mapped
 * (read/write/execute, write-back); MMIO and holes stay not-present, so
 * every access to them is an EPT violation the hypervisor decides on.
 *
 * The tables are described by the same root + page count as NPT's
 * (`struct npt`), which the domain keeps for whichever format the backend
 * uses (see hvm_nested_build in hv/hvm.h).
 */
#ifndef MMU_EPT_H
#define MMU_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/npt.h"
#include "mmu/p2m.h"

/* EPT memory types (SDM Vol. 3C, 29.3.7 / 11.3). */
#define EPT_MT_UC 0u
#define EPT_MT_WB 6u

/* Builds tables for every RAM range of `p`, with 2 MiB pages where the
 * range allows and `ept_large_pages` is set. 0 or -ENOMEM (tables built so
 * far are freed). */
int ept_build(struct npt *t, const struct p2m *p);
void ept_destroy(struct npt *t);
/* Maps [gpa, gpa + size) to [hpa, ...) into built tables (lazy population:
 * entries only go from not-present to present, so nothing cached needs
 * invalidating; an EPT violation drops what the CPU cached for its address). */
int ept_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size);
int ept_unmap(struct npt *t, uint64_t gpa, uint64_t size);

/* The backend says whether the CPU has 2 MiB EPT pages (default: yes). */
extern bool ept_large_pages;

/* The EPT pointer for a root: memory type of the paging structures, walk
 * length 4, no accessed/dirty flags. */
uint64_t ept_pointer(uint64_t root_pa, unsigned memtype);

#endif
