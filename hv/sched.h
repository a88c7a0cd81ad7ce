/*
 * The scheduler: every domain has a home CPU and all its vCPUs run there;
 * each CPU runs round-robin time slices over the runnable vCPUs queued on
 * it. A vCPU that halts with interrupts on blocks until an interrupt is
 * pending for it; with nothing runnable the CPU sleeps until the next
 * virtual timer deadline of its domains or a kick from another CPU.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/abi.h"

struct domain;
struct vcpu;

#define SCHED_SLICE_NS 10000000ull /* 10 ms, at the default weight */
/*
 * Weights: a vCPU's slice is SCHED_SLICE_NS * weight / SCHED_WEIGHT_DEFAULT
 * (kept within SCHED_SLICE_MIN_NS..SCHED_SLICE_MAX_NS), and the round robin
 * gives every runnable vCPU one slice per round, so vCPUs that never block
 * share their CPU in proportion to their domains' weights.
 */
#define SCHED_WEIGHT_DEFAULT KESTREL_WEIGHT_DEFAULT /* the ABI's (hv/abi.h) */
#define SCHED_WEIGHT_MAX KESTREL_WEIGHT_MAX
#define SCHED_SLICE_MIN_NS 1000000ull   /* 1 ms */
#define SCHED_SLICE_MAX_NS 160000000ull /* 160 ms: weight 4096 and above */

/* A home CPU for a new domain: the online CPU with the fewest vCPUs
 * queued, ties taken in turn. */
unsigned sched_choose_cpu(void);
/* Queues `v` on its domain's home CPU (v->dom->cpu), from any CPU. */
void sched_add(struct vcpu *v);
/*
 * Another party (a hypercall, an event, a completed I/O request) changed
 * what `v` may do: make the CPU that runs it look again (an IPI to wake it
 * from idle or out of its guest). Cheap and safe to call from any CPU.
 */
void sched_kick(struct vcpu *v);
/*
 * Direct switch (IPC-style): the current vCPU is about to wait for `v`
 * (or `v` was waiting for the current one); if `v` runs on this CPU it is
 * picked next, ahead of the round robin, and the current slice ends.
 * Otherwise its CPU is kicked.
 */
void sched_yield_to(struct vcpu *v);
/* False (command line `direct_switch=off`): sched_yield_to does nothing, so
 * `make bench` can show what the hand-over saves. Set once at boot. The
 * kick it then skips is redundant: its callers notify or kick already. */
extern bool sched_direct_switch;
/* After setting d->paused (or d->dying): returns once d's home CPU is not
 * inside one of d's vCPUs. Never for the caller's own domain. */
void sched_quiesce(struct domain *d);
/* After setting d->dying: returns once d's home CPU has let go of all its
 * vCPUs (VMCS released, out of the run queue, never to run again). */
void sched_detach_domain(struct domain *d);
/* Runs this CPU's share until `watch` (homed anywhere) is no longer running. */
void sched_run_until_done(struct domain *watch);
/* The scheduler loop of a CPU other than the boot CPU. */
__attribute__((noreturn)) void sched_cpu_loop(void);
/* Slices run on `cpu`, and how many began while another CPU was in a guest. */
void sched_cpu_stats(unsigned cpu, uint64_t *slices, uint64_t *parallel);

#endif
