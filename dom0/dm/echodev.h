/*
 * The echo device: a tiny device model served through the I/O request
 * rings, by the ioservice test guest and by dom0's hvdm alike (the same
 * code, so the ioclient guest checks one contract against both). Pure C,
 * no libc beyond memcpy, host unit-tested (tests/unit/echodev_test.c).
 *
 *   ports 0x500..0x50f (synchronous)
 *     0x500  scratch S: a write of n bytes replaces S's low n bytes, a
 *            read of n bytes returns them
 *     0x504  read: posted writes received in order (P)
 *     0x508  read: posted writes received out of order (E)
 *     0x50c  read: requests served so far, posted ones included
 *   ports 0x510..0x513 (posted)
 *     0x510  write x: P += 1 if x == P, else E += 1
 *   MMIO 0xd0000000..0xd0000fff (synchronous): 4 KiB of device memory,
 *            initially zero, read and written as plain little-endian memory
 */
#ifndef KESTREL_ECHODEV_H
#define KESTREL_ECHODEV_H

#include "hv/ioreq.h"

#define ECHODEV_PORT_BASE 0x500u
#define ECHODEV_PORT_LAST 0x50fu
#define ECHODEV_POSTED_BASE 0x510u
#define ECHODEV_POSTED_LAST 0x513u
#define ECHODEV_MMIO_BASE 0xd0000000ull
#define ECHODEV_MMIO_SIZE 0x1000u

#define ECHODEV_SCRATCH 0x500u
#define ECHODEV_IN_ORDER 0x504u
#define ECHODEV_OUT_OF_ORDER 0x508u
#define ECHODEV_SERVED 0x50cu
#define ECHODEV_SEQUENCE 0x510u

struct echodev {
	uint32_t scratch;
	uint32_t in_order, out_of_order, served;
	uint8_t mem[ECHODEV_MMIO_SIZE];
};

/* Carries out one request; returns a read's value (0 for writes). Accesses
 * outside the device read as all ones and are ignored when written. */
uint64_t echodev_access(struct echodev *dev, const struct ioreq_request *req);

#endif
