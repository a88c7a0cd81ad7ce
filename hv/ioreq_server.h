/*
 * Forwarding a domain's I/O to its service domain (hv/ioreq.c): the routes
 * (port and MMIO ranges), the request rings of hv/ioreq.h in the service's
 * memory, vCPUs waiting for answers, and what happens when the service
 * dies. docs/ABI.md "Forwarding a guest's access" is the contract.
 */
#ifndef HV_IOREQ_SERVER_H
#define HV_IOREQ_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/abi.h"
#include "hv/ioreq.h"
#include "hv/spinlock.h"

struct domain;
struct vcpu;

struct ioreq_route {
	uint8_t type;  /* enum ioreq_type */
	uint8_t flags; /* KESTREL_ROUTE_* */
	uint64_t first, last;
};

/* One per client domain, owned by it (d->ioreq). */
struct ioreq_server {
	struct spinlock lock; /* the channel, `dead`, and the waiting vCPUs' answers */
	unsigned client, service; /* domain ids */
	unsigned port;            /* the service's event port for announcements */
	uint32_t flags;           /* KESTREL_IOREQ_DEAD_* */
	bool dead;                /* the service is gone: the policy applies */
	struct ioreq_channel ch;
	struct ioreq_route routes[KESTREL_IOREQ_MAX_ROUTES];
	unsigned nroutes;
};

enum ioreq_outcome {
	IOREQ_NOT_ROUTED, /* no route: the caller's default applies */
	IOREQ_HANDLED,    /* *val holds a read's answer; or posted; or the client was killed */
	IOREQ_WAIT,       /* submitted: the vCPU waits, the instruction runs again */
};

/* An access by `v`; for writes `*val` is the data. */
enum ioreq_outcome ioreq_forward(struct vcpu *v, uint8_t type, uint8_t dir, uint64_t addr,
				 unsigned size, uint64_t *val);

/* Around one emulator run: starts the replay of answered accesses, and
 * after it (deferred or not) drops what the instruction no longer needs. */
void ioreq_emulation_begin(struct vcpu *v);
void ioreq_emulation_end(struct vcpu *v, bool deferred);
/* Whether this run forwarded an access (a REP then stops after it). */
bool ioreq_forwarded_this_run(struct vcpu *v);

/* Before `v` enters the guest: if its access was answered, runs the
 * instruction again to take the answer. True if it did (look again at
 * whether `v` may run). */
bool ioreq_resume(struct vcpu *v);

/* The service `d` ended (killed, finished) or is being destroyed: each of
 * its clients gets its policy. */
void ioreq_service_gone(struct domain *d, const char *how);
/* When nothing runs client `d` any more: frees its server. */
void ioreq_client_free(struct domain *d);

/* KHC_IOREQ_SETUP, KHC_IOREQ_ROUTE, KHC_IOREQ_COMPLETE. */
int64_t ioreq_hc_setup(struct vcpu *v, const uint64_t args[6]);
int64_t ioreq_hc_route(struct vcpu *v, const uint64_t args[6]);
int64_t ioreq_hc_complete(struct vcpu *v, const uint64_t args[6]);

#endif
