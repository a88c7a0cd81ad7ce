#include "hv/domain.h"

#include "hv/errno.h"
#include "hv/format.h"
#include "hv/heap.h"
#include "hv/ipi.h"
#include "hv/hvm.h"
#include "hv/ioreq_server.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/smp.h"
#include "hv/spinlock.h"
#include "hv/string.h"
#include "hv/trap.h"
#include "hv/vcpu.h"

/* domains_lock protects the table and next_domain_id (never held while
 * waiting for another CPU); vcpu_create_lock makes vCPU creation one at a
 * time, for VMX's VPID counter. See docs/ARCHITECTURE.md. */
static struct spinlock domains_lock, vcpu_create_lock;
static unsigned next_domain_id; /* dom0, built first, is domain 0 */
/* Every live domain; each holds one reference for being here. */
static struct domain *domains[DOMAIN_MAX];

static void free_ram_frames(uint64_t mfn, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		page_free_phys((mfn + i) << PAGE_SHIFT);
}

int domain_p2m_add(struct domain *d, const struct p2m_range *r)
{
	spin_lock(&d->p2m_lock);
	int err = p2m_add(&d->p2m, r);
	spin_unlock(&d->p2m_lock);
	return err;
}

/* Backs [gfn, gfn + count) with zeroed RAM: 2 MiB-aligned runs when they
 * can be had (so the nested tables use large pages), single frames
 * otherwise. Each run is an owned p2m range, freed with the domain by
 * p2m_destroy; built nested tables map it now, lazy ones at first touch. */
int domain_populate(struct domain *d, uint64_t gfn, uint64_t count)
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
		struct p2m_range r = { gfn, run, pa >> PAGE_SHIFT, P2M_RAM, true, false };
		int err = domain_p2m_add(d, &r);
		if (err) {
			free_ram_frames(pa >> PAGE_SHIFT, run);
			return err;
		}
		d->ram_bytes += run * PAGE_SIZE; /* in the p2m: freed with it */
		if (!d->lazy_nested && d->npt.root) {
			err = hvm_nested_map(&d->npt, gfn << PAGE_SHIFT, pa, run * PAGE_SIZE);
			if (err)
				return err;
		}
		gfn += run;
	}
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
	debugreg_state_init(&v->dr);
	if (fpu_state_init(&v->fpu)) {
		kfree(v);
		return 0;
	}
	if (hvm->vcpu_create(v)) {
		fpu_state_free(&v->fpu);
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
	spin_lock(&domains_lock);
	unsigned slot = 0;
	while (slot < DOMAIN_MAX && domains[slot])
		slot++;
	if (slot == DOMAIN_MAX) {
		spin_unlock(&domains_lock);
		kfree(d);
		return 0;
	}
	domains[slot] = d;
	d->id = next_domain_id++;
	spin_unlock(&domains_lock);
	d->refs = 1; /* the table's */
	d->cpu = DOMAIN_CPU_ANY;
	d->weight = SCHED_WEIGHT_DEFAULT;
	d->verdict = -1;
	d->dm_domain = DOMID_NONE;
	vplatform_init(&d->platform);
	format_buf(d->name, sizeof(d->name), "%s", name);
	return d;
}

void domain_get(struct domain *d)
{
	__atomic_fetch_add(&d->refs, 1, __ATOMIC_SEQ_CST);
}

/* The last reference: the home CPU let go of every vCPU before the table
 * dropped its reference (domain_destroy), so nothing runs it any more. */
static void domain_free(struct domain *d)
{
	ioreq_client_free(d);
	foreign_release_all(d);
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		hvm->vcpu_destroy(d->vcpus[i]);
		fpu_state_free(&d->vcpus[i]->fpu);
		kfree(d->vcpus[i]);
	}
	hvm_nested_destroy(&d->npt);
	p2m_destroy(&d->p2m, free_ram_frames);
	kfree(d);
}

void domain_put(struct domain *d)
{
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_SEQ_CST) == 0)
		domain_free(d);
}

static struct domain *lookup(unsigned i, bool by_id, bool get)
{
	struct domain *found = 0;

	spin_lock(&domains_lock);
	for (unsigned s = by_id ? 0 : i; s < DOMAIN_MAX && !found; s++) {
		struct domain *d = domains[s];
		if (d && (!by_id || d->id == i))
			found = d;
		if (!by_id)
			break;
	}
	if (found && get)
		domain_get(found);
	spin_unlock(&domains_lock);
	return found;
}

struct domain *domain_by_index(unsigned i) { return lookup(i, false, false); }
struct domain *domain_by_id(unsigned id) { return lookup(id, true, false); }
struct domain *domain_get_by_index(unsigned i) { return lookup(i, false, true); }
struct domain *domain_get_by_id(unsigned id) { return lookup(id, true, true); }

/* dom0 lives on the boot CPU (its console polling and its end, the end of
 * the run, are there); others on the CPU asked for, else the least loaded. */
static void choose_home(struct domain *d)
{
	if (d->privileged)
		d->cpu = 0;
	else if (d->cpu >= smp_cpu_count())
		d->cpu = sched_choose_cpu();
}

/* The vCPUs, built here, are handed to their home CPU (VMX: VMCLEARed on
 * this one so the home CPU may load them). */
