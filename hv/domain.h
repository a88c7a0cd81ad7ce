/* Domains: a guest's memory, vCPUs and devices, and how it ended. */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/event.h"
#include "hv/foreign.h"
#include "hv/mmio.h"
#include "hv/spinlock.h"
#include "hv/testdev.h"
#include "hv/vplatform.h"
#include "hv/vuart.h"
#include "mmu/npt.h"
#include "mmu/p2m.h"

#define DOMAIN_MAX_VCPUS 8
#define DOMAIN_MAX 64
#define DOMID_NONE 0xffffffffu

struct ioreq_server;

enum domain_state {
	DOMAIN_RUNNING,
	DOMAIN_FINISHED, /* the guest reported a verdict or stopped */
	DOMAIN_KILLED,   /* the hypervisor ended it; see `end_reason` */
};

struct domain {
	unsigned id;
	char name[32];
	enum domain_state state;
	char end_reason[96];
	int verdict;     /* the guest's test verdict, -1 if none */
	bool privileged; /* may manage other domains (dom0) */
	bool paused;     /* by dom0: its vCPUs are not scheduled */
	bool lazy_nested;/* RAM enters the nested tables at first touch */

	struct p2m p2m;
	/* Held by writers of the p2m on other CPUs (populate, routes: into a
	 * paused domain, whose own vCPUs read it without a lock) and by a
	 * foreign mapper reading it from another CPU. */
	struct spinlock p2m_lock;
	struct npt npt;
	uint64_t ram_bytes;
	/* Bumped when mappings leave the nested tables; a vCPU whose own
	 * count differs drops its cached translations before it enters. */
	unsigned nested_gen;
	struct foreign_maps foreign; /* what it maps of other domains */

	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	unsigned nr_vcpus;

	/* Where and how long it lives (hv/sched.c, hv/domain.c; the rules
	 * are in docs/ARCHITECTURE.md, "CPUs and locks"). */
	unsigned cpu;          /* home CPU: every vCPU runs there and only there */
	unsigned refs;         /* domain_get/domain_put; the table holds one */
	bool dying;            /* destroy has begun: never scheduled again */
	unsigned vcpus_queued; /* vCPUs still in the home CPU's run queue */
	bool end_when_stuck;   /* a test domain: halted for good, it finishes */
	/* Ended from another CPU: END_REQ_READY | state, applied by the home
	 * CPU with this reason (domain_end; 0: no request). */
	unsigned end_request;
	char end_request_reason[96];

	struct mmio_region mmio[MMIO_MAX_REGIONS];
	unsigned mmio_count;

	struct vuart uart;
	struct testdev testdev;
	struct vplatform platform;

	struct event_table events;
	/* The domain that serves its forwarded I/O (hv/ioreq.c) and may
	 * manage it like dom0 can for that purpose; DOMID_NONE if none. */
	unsigned dm_domain;
	unsigned weight; /* share of its home CPU (hv/sched.h), 1..SCHED_WEIGHT_MAX */
	struct ioreq_server *ioreq; /* set up by the service, or NULL */
};

/* The two halves of creating a domain, for builders that lay out memory
 * themselves (dom0): an empty domain, then, once its p2m is complete, its
 * nested tables and vCPU 0 (0 or -ENOMEM). */
struct domain *domain_alloc(const char *name);
int domain_start(struct domain *d); /* creates nr_vcpus vCPUs (at least 1) */
/* p2m_add under d's p2m_lock. */
int domain_p2m_add(struct domain *d, const struct p2m_range *r);
/* Backs the hole [gfn, gfn + count) with zeroed RAM (counted in
 * ram_bytes): 0, -EEXIST (not a hole) or -ENOMEM (what was added stays,
 * freed with the domain). */
int domain_populate(struct domain *d, uint64_t gfn, uint64_t count);

/* A new, empty, paused domain with `ram_bytes` of RAM at guest-physical 0,
 * nested tables built and its vCPUs; NULL (and everything undone) on
 * failure. */
struct domain *domain_create(const char *name, uint64_t ram_bytes, unsigned vcpus);
/* The same on home CPU `cpu` (DOMAIN_CPU_ANY: the least loaded). */
#define DOMAIN_CPU_ANY (~0u)
struct domain *domain_create_on(const char *name, uint64_t ram_bytes, unsigned vcpus,
				unsigned cpu);
/* Takes the domain out of the table, stops it on its home CPU and drops
 * the table's reference: the memory goes when the last reference does. */
void domain_destroy(struct domain *d);

/* The live domains: by slot (NULL for an empty one) and by id. The
 * pointer is only good while no other CPU can destroy the domain; the
 * _get forms take a reference that keeps it alive until domain_put. */
struct domain *domain_by_index(unsigned i);
struct domain *domain_by_id(unsigned id);
struct domain *domain_get_by_index(unsigned i);
struct domain *domain_get_by_id(unsigned id);
void domain_get(struct domain *d);
void domain_put(struct domain *d);

/* A builder on another CPU than d's home (loading an image into a paused
 * domain that never ran) is done with d's vCPUs: hands them over. */
void domain_loaded(struct domain *d);
/* Mappings left d's nested tables: its vCPUs drop their cached guest-
 * physical translations before they next enter. Only on d's home CPU (no
 * vCPU of d is in guest mode there while the hypervisor runs). */
void domain_flush_nested(struct domain *d);

/* Pause returns once d's home CPU is out of its vCPUs; unpause kicks it. */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);

/* The home CPU applies an end another CPU asked for (hv/sched.c). */
void domain_apply_end_request(struct domain *d);

/* Ends the domain from the hypervisor's side, with a reason for the log.
 * From another CPU than its home, the end is handed to the home CPU (it
 * owns the vUART and may be running the domain) and happens shortly. */
void domain_kill(struct domain *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the domain at the guest's own request (verdict, halt). */
void domain_finish(struct domain *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
