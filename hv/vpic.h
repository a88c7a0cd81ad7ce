/*
 * The dual 8259A programmable interrupt controller of a PC, emulated per
 * domain (Intel 8259A datasheet; the ELCR of PIIX for level triggering).
 * Pure logic: no guest or hypervisor state beyond `struct vpic`.
 */
#ifndef HV_VPIC_H
#define HV_VPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vpic_chip {
	uint8_t irr, isr, imr;
	uint8_t vector_base;
	uint8_t elcr;          /* level-triggered lines */
	uint8_t lines;         /* current input levels */
	uint8_t init_step;     /* 0: ready; 1..3: expecting ICW2..ICW4 */
	bool icw4_needed, single, auto_eoi, read_isr, special_mask;
	uint8_t lowest_priority; /* rotation: the line with the lowest priority */
};

struct vpic {
	struct vpic_chip chip[2]; /* master (0x20), slave (0xa0) on master line 2 */
};

void vpic_init(struct vpic *p);
/* Sets the level of ISA line `irq` (0-15). */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* True when the master's INT output is asserted. */
bool vpic_has_interrupt(const struct vpic *p);
/* The CPU's interrupt acknowledge: returns the vector and marks it in
 * service (a spurious IRQ 7/15 vector when nothing is pending any more). */
uint8_t vpic_acknowledge(struct vpic *p);
/* Ports 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1; false if not ours. */
bool vpic_io(struct vpic *p, uint16_t port, bool in, uint32_t *val);

#endif
