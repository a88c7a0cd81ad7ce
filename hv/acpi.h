/*
 * The ACPI tables dom0 gets (ACPI 6.x): RSDP v2, RSDT, XSDT, FADT, FACS,
 * DSDT and MADT, describing exactly the virtual platform: the vLAPICs, the
 * vIOAPIC, the 8259 pair (PCAT_COMPAT), ISA IRQ 0 on GSI 2, and a minimal
 * PM1 register block (the FADT's fixed hardware: SCI enable and S5 power
 * off) that the hypervisor emulates. Pure logic: the caller writes the
 * bytes into the guest.
 */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_TABLES_SIZE 4096 /* one page holds them all */
#define ACPI_MAX_CPUS 64

/* Fixed hardware the FADT points at (I/O ports; no PM timer, no GPEs). */
#define ACPI_PM1A_EVT_PORT 0x600 /* 4 bytes: status, enable */
#define ACPI_PM1A_CNT_PORT 0x604 /* 2 bytes: SCI_EN, SLP_TYP, SLP_EN */
#define ACPI_SCI_IRQ 9
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06
#define ACPI_S5_SLP_TYP 5

struct acpi_platform {
	unsigned nr_cpus;     /* LAPIC IDs 0..nr_cpus-1 */
	uint64_t lapic_base;
	uint64_t ioapic_base;
	uint8_t ioapic_id;
};

/* Builds the tables into buf (ACPI_TABLES_SIZE bytes) as they will sit at
 * guest-physical `gpa` (page-aligned, below 4 GiB). The RSDP is at
 * offset 0. Returns the bytes used, or 0 if they do not fit. */
size_t acpi_build(uint8_t *buf, uint64_t gpa, const struct acpi_platform *p);

/* The 8-bit sum that makes a table's bytes add up to zero. */
uint8_t acpi_checksum(const uint8_t *data, size_t len);

/* The PM1 register block. `poweroff` is set when the guest writes SLP_EN. */
struct acpi_pm {
	uint16_t status, enable;
};
/* Port I/O to the PM1 block; false if the port is not its. */
bool acpi_pm_io(struct acpi_pm *pm, uint16_t port, bool in, uint32_t *val, bool *poweroff);

#endif
