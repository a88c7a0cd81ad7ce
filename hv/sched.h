/*
 * The scheduler: round-robin time slices over the runnable vCPUs of every
 * domain on this CPU. A vCPU that halts with interrupts on blocks until an
 * interrupt is pending for it; with nothing runnable the CPU sleeps until
 * the next virtual timer deadline.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

struct domain;
struct vcpu;

#define SCHED_SLICE_NS 10000000ull /* 10 ms */

void sched_add(struct vcpu *v);
void sched_remove(struct vcpu *v);
/*
 * Another party (a hypercall, an event, a completed I/O request) changed
 * what `v` may do: make the CPU that runs it look again (wake it from
 * idle). Cheap and safe to call from any CPU.
 */
void sched_kick(struct vcpu *v);
/*
 * Direct switch (IPC-style): the current vCPU is about to wait for `v`
 * (or `v` was waiting for the current one); if `v` runs on this CPU it is
 * picked next, ahead of the round robin, and the current slice ends.
 */
void sched_yield_to(struct vcpu *v);
/* Runs everything that is runnable until `watch` is no longer running. */
void sched_run_until_done(struct domain *watch);

#endif
