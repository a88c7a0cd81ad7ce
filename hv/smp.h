/*
 * Bringing up the host's other CPUs (the ones the ACPI MADT lists): INIT
 * and start-up IPIs, the real-mode trampoline (boot/ap_trampoline.asm),
 * per-CPU data and stacks, the virtualization hardware enabled on each.
 * Guests still run on the boot CPU only; the others wait in HLT.
 */
#ifndef HV_SMP_H
#define HV_SMP_H

/* Starts every other CPU; returns how many CPUs are online in all. */
unsigned smp_boot_aps(void);

#endif
