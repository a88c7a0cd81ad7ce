#include "hv/sched.h"

#include "hv/apic.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/exit.h"
#include "hv/ioreq_server.h"
#include "hv/hvm.h"
#include "hv/log.h"
#include "hv/percpu.h"
#include "hv/smp.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/vcpu_switch.h"
#include "hv/vplatform.h"
#include "hv/x86.h"

#define SCHED_MAX_VCPUS (DOMAIN_MAX * 2)
/* How often a CPU waiting for a domain homed elsewhere looks again. */
#define WAIT_POLL_NS 2000000ull
/* Spins between two kicks while waiting for another CPU. */
#define KICK_RETRY_SPINS 100000u

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/*
 * One run queue per CPU. Any CPU may fill an empty slot (sched_add, with a
 * compare-and-swap); only the owning CPU empties one (reap) and only it
 * reads the vCPUs' state, so a domain's devices are touched by its home
 * CPU alone and need no lock.
 */
struct runqueue {
	struct vcpu *slot[SCHED_MAX_VCPUS];
	unsigned load;                   /* vCPUs queued (atomic) */
	struct domain *running;          /* whose vCPU is in run_slice (atomic) */
	unsigned next_slot;              /* owner only */
	struct vcpu *direct_next;        /* owner only: sched_yield_to's choice */
	uint64_t slices, parallel_slices;/* owner writes; statistics */
};

static struct runqueue runqueues[MAX_CPUS];
static unsigned rr_next; /* sched_choose_cpu's tie-break (atomic) */

static struct runqueue *this_rq(void)
{
	return &runqueues[this_cpu()->cpu_id];
}

unsigned sched_choose_cpu(void)
{
	unsigned n = smp_cpu_count(), start = __atomic_fetch_add(&rr_next, 1, __ATOMIC_RELAXED);
	unsigned best = start % n;

	for (unsigned k = 1; k < n; k++) {
		unsigned c = (start + k) % n;
		if (LOAD(runqueues[c].load) < LOAD(runqueues[best].load))
			best = c;
	}
	return best;
}

void sched_add(struct vcpu *v)
{
	struct runqueue *rq = &runqueues[v->dom->cpu];

	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		struct vcpu *empty = 0;
		if (__atomic_compare_exchange_n(&rq->slot[i], &empty, v, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED)) {
			__atomic_fetch_add(&rq->load, 1, __ATOMIC_SEQ_CST);
			__atomic_fetch_add(&v->dom->vcpus_queued, 1, __ATOMIC_SEQ_CST);
			sched_kick(v);
			return;
		}
	}
	log_err("sched: run queue of CPU %u full, vCPU %u of domain %u will not run\n",
		v->dom->cpu, v->id, v->dom->id);
}

/* Owner only: takes slot `i` out. Once vcpus_queued drops the destroyer
 * may free the domain, so neither is touched after. */
static void dequeue(struct runqueue *rq, unsigned i)
{
	struct vcpu *v = rq->slot[i];
	struct domain *d = v->dom;

	if (rq->direct_next == v)
		rq->direct_next = 0;
	if (this_cpu()->current == v)
		this_cpu()->current = 0;
	vcpu_switch_forget(v);
	if (hvm && hvm->vcpu_release)
		hvm->vcpu_release(v);
	STORE(rq->slot[i], (struct vcpu *)0);
	__atomic_fetch_sub(&rq->load, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_sub(&d->vcpus_queued, 1, __ATOMIC_SEQ_CST);
}

/* Owner only: lets go of every vCPU of a dying domain, and ends those
 * another CPU asked to end. */
static void reap(struct runqueue *rq)
{
	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		struct vcpu *v = LOAD(rq->slot[i]);
		if (v && LOAD(v->dom->dying))
			dequeue(rq, i);
		else if (v && LOAD(v->dom->end_request))
			domain_apply_end_request(v->dom);
	}
}

/* Whether `d` may be entered at all now (read by its home CPU; other
 * CPUs change `paused` and `dying`, then look at rq->running). */
