#include "hv/domain.h"

#include "hv/errno.h"
#include "hv/format.h"
#include "hv/heap.h"
#include "hv/ipi.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/sched.h"
#include "hv/string.h"
#include "hv/vcpu.h"

static unsigned next_domain_id; /* dom0, built first, is domain 0 */
/* Every live domain; the hypervisor runs on one CPU for now, so the
 * hypercalls that walk it need no lock yet. */
static struct domain *domains[DOMAIN_MAX];

static void free_ram_frames(uint64_t mfn, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		page_free_phys((mfn + i) << PAGE_SHIFT);
}

/* Backs [0, bytes) with RAM: 2 MiB-aligned runs when they can be had (so
 * the nested tables use large pages), single frames otherwise. */
static int populate_ram(struct domain *d, uint64_t bytes)
{
	uint64_t pages = bytes >> PAGE_SHIFT, gfn = 0;

	while (gfn < pages) {
		uint64_t left = pages - gfn, run = 1, pa = 0;
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
		if (err) {
			free_ram_frames(pa >> PAGE_SHIFT, run);
			return err;
		}
		gfn += run;
	}
	d->ram_bytes = bytes;
	return 0;
}

static struct vcpu *vcpu_create(struct domain *d, unsigned id)
{
	struct vcpu *v = kzalloc(sizeof(*v));

	if (!v)
		return 0;
	v->dom = d;
	v->id = id;
	vlapic_init(&v->lapic, id);
	v->lapic.send_ipi = ipi_send;
	v->lapic.ipi_ctx = v;
	/* Application processors wait for INIT and a start-up IPI. */
	v->wait_for_sipi = id != 0;
	if (hvm->vcpu_create(v)) {
		kfree(v);
		return 0;
	}
	hvm->set_paging_root(v, d->npt.root);
	return v;
}

struct domain *domain_alloc(const char *name)
{
	struct domain *d = kzalloc(sizeof(*d));

	if (!d)
		return 0;
	unsigned slot = 0;
	while (slot < DOMAIN_MAX && domains[slot])
		slot++;
	if (slot == DOMAIN_MAX) {
		kfree(d);
		return 0;
	}
	domains[slot] = d;
	d->id = next_domain_id++;
	d->verdict = -1;
	vplatform_init(&d->platform);
	format_buf(d->name, sizeof(d->name), "%s", name);
	return d;
}

struct domain *domain_by_index(unsigned i)
{
	return i < DOMAIN_MAX ? domains[i] : 0;
}

struct domain *domain_by_id(unsigned id)
{
	for (unsigned i = 0; i < DOMAIN_MAX; i++)
		if (domains[i] && domains[i]->id == id)
			return domains[i];
	return 0;
}

int domain_start(struct domain *d)
{
	/* Lazily populated tables start empty; RAM is mapped on first touch. */
	static const struct p2m nothing;
	if (vplatform_register_mmio(d) ||
	    hvm_nested_build(&d->npt, d->lazy_nested ? &nothing : &d->p2m))
		return -ENOMEM;
	unsigned want = d->nr_vcpus ? d->nr_vcpus : 1;
	d->nr_vcpus = 0;
	for (unsigned i = 0; i < want; i++) {
		d->vcpus[i] = vcpu_create(d, i);
		if (!d->vcpus[i])
			return -ENOMEM;
		d->nr_vcpus++;
		sched_add(d->vcpus[i]);
	}
	return 0;
}

struct domain *domain_create(const char *name, uint64_t ram_bytes, unsigned vcpus)
{
	struct domain *d = domain_alloc(name);

	if (!d)
		return 0;
	d->nr_vcpus = vcpus;
	/* Test domains fill their nested tables on demand: every guest then
	 * also exercises nested faults, including during event delivery. */
	d->lazy_nested = hvm_nested_lazy();
	if (populate_ram(d, ALIGN_UP(ram_bytes, PAGE_SIZE)) || testdev_mmio_register(d) ||
	    domain_start(d)) {
		log_err("domain %u (%s): out of memory creating it\n", d->id, name);
		domain_destroy(d);
		return 0;
	}
	return d;
}

void domain_destroy(struct domain *d)
{
	for (unsigned i = 0; i < DOMAIN_MAX; i++)
		if (domains[i] == d)
			domains[i] = 0;
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		sched_remove(d->vcpus[i]);
		hvm->vcpu_destroy(d->vcpus[i]);
		kfree(d->vcpus[i]);
	}
	hvm_nested_destroy(&d->npt);
	p2m_destroy(&d->p2m, free_ram_frames);
	kfree(d);
}

static void domain_end(struct domain *d, enum domain_state state, const char *what,
		       const char *fmt, va_list ap)
{
	if (d->state != DOMAIN_RUNNING)
		return;
	d->state = state;
	vformat_buf(d->end_reason, sizeof(d->end_reason), fmt, ap);
	vuart_flush(&d->uart, d->name);
	log_info("domain %u %s: %s\n", d->id, what, d->end_reason);
}

void domain_kill(struct domain *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	domain_end(d, DOMAIN_KILLED, "killed", fmt, ap);
	va_end(ap);
}

void domain_finish(struct domain *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	domain_end(d, DOMAIN_FINISHED, "stopped", fmt, ap);
	va_end(ap);
}
