/*
 * Foreign mapping (KHC_MEMORY_MAP_FOREIGN, KHC_MEMORY_UNMAP_FOREIGN).
 *
 * A mapping is a set of non-owned, `foreign` RAM ranges in the mapper's
 * p2m plus a reference on the target, so the target's frames outlive its
 * destruction until the unmap. Only the mapper's own hypercalls change its
 * mappings, on its home CPU, where all its vCPUs run: the nested tables
 * and TLBs they touch are that CPU's alone (docs/ARCHITECTURE.md). The
 * target's p2m is read under its p2m_lock; the mapper's own needs none
 * (no other CPU reads a privileged domain's p2m).
 */
#include "hv/foreign.h"

#include "hv/abi.h"
#include "hv/domain.h"
#include "hv/domctl.h"
#include "hv/errno.h"
#include "hv/heap.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/spinlock.h"
#include "hv/vcpu.h"

#define GIB_PAGES (1ull << (30 - PAGE_SHIFT))
#define WINDOW_PAGES GIB_PAGES
/* The local APIC and IOAPIC pages sit at 0xfec00000..0xfeefffff. */
#define APIC_AREA_GFN (0xfe000000ull >> PAGE_SHIFT)
#define FOUR_GIB_GFN (1ull << (32 - PAGE_SHIFT))

uint64_t foreign_window_place(struct domain *d)
{
	uint64_t top = 0;

	for (size_t i = 0; i < d->p2m.count; i++) {
		const struct p2m_range *r = &d->p2m.ranges[i];
		if (r->type == P2M_RAM && r->gfn + r->count > top)
			top = r->gfn + r->count;
	}
	uint64_t base = ALIGN_UP(top, GIB_PAGES);
	if (base < FOUR_GIB_GFN && base + WINDOW_PAGES > APIC_AREA_GFN)
		base = FOUR_GIB_GFN;
	d->foreign.window_gfn = base;
	d->foreign.window_pages = WINDOW_PAGES;
	return base;
}

static bool in_window(const struct foreign_maps *f, uint64_t gfn, uint64_t count)
{
	return gfn >= f->window_gfn && count <= f->window_pages &&
	       gfn - f->window_gfn <= f->window_pages - count;
}

/* Every page of [gfn, gfn + count) is the target's own RAM. */
static bool target_ram(const struct domain *t, uint64_t gfn, uint64_t count)
{
	for (uint64_t g = gfn; g < gfn + count;) {
		const struct p2m_range *r = p2m_lookup(&t->p2m, g);
		if (!p2m_is_own_ram(r))
			return false;
		g = r->gfn + r->count;
	}
	return true;
}

/* Takes [local, local + count) out of d's p2m and nested tables; the
 * vCPUs drop what they cached before they next enter. */
static void unmap_local(struct domain *d, uint64_t local, uint64_t count)
{
	p2m_remove(&d->p2m, local, count);
	hvm_nested_unmap(&d->npt, local << PAGE_SHIFT, count << PAGE_SHIFT);
	domain_flush_nested(d);
}

/* Mirrors the target's ranges, one p2m range per contiguous piece. */
static int map_local(struct domain *d, const struct domain *t, uint64_t gfn, uint64_t count,
		     uint64_t local)
{
	for (uint64_t done = 0; done < count;) {
		const struct p2m_range *r = p2m_lookup(&t->p2m, gfn + done);
		uint64_t off = gfn + done - r->gfn, n = r->count - off;
		if (n > count - done)
			n = count - done;
		struct p2m_range m = { local + done, n, r->mfn + off, P2M_RAM, false, true };
		int err = p2m_add(&d->p2m, &m);
		if (!err && !d->lazy_nested)
			err = hvm_nested_map(&d->npt, m.gfn << PAGE_SHIFT, m.mfn << PAGE_SHIFT,
					     n << PAGE_SHIFT);
		if (err) {
			unmap_local(d, local, done + n);
			return err;
		}
		done += n;
	}
	return 0;
}

static int map_checked(struct domain *d, struct domain *t, const uint64_t args[6])
{
	struct foreign_maps *f = &d->foreign;
	uint64_t gfn = args[1], count = args[2], local = args[3];

	if (count == 0 || count > KESTREL_FOREIGN_MAP_PAGES_MAX || !in_window(f, local, count))
		return -EINVAL;
	if (gfn >= KESTREL_GFN_LIMIT || !target_ram(t, gfn, count))
		return -EINVAL;
	if (p2m_overlaps(&d->p2m, local, count))
		return -EEXIST;
	if (f->count == KESTREL_FOREIGN_MAPS_MAX)
		return -ENOSPC;
	if (!f->maps && !(f->maps = kzalloc(KESTREL_FOREIGN_MAPS_MAX * sizeof(*f->maps))))
		return -ENOMEM;
	int err = map_local(d, t, gfn, count, local);
	if (err)
		return err;
	domain_get(t);
	f->maps[f->count++] = (struct foreign_map){ local, count, t };
	return 0;
}

int64_t foreign_hc_map(struct vcpu *v, const uint64_t args[6])
{
	struct domain *t = domctl_managed_domain(v, args[0]);

	if (!t)
		return -ESRCH;
	/* Its p2m may grow on another CPU meanwhile (populate, a route). */
	spin_lock(&t->p2m_lock);
	int err = map_checked(v->dom, t, args);
	spin_unlock(&t->p2m_lock);
	domain_put(t);
	return err;
}

int64_t foreign_hc_unmap(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = v->dom;
	struct foreign_maps *f = &d->foreign;

	for (unsigned i = 0; i < f->count; i++) {
		struct foreign_map m = f->maps[i];
		if (m.local_gfn != args[0])
			continue;
		f->maps[i] = f->maps[--f->count];
		unmap_local(d, m.local_gfn, m.count);
		/* This CPU's vCPUs of d flush before they enter again, so the
		 * target's frames may go now. */
		domain_put(m.target);
		return 0;
	}
	return -ENOENT;
}

void foreign_release_all(struct domain *d)
{
	struct foreign_maps *f = &d->foreign;

	for (unsigned i = 0; i < f->count; i++)
		domain_put(f->maps[i].target);
	kfree(f->maps);
	*f = (struct foreign_maps){ 0 };
}
