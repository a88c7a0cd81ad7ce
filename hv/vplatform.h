/*
 * A domain's virtual PC platform: the interrupt controllers and timers the
 * hypervisor emulates (vPIC, vPIT, vIOAPIC; the vLAPICs are per vCPU), the
 * ACPI PM1 block, and how ISA interrupts reach the vCPUs: every ISA line
 * goes to both the vPIC (vCPU 0) and the vIOAPIC (IRQ n on pin n, IRQ 0 on
 * pin 2 as the MADT's interrupt source override says).
 */
#ifndef HV_VPLATFORM_H
#define HV_VPLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/acpi.h"
#include "hv/vioapic.h"
#include "hv/vpic.h"
#include "hv/vpit.h"

struct domain;
struct vcpu;

struct vplatform {
	struct vpic pic;
	struct vpit pit;
	struct vioapic ioapic;
	struct acpi_pm pm;
	/* Guest TSC = host TSC + tsc_offset (mod 2^64), one value for all
	 * of the domain's vCPUs so that their TSCs agree; the backends load it
	 * at every entry (VMCB TSC_OFFSET, VMCS TSC offset). Host TSCs are
	 * assumed synchronized (invariant TSC), so it holds on any host CPU. */
	uint64_t tsc_offset;
};

void vplatform_init(struct vplatform *p);
/* Adds the platform's MMIO devices (xAPIC and IOAPIC pages) to a new domain. */
int vplatform_register_mmio(struct domain *d);
/* Port I/O to the platform devices; false if the port is not theirs. */
bool vplatform_io(struct domain *d, uint16_t port, bool in, uint32_t *val);
/* Brings timers up to date, raising the interrupts that are due. */
void vplatform_update(struct domain *d);
/* The earliest time (ns) a timer needs the CPU back; 0 if none. */
uint64_t vplatform_next_deadline(struct domain *d);
/* ISA interrupt lines 0-15, into the vPIC and the vIOAPIC. */
void vplatform_set_irq(struct domain *d, unsigned irq, bool level);

/* The domain's TSC as its vCPUs read it now, and a write of IA32_TSC from
 * any of them: the offset moves for the whole domain (see docs/ABI.md). */
uint64_t vplatform_guest_tsc(const struct domain *d);
void vplatform_set_guest_tsc(struct domain *d, uint64_t tsc);
uint64_t vplatform_tsc_offset(const struct domain *d);

/* The interrupt controller's view for vCPU 0: is one waiting, and the
 * acknowledge cycle that returns its vector. */
bool vplatform_irq_pending(struct domain *d);
uint8_t vplatform_irq_acknowledge(struct domain *d);

#endif