static bool domain_runnable(struct domain *d)
{
	return LOAD(d->state) == DOMAIN_RUNNING && !LOAD(d->paused) && !LOAD(d->dying) &&
	       !LOAD(d->end_request);
}

static bool may_run(struct vcpu *v)
{
	struct domain *d = v->dom;

	if (!domain_runnable(d))
		return false;
	event_deliver(d); /* notifications from other domains become edges */
	if (!vcpu_alive(v))
		return false;
	if (v->blocked) {
		vplatform_update(d);
		if (!vcpu_irq_pending(v))
			return false;
		v->blocked = false; /* an interrupt wakes a halted vCPU */
	}
	return true;
}

static void kick_cpu(unsigned cpu)
{
	if (cpu != this_cpu()->cpu_id)
		apic_kick(smp_cpu(cpu)->apic_id);
}

void sched_kick(struct vcpu *v)
{
	kick_cpu(v->dom->cpu);
}

bool sched_direct_switch = true;

void sched_yield_to(struct vcpu *v)
{
	if (!sched_direct_switch)
		return; /* round robin decides: the slice ends when v's partner blocks */
	if (v->dom->cpu == this_cpu()->cpu_id)
		this_rq()->direct_next = v;
	else
		sched_kick(v); /* it runs elsewhere: that CPU just looks again */
}

/* Waits until `d`'s home CPU is not in one of its vCPUs; the caller has
 * already made sure it will not enter one again (paused or dying). */
void sched_quiesce(struct domain *d)
{
	if (d->cpu >= MAX_CPUS || d->cpu == this_cpu()->cpu_id)
		return; /* never started, or this CPU is here, so not in d's guest */
	struct runqueue *rq = &runqueues[d->cpu];
	for (unsigned spins = 0; LOAD(rq->running) == d; spins++) {
		if (spins % KICK_RETRY_SPINS == 0)
			kick_cpu(d->cpu);
		cpu_relax();
	}
}

void sched_detach_domain(struct domain *d)
{
	if (d->cpu == this_cpu()->cpu_id) {
		reap(this_rq());
		return;
	}
	for (unsigned spins = 0; LOAD(d->vcpus_queued); spins++) {
		if (spins % KICK_RETRY_SPINS == 0)
			kick_cpu(d->cpu);
		cpu_relax();
	}
}

/* The direct-switch choice if it may run, else round robin from where the
 * last pick left off. */
static struct vcpu *pick_next(struct runqueue *rq)
{
	struct vcpu *direct = rq->direct_next;

	rq->direct_next = 0;
	if (direct && may_run(direct))
		return direct;
	for (unsigned n = 0; n < SCHED_MAX_VCPUS; n++) {
		unsigned i = (rq->next_slot + n) % SCHED_MAX_VCPUS;
		struct vcpu *v = LOAD(rq->slot[i]);
		if (v && may_run(v)) {
			rq->next_slot = i + 1;
			return v;
		}
	}
	return 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Test domains here that nothing can wake any more end: a vCPU halted for
 * good, or paused with nobody left to unpause them. */
static bool finish_stuck(struct runqueue *rq)
{
	bool ended = false;

	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		struct vcpu *v = rq->slot[i];
		struct domain *d = v ? v->dom : 0;
		if (!d || !LOAD(d->end_when_stuck) || LOAD(d->state) != DOMAIN_RUNNING)
			continue;
		if (v->blocked)
			domain_finish(d, "halted with no interrupt source to wake it");
		else if (LOAD(d->paused) && d->dm_domain == DOMID_NONE)
			/* (a device-model domain may still unpause it) */
			domain_finish(d, "paused with nothing else to run");
		ended |= LOAD(d->state) != DOMAIN_RUNNING;
	}
	return ended;
}

/* Nothing here can run: sleep until the earliest virtual timer deadline
 * of this CPU's domains, `wake_by` (0: none), or a kick. */
