#include "hv/event.h"

#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/sched.h"
#include "hv/vcpu.h"
#include "hv/vplatform.h"

int event_bind(struct domain *d, unsigned peer, unsigned gsi)
{
	if (gsi > KESTREL_EVENT_MAX_GSI)
		return -EINVAL;
	for (unsigned p = 0; p < KESTREL_EVENT_PORTS; p++) {
		struct event_port *e = &d->events.ports[p];
		if (e->bound)
			continue;
		*e = (struct event_port){ true, (uint8_t)gsi, peer, 0 };
		return (int)p;
	}
	return -ENOSPC;
}

int event_unbind(struct domain *d, unsigned port)
{
	if (port >= KESTREL_EVENT_PORTS || !d->events.ports[port].bound)
		return -EINVAL;
	if (__atomic_load_n(&d->events.ports[port].users, __ATOMIC_ACQUIRE))
		return -EBUSY;
	d->events.ports[port].bound = false;
	__atomic_fetch_and(&d->events.pending, ~(1ull << port), __ATOMIC_RELAXED);
	return 0;
}

bool event_port_bound_to(const struct domain *d, unsigned port, unsigned peer)
{
	return port < KESTREL_EVENT_PORTS && d->events.ports[port].bound &&
	       d->events.ports[port].peer == peer;
}

int event_notify(struct domain *d, unsigned port, unsigned from)
{
	if (port >= KESTREL_EVENT_PORTS || !d->events.ports[port].bound)
		return -EINVAL;
	if (d->events.ports[port].peer != from)
		return -EPERM;
	__atomic_fetch_or(&d->events.pending, 1ull << port, __ATOMIC_RELEASE);
	sched_kick(d->vcpus[0]);
	return 0;
}

void event_deliver(struct domain *d)
{
	uint64_t pending = __atomic_exchange_n(&d->events.pending, 0, __ATOMIC_ACQUIRE);

	for (unsigned p = 0; pending; p++, pending >>= 1) {
		if (!(pending & 1) || !d->events.ports[p].bound)
			continue;
		/* An edge: the line's device is the event, not a level. */
		vplatform_set_irq(d, d->events.ports[p].gsi, true);
		vplatform_set_irq(d, d->events.ports[p].gsi, false);
	}
}

int64_t event_hc_bind(struct vcpu *v, const uint64_t args[6])
{
	struct domain *peer = args[0] <= UINT32_MAX ? domain_get_by_id((unsigned)args[0]) : 0;

	if (!peer)
		return -ESRCH;
	domain_put(peer); /* only its id is kept */
	if (args[0] == v->dom->id || args[1] > KESTREL_EVENT_MAX_GSI)
		return -EINVAL;
	return event_bind(v->dom, (unsigned)args[0], (unsigned)args[1]);
}

int64_t event_hc_notify(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = args[0] <= UINT32_MAX ? domain_get_by_id((unsigned)args[0]) : 0;
	int err = d && d->state == DOMAIN_RUNNING ? 0 : -ESRCH;

	if (!err)
		err = args[1] < KESTREL_EVENT_PORTS ? event_notify(d, (unsigned)args[1], v->dom->id)
						    : -EINVAL;
	if (d)
		domain_put(d);
	return err;
}

int64_t event_hc_unbind(struct vcpu *v, const uint64_t args[6])
{
	return args[0] < KESTREL_EVENT_PORTS ? event_unbind(v->dom, (unsigned)args[0]) : -EINVAL;
}
