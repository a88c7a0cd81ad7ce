#include "mmu/ptbuild.h"

#include "hv/errno.h"

#ifdef HOST_TEST
/* Host tests hand out table "physical addresses" that are real pointers. */
uint64_t *pt_table(uint64_t table_pa)
{
	return (uint64_t *)(uintptr_t)table_pa;
}
#else
#include "hv/layout.h"
uint64_t *pt_table(uint64_t table_pa)
{
	return phys_to_virt(table_pa);
}
#endif

#define ENTRY_ADDR_MASK 0x000ffffffffff000ull
#define SIZE_2M (1ull << 21)

static unsigned index_at(uint64_t addr, unsigned level)
{
	return (addr >> (12 + 9 * (level - 1))) & 511;
}

/* The table `level` below `root` that covers addr, created on the way. */
static uint64_t *walk_create(const struct pt_format *f, struct pt_alloc *a,
			     uint64_t root, uint64_t addr, unsigned target)
{
	uint64_t *table = pt_table(root);

	for (unsigned level = 4; level > target; level--) {
		uint64_t *e = &table[index_at(addr, level)];
		if (!f->present(*e)) {
			uint64_t pa = a->alloc();
			if (!pa)
				return 0;
			a->pages++;
			*e = f->table_entry(pa);
		} else if (f->is_leaf(*e, level)) {
			return 0; /* a large leaf is in the way: caller's bug */
		}
		table = pt_table(*e & ENTRY_ADDR_MASK);
	}
	return table;
}

int pt_map_range(const struct pt_format *f, struct pt_alloc *a, uint64_t root,
		 uint64_t addr, uint64_t pa, uint64_t size)
{
	while (size) {
		bool large = !(addr & (SIZE_2M - 1)) && !(pa & (SIZE_2M - 1)) && size >= SIZE_2M;
		unsigned level = large ? 2 : 1;
		uint64_t *table = walk_create(f, a, root, addr, level);
		if (!table)
			return -ENOMEM;
		table[index_at(addr, level)] = f->leaf_entry(pa, level);
		uint64_t step = large ? SIZE_2M : 4096;
		addr += step;
		pa += step;
		size -= step;
	}
	return 0;
}

int pt_unmap_range(const struct pt_format *f, uint64_t root, uint64_t addr, uint64_t size)
{
	uint64_t end = addr + size;

	while (addr < end) {
		uint64_t *table = pt_table(root), step = 4096;
		for (unsigned level = 4; level >= 1; level--) {
			uint64_t *e = &table[index_at(addr, level)];
			uint64_t span = 1ull << (12 + 9 * (level - 1));
			if (!f->present(*e)) {
				/* Nothing mapped in this whole entry's span. */
				step = span - (addr & (span - 1));
				break;
			}
			if (f->is_leaf(*e, level)) {
				if ((addr & (span - 1)) || end - addr < span)
					return -EINVAL;
				*e = 0;
				step = span;
				break;
			}
			table = pt_table(*e & ENTRY_ADDR_MASK);
		}
		addr += step;
	}
	return 0;
}

static void free_level(const struct pt_format *f, struct pt_alloc *a,
		       uint64_t table_pa, unsigned level)
{
	uint64_t *table = pt_table(table_pa);

	for (unsigned i = 0; level > 1 && i < 512; i++) {
		uint64_t e = table[i];
		if (f->present(e) && !f->is_leaf(e, level))
			free_level(f, a, e & ENTRY_ADDR_MASK, level - 1);
	}
	a->free(table_pa);
	a->pages--;
}

void pt_free_tables(const struct pt_format *f, struct pt_alloc *a, uint64_t root)
{
	free_level(f, a, root, 4);
}
