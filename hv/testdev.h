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
#define TESTDEV_FIFO_SIZE 4096

struct testdev {
	uint8_t fifo[TESTDEV_FIFO_SIZE];
	unsigned head, count;
};

struct domain;

/* True if `port` belongs to a test device (and the access was handled). */
bool testdev_io(struct domain *d, uint16_t port, unsigned size, bool in, uint32_t *val);

#endif
