/*
 * Building a domain from dom0 beyond KHC_DOMAIN_LOAD: setting a vCPU's
 * registers before it first runs, and backing holes of its guest-physical
 * space with fresh RAM. Same rules as hv/domctl.c: a reference on the
 * target, never dom0 itself nor a privileged domain.
 */
#include "hv/domctl_build.h"

#include "hv/abi.h"
#include "hv/domain.h"
#include "hv/domctl.h"
#include "hv/errno.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/vcpu.h"

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
	if (domctl_copy_in(v, &regs, args[2], sizeof(regs)))
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
	struct domain *d = domctl_managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	int err = set_regs(v, d, args);
	domain_put(d);
	return err;
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
	if ((count << PAGE_SHIFT) + DOMCTL_RESERVE_BYTES > hv_frames.free_frames * PAGE_SIZE)
		return -ENOMEM;
	if (p2m_overlaps(&d->p2m, gfn, count))
		return -EEXIST;
	return domain_populate(d, gfn, count);
}

int64_t domctl_memory_populate(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = domctl_managed_domain(v, args[0]);

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
