/*
 * Event channels: doorbells between domains. A domain binds a port of its
 * own to one of its interrupt lines and names the peer allowed to ring it;
 * a notification sets the port's pending bit (atomically, from any CPU)
 * and kicks the owner, whose home CPU turns pending bits into edges on the
 * bound lines before it next runs the domain's vCPUs.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/abi.h"

struct domain;
struct vcpu;

struct event_port {
	bool bound;
	uint8_t gsi;     /* interrupt line raised in the owner */
	unsigned peer;   /* the domain allowed to notify */
	unsigned users;  /* request rings announcing on this port (atomic: a
			  * client's end drops it from another CPU) */
};

struct event_table {
	struct event_port ports[KESTREL_EVENT_PORTS];
	uint64_t pending; /* bit per port; set by any CPU, taken by the home CPU */
};

/* Binds a free port of `d` to line `gsi` for notifications by `peer`:
 * the port number, or -EINVAL / -ENOSPC. */
int event_bind(struct domain *d, unsigned peer, unsigned gsi);
/* Frees port `port` of `d`: 0, -EINVAL (not bound) or -EBUSY (in use). */
int event_unbind(struct domain *d, unsigned port);
/* Whether `port` of `d` is bound for notifications by `peer`. */
bool event_port_bound_to(const struct domain *d, unsigned port, unsigned peer);
/* Rings `port` of `d` on behalf of domain `from`: 0, -EINVAL, -EPERM. */
int event_notify(struct domain *d, unsigned port, unsigned from);
/* On `d`'s home CPU: raises an edge on the line of every pending port. */
void event_deliver(struct domain *d);

/* KHC_EVENT_BIND, KHC_EVENT_NOTIFY and KHC_EVENT_UNBIND. */
int64_t event_hc_bind(struct vcpu *v, const uint64_t args[6]);
int64_t event_hc_notify(struct vcpu *v, const uint64_t args[6]);
int64_t event_hc_unbind(struct vcpu *v, const uint64_t args[6]);

#endif
