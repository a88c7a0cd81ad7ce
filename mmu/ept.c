#include "mmu/ept.h"

#include "hv/errno.h"
#include "hv/mem.h"
#include "mmu/ptbuild.h"

/* EPT entry bits (SDM Vol. 3C, 29.3.2, tables 29-1 to 29-6). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_LARGE (1ull << 7)

/* EPTP (SDM Vol. 3C, 25.6.11). */
#define EPTP_WALK_LENGTH_4 (3ull << 3)

bool ept_large_pages = true;

static uint64_t ept_table_entry(uint64_t table_pa)
{
	return table_pa | EPT_RWX;
}

/* RAM is write-back; the guest's PAT still applies on top (IPAT clear). */
static uint64_t ept_leaf_entry(uint64_t pa, unsigned level)
{
	return pa | EPT_RWX | ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT) | (level == 2 ? EPT_LARGE : 0);
}

/* An entry with none of R/W/X is not present. */
static bool ept_present(uint64_t e)
{
	return e & EPT_RWX;
}

static bool ept_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (e & EPT_LARGE);
}

static const struct pt_format ept_format = {
	ept_table_entry, ept_leaf_entry, ept_present, ept_is_leaf,
};

static int map(struct pt_alloc *a, uint64_t root, uint64_t addr, uint64_t pa, uint64_t size)
{
	if (ept_large_pages)
		return pt_map_range(&ept_format, a, root, addr, pa, size);
	/* Without 2 MiB EPT pages: one 4 KiB leaf at a time. */
	for (uint64_t off = 0; off < size; off += 4096)
		if (pt_map_range(&ept_format, a, root, addr + off, pa + off, 4096))
			return -ENOMEM;
	return 0;
}

int ept_build(struct npt *t, const struct p2m *p)
{
	struct pt_alloc a = { page_alloc_phys, page_free_phys, 0 };

	t->root = page_alloc_phys();
	if (!t->root)
		return -ENOMEM;
	a.pages = 1;
	for (size_t i = 0; i < p->count; i++) {
		if (p->ranges[i].type != P2M_RAM)
			continue;
		const struct p2m_range *r = &p->ranges[i];
		if (map(&a, t->root, r->gfn << 12, r->mfn << 12, r->count << 12)) {
			pt_free_tables(&ept_format, &a, t->root);
			t->root = 0;
			return -ENOMEM;
		}
	}
	t->pages = a.pages;
	return 0;
}

void ept_destroy(struct npt *t)
{
	struct pt_alloc a = { page_alloc_phys, page_free_phys, t->pages };

	if (t->root)
		pt_free_tables(&ept_format, &a, t->root);
	*t = (struct npt){ 0 };
}

uint64_t ept_pointer(uint64_t root_pa, unsigned memtype)
{
	return root_pa | EPTP_WALK_LENGTH_4 | memtype;
}

int ept_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	struct pt_alloc a = { page_alloc_phys, page_free_phys, t->pages };
	int err = map(&a, t->root, gpa, hpa, size);

	t->pages = a.pages;
	return err;
}

int ept_unmap(struct npt *t, uint64_t gpa, uint64_t size)
{
	return pt_unmap_range(&ept_format, t->root, gpa, size);
}
