/*
 * The virtual I/O APIC of a domain (Intel 82093AA datasheet): IOREGSEL/
 * IOWIN at 0xfec00000, ID, version 0x11 with 24 pins, arbitration ID, the
 * redirection table, edge and level triggering with Remote IRR and
 * re-delivery of a still-asserted level interrupt after the EOI.
 * Pure logic: where a message goes is the caller's callback.
 */
#ifndef HV_VIOAPIC_H
#define HV_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_PINS 24
#define VIOAPIC_VERSION 0x11
#define VIOAPIC_ID 1 /* not the BSP's APIC ID, as on most PCs */

/* Redirection entry bits (datasheet 3.2.4). */
#define IOAPIC_RTE_VECTOR        0xffull
#define IOAPIC_RTE_DELMODE(e)    (((e) >> 8) & 7)
#define IOAPIC_RTE_LOGICAL       (1ull << 11)
#define IOAPIC_RTE_DELIVS        (1ull << 12)
#define IOAPIC_RTE_ACTIVE_LOW    (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR    (1ull << 14)
#define IOAPIC_RTE_LEVEL         (1ull << 15)
#define IOAPIC_RTE_MASKED        (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT    56

struct vioapic {
	uint32_t id;         /* ID register bits 27:24 */
	uint8_t ioregsel;
	uint64_t rte[VIOAPIC_PINS];
	uint32_t line;       /* asserted input lines, one bit per pin */
	/* Sends an interrupt message: the redirection entry as it stands
	 * (vector, delivery mode, destination mode and field, trigger mode). */
	void (*deliver)(void *ctx, uint64_t rte);
	void *ctx;
};

/* Reset state (every pin masked); the deliver callback is kept. */
void vioapic_init(struct vioapic *io, uint32_t id);

/* MMIO inside the 4 KiB page: IOREGSEL at 0x00, IOWIN at 0x10. */
uint32_t vioapic_read(struct vioapic *io, uint64_t offset, unsigned size);
void vioapic_write(struct vioapic *io, uint64_t offset, unsigned size, uint32_t val);

/* Input pin `pin` is asserted (true) or not. Levels are logical: device
 * models drive "asserted", whatever polarity the entry says (as the IOAPICs
 * of QEMU and KVM do), so the polarity bit is only stored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted);

/* A local APIC ended a level-triggered interrupt with `vector`: Remote IRR
 * clears on every level entry with that vector, and a line still asserted
 * is delivered again. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
