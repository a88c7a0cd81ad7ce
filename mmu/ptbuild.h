/*
 * Building four-level, 512-entry translation tables (the shape shared by
 * long-mode paging, NPT and EPT); a `struct pt_format` says how one flavour
 * encodes its entries.
 */
#ifndef MMU_PTBUILD_H
#define MMU_PTBUILD_H

#include <stdbool.h>
#include <stdint.h>

struct pt_format {
	/* An entry pointing at the next-level table at `table_pa`. */
	uint64_t (*table_entry)(uint64_t table_pa);
	/* A leaf mapping `pa`; level 1 = 4 KiB, 2 = 2 MiB. */
	uint64_t (*leaf_entry)(uint64_t pa, unsigned level);
	bool (*present)(uint64_t entry);
	bool (*is_leaf)(uint64_t entry, unsigned level);
};

/* How a table is obtained and given back: zeroed frames, physical address. */
struct pt_alloc {
	uint64_t (*alloc)(void);
	void (*free)(uint64_t pa);
	uint64_t pages; /* table pages held, root included */
};

/* Maps [addr, addr + size) to [pa, ...) with 2 MiB leaves wherever both
 * sides are 2 MiB aligned and enough remains. Returns 0 or -ENOMEM. */
int pt_map_range(const struct pt_format *f, struct pt_alloc *a, uint64_t root,
		 uint64_t addr, uint64_t pa, uint64_t size);

/* Clears the leaves mapping [addr, addr + size): 4 KiB leaves, and 2 MiB
 * leaves that lie wholly inside. Tables stay (pt_free_tables frees them).
 * -EINVAL, with the leaves before it cleared, at a 2 MiB leaf that lies
 * only partly inside: ranges are unmapped as they were mapped. */
int pt_unmap_range(const struct pt_format *f, uint64_t root, uint64_t addr, uint64_t size);

/* Frees every table below and including `root` (never the mapped frames). */
void pt_free_tables(const struct pt_format *f, struct pt_alloc *a, uint64_t root);

/* Reads the table at `table_pa`, whatever the environment. */
uint64_t *pt_table(uint64_t table_pa);

#endif
