/*
 * Finding the processors the firmware describes: the ACPI RSDP in the BIOS
 * areas, the RSDT or XSDT, and the local APIC entries of the MADT (ACPI
 * 6.4, 5.2.5 and 5.2.12). Pure logic over physical memory reached through
 * a callback (as in boot/bootinfo.c), so hostile tables are host-tested.
 */
#ifndef HV_MADT_H
#define HV_MADT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

#define MADT_MAX_CPUS 64

struct madt_cpus {
	uint32_t apic_ids[MADT_MAX_CPUS];
	unsigned count;
	uint64_t lapic_base;
};

/* Fills `out` with the enabled processors; returns 0, or -ENOENT when no
 * valid RSDP/MADT is found (the caller then runs on the boot CPU alone). */
int madt_find_cpus(boot_phys_fn phys, void *ctx, uint64_t ebda_pa, struct madt_cpus *out);

#endif