static int create_vcpus(struct domain *d, unsigned want)
{
	int err = 0;

	spin_lock(&vcpu_create_lock);
	for (unsigned i = 0; i < want && !err; i++) {
		d->vcpus[i] = vcpu_create(d, i);
		if (d->vcpus[i])
			d->nr_vcpus++;
		else
			err = -ENOMEM;
	}
	spin_unlock(&vcpu_create_lock);
	domain_loaded(d);
	return err;
}

void domain_loaded(struct domain *d)
{
	if (d->cpu == this_cpu()->cpu_id || !hvm->vcpu_release)
		return;
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		hvm->vcpu_release(d->vcpus[i]);
}

void domain_flush_nested(struct domain *d)
{
	if (d->cpu != this_cpu()->cpu_id)
		panic("domain %u: nested flush on CPU %u, not its home CPU %u", d->id,
		      this_cpu()->cpu_id, d->cpu);
	d->nested_gen++;
}

void domain_pause(struct domain *d)
{
	__atomic_store_n(&d->paused, true, __ATOMIC_SEQ_CST);
	sched_quiesce(d);
}

void domain_unpause(struct domain *d)
{
	__atomic_store_n(&d->paused, false, __ATOMIC_SEQ_CST);
	if (d->nr_vcpus)
		sched_kick(d->vcpus[0]); /* the home CPU may be idle */
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
	choose_home(d);
	if (create_vcpus(d, want))
		return -ENOMEM;
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		sched_add(d->vcpus[i]);
	return 0;
}

struct domain *domain_create(const char *name, uint64_t ram_bytes, unsigned vcpus)
{
	return domain_create_on(name, ram_bytes, vcpus, DOMAIN_CPU_ANY);
}

struct domain *domain_create_on(const char *name, uint64_t ram_bytes, unsigned vcpus,
				unsigned cpu)
{
	struct domain *d = domain_alloc(name);

	if (!d)
		return 0;
	d->nr_vcpus = vcpus;
	d->cpu = cpu;
	/* Its home CPU must not start it before it is loaded. */
	d->paused = true;
	/* Test domains fill their nested tables on demand: every guest then
	 * also exercises nested faults, including during event delivery. */
	d->lazy_nested = hvm_nested_lazy();
	if (domain_populate(d, 0, ALIGN_UP(ram_bytes, PAGE_SIZE) >> PAGE_SHIFT) || testdev_mmio_register(d) ||
	    domain_start(d)) {
		log_err("domain %u (%s): out of memory creating it\n", d->id, name);
		domain_destroy(d);
		return 0;
	}
	return d;
}

void domain_destroy(struct domain *d)
{
	bool listed = false;

	/* Its clients stop using its memory (a page set) before it goes. */
	ioreq_service_gone(d, "was destroyed");

	spin_lock(&domains_lock);
	for (unsigned i = 0; i < DOMAIN_MAX; i++) {
		if (domains[i] == d) {
			domains[i] = 0;
			listed = true;
		}
	}
	spin_unlock(&domains_lock);
	if (!listed)
		return; /* someone else is destroying it */
	__atomic_store_n(&d->dying, true, __ATOMIC_SEQ_CST);
	sched_detach_domain(d);
	domain_put(d);
}

#define END_REQ_CLAIMED 0x100u
#define END_REQ_READY 0x200u

/* Another CPU ends a domain its home CPU may be running: the reason goes
 * in a buffer of its own, claimed once, then the home CPU is kicked and
 * applies it at its next pass (domain_apply_end_request). */
static bool request_end(struct domain *d, enum domain_state state, const char *fmt, va_list ap)
{
	unsigned none = 0;

	if (d->cpu >= MAX_CPUS || d->cpu == this_cpu()->cpu_id ||
	    !__atomic_load_n(&d->vcpus_queued, __ATOMIC_SEQ_CST))
		return false; /* nobody else runs it: end it here */
	if (__atomic_compare_exchange_n(&d->end_request, &none, END_REQ_CLAIMED, false,
					__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
		vformat_buf(d->end_request_reason, sizeof(d->end_request_reason), fmt, ap);
		__atomic_store_n(&d->end_request, END_REQ_READY | (unsigned)state, __ATOMIC_SEQ_CST);
		sched_kick(d->vcpus[0]);
	}
	return true;
}

static void domain_end(struct domain *d, enum domain_state state, const char *what,
		       const char *fmt, va_list ap)
{
	if (d->state != DOMAIN_RUNNING || request_end(d, state, fmt, ap))
		return;
	vformat_buf(d->end_reason, sizeof(d->end_reason), fmt, ap);
	vuart_flush(&d->uart, d->name);
	log_info("domain %u %s: %s\n", d->id, what, d->end_reason);
	ioreq_service_gone(d, state == DOMAIN_KILLED ? "was killed" : "stopped");
	/* Last: a CPU waiting for the end reads the reason after this. */
	__atomic_store_n(&d->state, state, __ATOMIC_SEQ_CST);
}

void domain_apply_end_request(struct domain *d)
{
	unsigned req = __atomic_load_n(&d->end_request, __ATOMIC_SEQ_CST);

	if (!(req & END_REQ_READY))
		return;
	if ((req & 0xff) == DOMAIN_KILLED)
		domain_kill(d, "%s", d->end_request_reason);
	else
		domain_finish(d, "%s", d->end_request_reason);
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