static void idle(struct runqueue *rq, uint64_t wake_by)
{
	uint64_t deadline = 0;

	for (unsigned i = 0; i < SCHED_MAX_VCPUS; i++) {
		struct vcpu *v = rq->slot[i];
		if (v && domain_runnable(v->dom))
			deadline = earliest(deadline, vplatform_next_deadline(v->dom));
	}
	if (!deadline && finish_stuck(rq))
		return; /* something ended: whoever waits for it looks first */
	deadline = earliest(deadline, wake_by);
	/* An IPI that came since the queue was read is pending (IF is off)
	 * and ends the HLT at once: STI's shadow covers the HLT. */
	if (apic_timer_arm(deadline ? time_ns_to_tsc(deadline) : 0))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	else
		cpu_relax();
}

/* Whether another CPU is in a guest right now (statistics only). */
static bool other_cpu_in_guest(void)
{
	unsigned me = this_cpu()->cpu_id, n = smp_cpu_count();

	for (unsigned c = 0; c < n; c++)
		if (c != me && LOAD(runqueues[c].running))
			return true;
	return false;
}

/* Runs `v` until its slice is over (when someone else wants the CPU),
 * it blocks, or its domain stops, pauses or dies. */
static uint64_t slice_ns(const struct domain *d)
{
	uint64_t ns = SCHED_SLICE_NS * __atomic_load_n(&d->weight, __ATOMIC_RELAXED) / SCHED_WEIGHT_DEFAULT;

	return ns < SCHED_SLICE_MIN_NS ? SCHED_SLICE_MIN_NS
	       : ns > SCHED_SLICE_MAX_NS ? SCHED_SLICE_MAX_NS : ns;
}

static void run_slice(struct runqueue *rq, struct vcpu *v)
{
	uint64_t slice_end = time_now_ns() + slice_ns(v->dom);
	struct vm_exit exit;

	/* Published before `paused`/`dying` are read again below: a CPU that
	 * sets one and then finds `running` clear knows v will not enter. */
	STORE(rq->running, v->dom);
	this_cpu()->current = v;
	vcpu_switch_to(v);
	if (!v->stats.exits)
		log_info("sched: domain %u (%s) vCPU %u starts on CPU %u\n", v->dom->id,
			 v->dom->name, v->id, this_cpu()->cpu_id);
	rq->slices++;
	if (other_cpu_in_guest())
		rq->parallel_slices++;
	while (domain_runnable(v->dom) && !v->blocked && vcpu_alive(v)) {
		if (ioreq_resume(v))
			continue; /* its forwarded access was answered and taken */
		vcpu_prepare_entry(v, slice_end);
		hvm->vcpu_run(v, &exit);
		v->stats.exits++;
		v->stats.exits_by_reason[exit.reason]++;
		exit_dispatch(v, &exit);
		if (time_now_ns() >= slice_end || rq->direct_next)
			break;
	}
	STORE(rq->running, (struct domain *)0);
}

/* One round: let go of dying domains, then run a slice or idle. */
static void sched_pass(uint64_t wake_by)
{
	struct runqueue *rq = this_rq();

	reap(rq);
	struct vcpu *v = pick_next(rq);
	if (v)
		run_slice(rq, v);
	else
		idle(rq, wake_by);
}

void sched_cpu_loop(void)
{
	cli();
	for (;;)
		sched_pass(0);
}

void sched_run_until_done(struct domain *watch)
{
	watch->end_when_stuck = true;
	while (LOAD(watch->state) == DOMAIN_RUNNING) {
		/* A domain homed elsewhere ends without telling this CPU:
		 * look again now and then. */
		uint64_t wake_by = watch->cpu == this_cpu()->cpu_id ? 0 : time_now_ns() + WAIT_POLL_NS;
		sched_pass(wake_by);
	}
}

void sched_cpu_stats(unsigned cpu, uint64_t *slices, uint64_t *parallel)
{
	*slices = LOAD(runqueues[cpu].slices);
	*parallel = LOAD(runqueues[cpu].parallel_slices);
}
