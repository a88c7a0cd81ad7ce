/*
 * The devices of test domains: the verdict port (QEMU's isa-debug-exit
 * convention at 0xf4) and an echo FIFO that string I/O tests read back.
 * See tests/guests/README.md for the guest's view.
 */
#ifndef HV_TESTDEV_H
#define HV_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#define TESTDEV_VERDICT_PORT 0xf4
#define TESTDEV_ECHO_DATA_PORT 0xe0
#define TESTDEV_ECHO_COUNT_PORT 0xe4
#define TESTDEV_IRQ_PORT 0xe8 /* write: raise external interrupt <value> */
#define TESTDEV_ISA_IRQ_PORT 0xec /* write: ISA line (value & 15) to level (value >> 8) & 1 */
#define TESTDEV_FIFO_SIZE 4096

/* The MMIO test device: a page at 0xc0000000 whose first 0xf00 bytes hold
 * what is written to them, and whose counters (read-only) say how it was
 * accessed, so a guest can check every instruction form against RAM. */
#define TESTDEV_MMIO_BASE 0xc0000000ull
#define TESTDEV_MMIO_STORE 0xf00
#define TESTDEV_MMIO_ACCESSES 0xf00  /* u64: accesses so far */
#define TESTDEV_MMIO_LAST_SIZE 0xf08 /* u64: size of the last store access */

struct testdev {
	uint8_t fifo[TESTDEV_FIFO_SIZE];
	unsigned head, count;
	uint8_t mmio_store[TESTDEV_MMIO_STORE];
	uint64_t mmio_accesses, mmio_last_size;
};

struct domain;

/* Registers the MMIO test device in a test domain (before domain_start). */
int testdev_mmio_register(struct domain *d);

/* True if `port` belongs to a test device (and the access was handled). */
bool testdev_io(struct domain *d, uint16_t port, unsigned size, bool in, uint32_t *val);

#endif
