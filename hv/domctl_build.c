/*
 * Building a domain from dom0 beyond KHC_DOMAIN_LOAD: setting a vCPU's
 * registers before it first runs, and backing holes of its guest-physical
 * space with fresh RAM. Same rules as hv/domctl.c: a reference on the
 * target, never dom0 itself nor a privileged domain.
 */
#include "hv/domctl_build.h"

#include "hv/abi.h"
#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/guest_mem.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/string.h"
#include "hv/vcpu.h"

/* As domctl_create: memory dom0 may not give away. */
#define HV_RESERVE_BYTES (16ull << 20)

static int copy_in(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	uint32_t pf;
	uint64_t addr;
	return guest_virt_read(v, gva, dst, len, 0, &pf, &addr) == GVA_OK ? 0 : -EFAULT;
}

/* See managed_domain in hv/domctl.c; the caller drops the reference. */
static struct domain *managed_domain(struct vcpu *v, uint64_t domid)
{
	struct domain *d = domid <= UINT32_MAX ? domain_get_by_id((unsigned)domid) : 0;
	if (d && (d == v->dom || d->privileged)) {
		domain_put(d);
		return 0;
	}
	return d;
}

/* Paused and never entered: its home CPU does not touch its vCPUs, so this
 * CPU may (as for KHC_DOMAIN_LOAD). */
static bool never_started(const struct domain *d)
{
	if (d->state != DOMAIN_RUNNING || !d->paused)
		return false;
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i]->stats.exits)
			return false;
	return true;
}

static int set_regs(struct vcpu *v, struct domain *d, const uint64_t args[6])
{
	struct kestrel_vcpu_regs regs;

	if (!never_started(d))
		return -EBUSY;
	if (args[1] >= d->nr_vcpus)
		return -EINVAL;
	if (copy_in(v, &regs, args[2], sizeof(regs)))
		return -EFAULT;
	if (!(regs.rflags & KESTREL_RFLAGS_FIXED1) || (regs.rflags & KESTREL_RFLAGS_RESERVED))
		return -EINVAL;
	struct vcpu *t = d->vcpus[args[1]];
	_Static_assert(GPR_COUNT == 16, "kestrel_vcpu_regs.gpr is in enum gpr order");
	for (unsigned i = 0; i < GPR_COUNT; i++)
		t->regs[i] = regs.gpr[i];
	hvm->set_rip(t, regs.rip);
	hvm->set_rflags(t, regs.rflags);
	/* Handed to the home CPU as after a load (VMX: VMCLEAR here). */
	domain_loaded(d);
	return 0;
}

int64_t domctl_vcpu_set_regs(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	int err = set_regs(v, d, args);
	domain_put(d);
	return err;
}

static void free_frames(uint64_t mfn, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		page_free_phys((mfn + i) << PAGE_SHIFT);
}

static bool overlaps(const struct domain *d, uint64_t gfn, uint64_t count)
{
	for (size_t i = 0; i < d->p2m.count; i++) {
		const struct p2m_range *r = &d->p2m.ranges[i];
		if (r->gfn < gfn + count && gfn < r->gfn + r->count)
			return true;
	}
	return false;
}

/* Backs [gfn, gfn + count) with zeroed frames, 2 MiB runs where aligned
 * (as populate_ram in hv/domain.c). Each run is an owned RAM range, freed
 * with the domain by p2m_destroy. */
static int populate(struct domain *d, uint64_t gfn, uint64_t count)
{
	uint64_t end = gfn + count;

	while (gfn < end) {
		uint64_t left = end - gfn, run = 1, pa = 0;
		if (left >= 512 && !(gfn & 511)) {
			pa = frame_alloc_contig(&hv_frames, 512, LARGE_PAGE_SIZE);
			run = 512;
		}
		if (!pa) {
			pa = frame_alloc_below(&hv_frames, 0);
			run = 1;
		}
		if (!pa)
			return -ENOMEM;
		memset(phys_to_virt(pa), 0, run * PAGE_SIZE);
		struct p2m_range r = { gfn, run, pa >> PAGE_SHIFT, P2M_RAM, true };
		int err = p2m_add(&d->p2m, &r);
		/* Lazy tables map it at the first touch; built ones now. */
		if (!err && !d->lazy_nested)
			err = hvm_nested_map(&d->npt, gfn << PAGE_SHIFT, pa, run * PAGE_SIZE);
		if (err) {
			if (!p2m_lookup(&d->p2m, gfn))
				free_frames(pa >> PAGE_SHIFT, run);
			else
				d->ram_bytes += run * PAGE_SIZE; /* in the p2m: freed with it */
			return err;
		}
		d->ram_bytes += run * PAGE_SIZE;
		gfn += run;
	}
	return 0;
}

static int populate_checked(struct domain *d, uint64_t gfn, uint64_t count)
{
	/* Paused: its vCPUs are off every CPU and no nested fault reads the
	 * p2m while it grows. */
	if (d->state != DOMAIN_RUNNING || !d->paused)
		return -EBUSY;
	if (count == 0 || count > KESTREL_GFN_LIMIT || gfn > KESTREL_GFN_LIMIT - count)
		return -EINVAL;
	if (count > (KESTREL_DOMAIN_MAX_MEM >> PAGE_SHIFT) ||
	    d->ram_bytes + (count << PAGE_SHIFT) > KESTREL_DOMAIN_MAX_MEM)
		return -EINVAL;
	if ((count << PAGE_SHIFT) + HV_RESERVE_BYTES > hv_frames.free_frames * PAGE_SIZE)
		return -ENOMEM;
	if (overlaps(d, gfn, count))
		return -EEXIST;
	return populate(d, gfn, count);
}

int64_t domctl_memory_populate(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	int err = populate_checked(d, args[1], args[2]);
	if (!err)
		log_info("domain %u (%s): gfns %#llx..%#llx populated by domain %u\n", d->id,
			 d->name, (unsigned long long)args[1],
			 (unsigned long long)(args[1] + args[2] - 1), v->dom->id);
	domain_put(d);
	return err;
}
