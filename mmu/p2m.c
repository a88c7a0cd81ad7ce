#include "mmu/p2m.h"

#include "hv/errno.h"
#include "hv/string.h"

#ifdef HOST_TEST
#include <stdlib.h>
#define p2m_alloc(n) malloc(n)
#define p2m_free(p) free(p)
#else
#include "hv/heap.h"
#define p2m_alloc(n) kmalloc(n)
#define p2m_free(p) kfree(p)
#endif

static bool grow(struct p2m *p)
{
	size_t cap = p->capacity ? p->capacity * 2 : 16;
	struct p2m_range *n = p2m_alloc(cap * sizeof(*n));

	if (!n)
		return false;
	if (p->count)
		memcpy(n, p->ranges, p->count * sizeof(*n));
	p2m_free(p->ranges);
	p->ranges = n;
	p->capacity = cap;
	return true;
}

/* Index of the first range ending after gfn. */
static size_t first_after(const struct p2m *p, uint64_t gfn)
{
	size_t lo = 0, hi = p->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->ranges[mid].gfn + p->ranges[mid].count <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int p2m_add(struct p2m *p, const struct p2m_range *r)
{
	if (r->count == 0 || r->gfn + r->count < r->gfn || r->type == P2M_HOLE)
		return -EINVAL;
	if (p2m_overlaps(p, r->gfn, r->count))
		return -EEXIST;
	size_t i = first_after(p, r->gfn);
	if (p->count == p->capacity && !grow(p))
		return -ENOMEM;
	memmove(&p->ranges[i + 1], &p->ranges[i], (p->count - i) * sizeof(*r));
	p->ranges[i] = *r;
	p->count++;
	return 0;
}

int p2m_remove(struct p2m *p, uint64_t gfn, uint64_t count)
{
	uint64_t end = gfn + count;
	size_t first = first_after(p, gfn), last = first;

	while (last < p->count && p->ranges[last].gfn < end)
		last++;
	if (last > first && (p->ranges[first].gfn < gfn ||
			     p->ranges[last - 1].gfn + p->ranges[last - 1].count > end))
		return -EINVAL;
	memmove(&p->ranges[first], &p->ranges[last], (p->count - last) * sizeof(*p->ranges));
	p->count -= last - first;
	return (int)(last - first);
}

bool p2m_overlaps(const struct p2m *p, uint64_t gfn, uint64_t count)
{
	size_t i = first_after(p, gfn);
	return i < p->count && p->ranges[i].gfn < gfn + count;
}

const struct p2m_range *p2m_lookup(const struct p2m *p, uint64_t gfn)
{
	size_t i = first_after(p, gfn);
	if (i < p->count && p->ranges[i].gfn <= gfn)
		return &p->ranges[i];
	return NULL;
}

bool p2m_ram_mfn(const struct p2m *p, uint64_t gfn, uint64_t *mfn)
{
	const struct p2m_range *r = p2m_lookup(p, gfn);
	if (!r || r->type != P2M_RAM)
		return false;
	*mfn = r->mfn + (gfn - r->gfn);
	return true;
}

void p2m_destroy(struct p2m *p, void (*free_frames)(uint64_t mfn, uint64_t count))
{
	for (size_t i = 0; i < p->count; i++) {
		const struct p2m_range *r = &p->ranges[i];
		if (r->type == P2M_RAM && r->owned && free_frames)
			free_frames(r->mfn, r->count);
	}
	p2m_free(p->ranges);
	*p = (struct p2m){ 0 };
}
