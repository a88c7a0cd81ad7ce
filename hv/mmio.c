#include "hv/mmio.h"

#include "hv/domain.h"
#include "hv/emul.h"
#include "hv/errno.h"
#include "hv/layout.h"
#include "hv/vcpu.h"

int mmio_register(struct domain *d, uint64_t base, uint64_t size,
		  const struct mmio_ops *ops, void *ctx)
{
	if ((base | size) & (PAGE_SIZE - 1) || size == 0 || d->mmio_count == MMIO_MAX_REGIONS)
		return -EINVAL;
	struct p2m_range r = { base >> PAGE_SHIFT, size >> PAGE_SHIFT, 0, P2M_MMIO_EMUL, false, false };
	int err = domain_p2m_add(d, &r);
	if (err)
		return err;
	d->mmio[d->mmio_count++] = (struct mmio_region){ base, size, ops, ctx };
	return 0;
}

int mmio_register_forward(struct domain *d, uint64_t base, uint64_t size)
{
	if (d->mmio_count == MMIO_MAX_REGIONS)
		return -ENOSPC;
	return mmio_register(d, base, size, 0, 0);
}

const struct mmio_region *mmio_find_region(struct domain *d, uint64_t gpa, unsigned size)
{
	for (unsigned i = 0; i < d->mmio_count; i++) {
		const struct mmio_region *r = &d->mmio[i];
		if (gpa >= r->base && gpa + size <= r->base + r->size)
			return r;
	}
	return 0;
}

void mmio_emulate(struct vcpu *v, uint64_t gpa)
{
	struct emul_outcome o;

	if (vcpu_emulate(v, &o) == EMUL_UNHANDLED)
		domain_kill(v->dom, "MMIO access to %#llx by an instruction the emulator "
			    "does not handle (map %u opcode %#x, rip %#llx)",
			    (unsigned long long)gpa, o.map, o.opcode, (unsigned long long)o.rip);
}
