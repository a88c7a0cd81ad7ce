#include "hv/sched.h"

#include "hv/apic.h"
#include "hv/domain.h"
#include "hv/exit.h"
#include "hv/log.h"
#include "hv/percpu.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/vplatform.h"
#include "hv/x86.h"

#define SCHED_MAX_VCPUS (DOMAIN_MAX * 2)

/* One CPU for now: the run queue needs no lock. */
static struct vcpu *runq[SCHED_MAX_VCPUS];
static unsigned next_slot;
static struct vcpu *direct_next; /* sched_yield_to()'s choice, taken once */

void sched_add(struct vcpu *v)
{
	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		if (!runq[i]) {
			runq[i] = v;
			return;
		}
	}
	log_err("sched: run queue full, vCPU %u of domain %u will not run\n", v->id, v->dom->id);
}

void sched_remove(struct vcpu *v)
{
	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++)
		if (runq[i] == v)
			runq[i] = 0;
	if (direct_next == v)
		direct_next = 0;
	if (this_cpu()->current == v)
		this_cpu()->current = 0;
}

static bool may_run(struct vcpu *v)
{
	struct domain *d = v->dom;

	if (d->state != DOMAIN_RUNNING || d->paused || !vcpu_alive(v))
		return false;
	if (v->blocked) {
		vplatform_update(d);
		if (!vcpu_irq_pending(v))
			return false;
		v->blocked = false; /* an interrupt wakes a halted vCPU */
	}
	return true;
}

void sched_kick(struct vcpu *v)
{
	/* One CPU: the caller runs on the CPU that will look at `v` next. */
	(void)v;
}

void sched_yield_to(struct vcpu *v)
{
	direct_next = v;
}

/* The direct-switch choice if it may run, else round robin from where the
 * last pick left off. */
static struct vcpu *pick_next(void)
{
	struct vcpu *direct = direct_next;

	direct_next = 0;
	if (direct && may_run(direct))
		return direct;
	for (unsigned n = 0; n < SCHED_MAX_VCPUS; n++) {
		unsigned i = (next_slot + n) % SCHED_MAX_VCPUS;
		if (runq[i] && may_run(runq[i])) {
			next_slot = i + 1;
			return runq[i];
		}
	}
	return 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Nothing can run: sleep until the earliest virtual timer deadline of any
 * domain with a blocked vCPU. False when nothing could ever wake one. */
static bool idle(void)
{
	uint64_t deadline = 0;

	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		struct vcpu *v = runq[i];
		if (v && v->dom->state == DOMAIN_RUNNING && !v->dom->paused)
			deadline = earliest(deadline, vplatform_next_deadline(v->dom));
	}
	if (!deadline)
		return false;
	if (apic_timer_arm(time_ns_to_tsc(deadline)))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	else
		cpu_relax();
	return true;
}

/* Runs `v` until its slice is over (when someone else wants the CPU),
 * it blocks, or its domain stops. */
static void run_slice(struct vcpu *v)
{
	uint64_t slice_end = time_now_ns() + SCHED_SLICE_NS;
	struct vm_exit exit;

	this_cpu()->current = v;
	while (v->dom->state == DOMAIN_RUNNING && !v->dom->paused && !v->blocked && vcpu_alive(v)) {
		vcpu_prepare_entry(v, slice_end);
		hvm->vcpu_run(v, &exit);
		v->stats.exits++;
		v->stats.exits_by_reason[exit.reason]++;
		exit_dispatch(v, &exit);
		if (time_now_ns() >= slice_end || direct_next)
			return;
	}
}

void sched_run_until_done(struct domain *watch)
{
	while (watch->state == DOMAIN_RUNNING) {
		struct vcpu *v = pick_next();
		if (v) {
			run_slice(v);
			continue;
		}
		if (!idle()) {
			/* Every vCPU of `watch` halted for good: nothing will wake it. */
			for (unsigned i = 0; i < watch->nr_vcpus; i++)
				if (watch->vcpus[i]->blocked)
					domain_finish(watch, "halted with no interrupt source to wake it");
			if (watch->state == DOMAIN_RUNNING && watch->paused)
				domain_finish(watch, "paused with nothing else to run");
		}
	}
}
