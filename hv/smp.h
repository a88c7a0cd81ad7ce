/*
 * Bringing up the host's other CPUs (the ones the ACPI MADT lists): INIT
 * and start-up IPIs, the real-mode trampoline (boot/ap_trampoline.asm),
 * per-CPU data and stacks, the virtualization hardware enabled on each.
 * Each then runs the scheduler for the domains homed on it (hv/sched.c).
 */
#ifndef HV_SMP_H
#define HV_SMP_H

struct percpu;

/* Starts every other CPU; returns how many CPUs are online in all. */
unsigned smp_boot_aps(void);
/* CPUs online (ids 0 .. count-1) and one CPU's per-CPU data. */
unsigned smp_cpu_count(void);
struct percpu *smp_cpu(unsigned id);

#endif
