#include "mmu/npt.h"

#include "hv/errno.h"
#include "hv/mem.h"
#include "mmu/ptbuild.h"

/* NPT entries are long-mode entries; the walk counts as a user access, so
 * U/S must be set at every level (APM Vol. 2, 15.25.5). */
#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2)
#define NPT_PS (1ull << 7)
#define NPT_TABLE_FLAGS (NPT_P | NPT_RW | NPT_US)

static uint64_t npt_table_entry(uint64_t table_pa)
{
	return table_pa | NPT_TABLE_FLAGS;
}

static uint64_t npt_leaf_entry(uint64_t pa, unsigned level)
{
	return pa | NPT_TABLE_FLAGS | (level == 2 ? NPT_PS : 0);
}

static bool npt_present(uint64_t e)
{
	return e & NPT_P;
}

static bool npt_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (e & NPT_PS);
}

static const struct pt_format npt_format = {
	npt_table_entry, npt_leaf_entry, npt_present, npt_is_leaf,
};

static struct pt_alloc npt_alloc(uint64_t pages)
{
	return (struct pt_alloc){ page_alloc_phys, page_free_phys, pages };
}

int npt_build(struct npt *n, const struct p2m *p)
{
	struct pt_alloc a = npt_alloc(0);

	n->root = page_alloc_phys();
	if (!n->root)
		return -ENOMEM;
	a.pages = 1;
	for (size_t i = 0; i < p->count; i++) {
		const struct p2m_range *r = &p->ranges[i];
		if (r->type != P2M_RAM)
			continue;
		if (pt_map_range(&npt_format, &a, n->root, r->gfn << 12, r->mfn << 12,
				 r->count << 12)) {
			pt_free_tables(&npt_format, &a, n->root);
			n->root = 0;
			return -ENOMEM;
		}
	}
	n->pages = a.pages;
	return 0;
}

void npt_destroy(struct npt *n)
{
	struct pt_alloc a = npt_alloc(n->pages);

	if (n->root)
		pt_free_tables(&npt_format, &a, n->root);
	*n = (struct npt){ 0 };
}

int npt_map(struct npt *n, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	struct pt_alloc a = npt_alloc(n->pages);
	int err = pt_map_range(&npt_format, &a, n->root, gpa, hpa, size);

	n->pages = a.pages;
	return err;
}

int npt_unmap(struct npt *t, uint64_t gpa, uint64_t size)
{
	return pt_unmap_range(&npt_format, t->root, gpa, size);
}
