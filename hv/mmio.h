/*
 * Emulated MMIO: guest-physical ranges typed P2M_MMIO_EMUL in a domain's
 * p2m are left out of its nested tables; an access faults, and the
 * instruction is carried out by the emulator (emulate/) with the access
 * itself going to the device model registered here.
 */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct domain;
struct vcpu;

#define MMIO_MAX_REGIONS 16

/* Accesses of 1, 2, 4 or 8 bytes at `offset` into the region. */
struct mmio_ops {
	uint64_t (*read)(void *ctx, uint64_t offset, unsigned size);
	void (*write)(void *ctx, uint64_t offset, unsigned size, uint64_t val);
};

struct mmio_region {
	uint64_t base, size;
	const struct mmio_ops *ops; /* NULL: forwarded to the domain's service */
	void *ctx;
};

/* Adds a region (page-aligned) to the domain's p2m and handler table.
 * Call before domain_start(). 0 or a negative errno. */
int mmio_register(struct domain *d, uint64_t base, uint64_t size,
		  const struct mmio_ops *ops, void *ctx);

/* Adds a region whose accesses go to the domain's service domain
 * (hv/ioreq.c); also while the domain exists, if it is paused. */
int mmio_register_forward(struct domain *d, uint64_t base, uint64_t size);

/* The region holding [gpa, gpa + size), or NULL. */
const struct mmio_region *mmio_find_region(struct domain *d, uint64_t gpa, unsigned size);

/* Emulates the instruction at RIP that touched MMIO. On return the vCPU
 * has moved on, or has an exception queued, or the domain was killed. */
void mmio_emulate(struct vcpu *v, uint64_t gpa);

#endif
