/*
 * Forwarding a client domain's port and MMIO accesses to its service
 * domain through the request rings of hv/ioreq.h (protocol in
 * hv/ioreq_ring.c, contract in docs/ABI.md).
 *
 * An access that needs an answer parks the vCPU (vcpu->io.waiting) with
 * its instruction not carried out; KHC_IOREQ_COMPLETE files the answer in
 * the vCPU's replay list and lets it run; before its next entry the
 * instruction is emulated again and takes its answered accesses from the
 * list in order (read-modify-write instructions make two). A REP string
 * instruction stops after each iteration with a forwarded access, so the
 * list never holds more than one iteration's accesses.
 *
 * Locking: the server's lock covers its channel, `dead` and the answers of
 * its client's waiting vCPUs; the waiting flag is the hand-over between
 * the completing CPU (release) and the vCPU's home CPU (acquire).
 */
#include "hv/ioreq_server.h"

#include "hv/domain.h"
#include "hv/emul.h"
#include "hv/errno.h"
#include "hv/event.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/mmio.h"
#include "hv/sched.h"
#include "hv/vcpu.h"

/* Page sets beyond this are refused (64 slots and 4096 entries fit). */
#define IOREQ_PAGESET_MAX (1u << 20)
/* Guest-physical addresses are below 2^52 (SDM Vol. 3A 4.1.4 MAXPHYADDR). */
#define GUEST_PHYS_LIMIT (1ull << 52)

static uint64_t all_ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static const struct ioreq_route *route_find(const struct ioreq_server *s, uint8_t type,
					    uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < s->nroutes; i++) {
		const struct ioreq_route *r = &s->routes[i];
		if (r->type == type && addr >= r->first && addr + size - 1 <= r->last)
			return r;
	}
	return 0;
}

static bool same_access(const struct ioreq_request *a, const struct ioreq_request *b)
{
	return a->type == b->type && a->dir == b->dir && a->addr == b->addr &&
	       a->size == b->size && (a->dir == IOREQ_DIR_READ || a->data == b->data);
}

/* The next answered access of this instruction, if it is this one. */
static bool replay_take(struct vcpu *v, const struct ioreq_request *req, uint64_t *val)
{
	struct vcpu_io *io = &v->io;

	if (io->replay_next >= io->replay_count)
		return false;
	if (!same_access(&io->replay[io->replay_next], req)) {
		/* The instruction is not the one answered (the guest changed
		 * its code under us): forget the answers, ask again. */
		io->replay_count = io->replay_next = 0;
		return false;
	}
	if (req->dir == IOREQ_DIR_READ)
		*val = io->replay[io->replay_next].data;
	io->replay_next++;
	return true;
}

void ioreq_emulation_begin(struct vcpu *v)
{
	v->io.replay_next = 0;
	v->io.forwarded = false;
}

void ioreq_emulation_end(struct vcpu *v, bool deferred)
{
	if (!deferred)
		v->io.replay_count = v->io.replay_next = 0;
}

bool ioreq_forwarded_this_run(struct vcpu *v)
{
	return v->io.forwarded;
}

static const char *policy_words(const struct ioreq_server *s)
{
	return s->flags == KESTREL_IOREQ_DEAD_FLOAT ? "its routed reads now return all ones"
						    : "the client is killed";
}

/* With s->lock held: lets a waiting vCPU run on with `data` as its answer. */
static void answer(struct vcpu *v, uint64_t data)
{
	struct vcpu_io *io = &v->io;

	if (io->inflight.dir == IOREQ_DIR_READ)
		io->inflight.data = data;
	io->replay[io->replay_count++] = io->inflight;
	__atomic_store_n(&io->waiting, false, __ATOMIC_RELEASE);
}

/* With s->lock held: the service is gone or broke the protocol. The
 * channel is never touched again (its memory may be freed next). */
static void server_mark_dead(struct ioreq_server *s, struct domain *client, const char *why)
{
	if (s->dead)
		return;
	s->dead = true;
	if (client->state == DOMAIN_RUNNING)
		log_warn("domain %u: device model domain %u %s; %s\n", client->id, s->service,
			 why, policy_words(s));
	for (unsigned i = 0; i < client->nr_vcpus; i++) {
		struct vcpu *v = client->vcpus[i];
		if (!__atomic_load_n(&v->io.waiting, __ATOMIC_ACQUIRE))
			continue;
		ioreq_slot_cancel(&s->ch, i);
		answer(v, all_ones(v->io.inflight.size));
	}
	if (s->flags == KESTREL_IOREQ_DEAD_KILL)
		domain_kill(client, "device model domain %u %s", s->service, why);
}

static void kick_all(struct domain *d)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		sched_kick(d->vcpus[i]);
}

/* Tells the service there is work; a synchronous request also hands it
 * the CPU at once (direct switch) when it runs here. */
static void announce(const struct ioreq_server *s, bool wait)
{
	struct domain *svc = domain_get_by_id(s->service);

	if (!svc)
		return;
	if (event_notify(svc, s->port, s->client) == 0 && wait)
		sched_yield_to(svc->vcpus[0]);
	domain_put(svc);
}

static enum ioreq_outcome dead_access(struct vcpu *v, const struct ioreq_server *s,
				      const struct ioreq_request *req, uint64_t *val)
{
	if (s->flags == KESTREL_IOREQ_DEAD_KILL) {
		domain_kill(v->dom, "device model domain %u is gone", s->service);
		return IOREQ_HANDLED;
	}
	if (req->dir == IOREQ_DIR_READ)
		*val = all_ones(req->size);
	return IOREQ_HANDLED;
}

/* With s->lock held: a posted write, if the route takes them and the ring
 * has room. False: send it synchronously. */
static bool try_post(struct vcpu *v, struct ioreq_server *s, const struct ioreq_route *route,
		     const struct ioreq_request *req)
{
	if (req->dir != IOREQ_DIR_WRITE || !(route->flags & KESTREL_ROUTE_POSTED))
		return false;
	int rc = ioreq_posted_push(&s->ch, req);
	if (rc != IOREQ_OK && rc != IOREQ_ENOSPC)
		server_mark_dead(s, v->dom, "broke the posted ring protocol");
	return rc == IOREQ_OK;
}

/* With s->lock held: puts the access in the vCPU's slot. */
static enum ioreq_outcome submit(struct vcpu *v, struct ioreq_server *s,
				 const struct ioreq_request *req, uint64_t *val)
{
	uint32_t seq;

	if (v->io.replay_count == VCPU_IO_REPLAY_MAX) {
		domain_kill(v->dom, "an instruction made more than %u forwarded accesses",
			    VCPU_IO_REPLAY_MAX);
		return IOREQ_HANDLED;
	}
	if (ioreq_slot_submit(&s->ch, v->id, req, &seq) != IOREQ_OK) {
		server_mark_dead(s, v->dom, "broke the request slot protocol");
		return dead_access(v, s, req, val);
	}
	v->io.inflight = *req;
	v->io.forwarded = true;
	__atomic_store_n(&v->io.waiting, true, __ATOMIC_RELEASE);
	return IOREQ_WAIT;
}

enum ioreq_outcome ioreq_forward(struct vcpu *v, uint8_t type, uint8_t dir, uint64_t addr,
				 unsigned size, uint64_t *val)
{
	struct ioreq_server *s = v->dom->ioreq;
	const struct ioreq_route *route = s ? route_find(s, type, addr, size) : 0;
	struct ioreq_request req = {
		.addr = addr, .data = dir == IOREQ_DIR_WRITE ? *val & all_ones(size) : 0,
		.count = 1, .type = type, .dir = dir, .size = (uint8_t)size,
	};
	enum ioreq_outcome out = IOREQ_HANDLED;
	bool posted = false;

	if (!route)
		return IOREQ_NOT_ROUTED;
	if (replay_take(v, &req, val)) {
		v->io.forwarded = true;
		return IOREQ_HANDLED;
	}
	spin_lock(&s->lock);
	if (!s->dead)
		posted = try_post(v, s, route, &req);
	if (!posted)
		out = s->dead ? dead_access(v, s, &req, val) : submit(v, s, &req, val);
	spin_unlock(&s->lock);
	if (posted || out == IOREQ_WAIT)
		announce(s, out == IOREQ_WAIT);
	return out;
}

bool ioreq_resume(struct vcpu *v)
{
	struct emul_outcome o;

	if (__atomic_load_n(&v->io.waiting, __ATOMIC_ACQUIRE) || v->io.replay_count == 0)
		return false;
	if (vcpu_emulate(v, &o) == EMUL_UNHANDLED)
		domain_kill(v->dom, "the instruction at rip %#llx could not run again after its "
			    "I/O was answered", (unsigned long long)o.rip);
	return true;
}

void ioreq_service_gone(struct domain *d, const char *how)
{
	for (unsigned i = 0; i < DOMAIN_MAX; i++) {
		struct domain *c = domain_get_by_index(i);
		struct ioreq_server *s = c ? c->ioreq : 0;
		if (s && s->service == d->id) {
			spin_lock(&s->lock);
			server_mark_dead(s, c, how);
			spin_unlock(&s->lock);
			kick_all(c);
		}
		if (c)
			domain_put(c);
	}
}

void ioreq_client_free(struct domain *d)
{
	struct ioreq_server *s = d->ioreq;

	if (!s)
		return;
	struct domain *svc = domain_get_by_id(s->service);
	if (svc) {
		__atomic_fetch_sub(&svc->events.ports[s->port].users, 1, __ATOMIC_RELEASE);
		domain_put(svc);
	}
	d->ioreq = 0;
	kfree(s);
}

/* The client a service names: it exists, is not the caller, has a server
 * and the caller is that server's service. On success the caller holds a
 * reference to it (domain_put when done). */
static int served_client(struct vcpu *v, uint64_t domid, struct domain **client,
			 struct ioreq_server **server)
{
	struct domain *c = domid <= UINT32_MAX ? domain_get_by_id((unsigned)domid) : 0;
	int err = !c || c == v->dom ? -ESRCH
		  : !c->ioreq	     ? -ENOENT
		  : c->ioreq->service != v->dom->id ? -EPERM
						    : 0;

	if (err) {
		if (c)
			domain_put(c);
		return err;
	}
	*client = c;
	*server = c->ioreq;
	return 0;
}

/* A page of the domain's own RAM: not a foreign mapping, whose frames
 * may go back at its unmap while the hypervisor still uses the ring. */
static bool own_ram_mfn(const struct domain *d, uint64_t gfn, uint64_t *mfn)
{
	const struct p2m_range *r = p2m_lookup(&d->p2m, gfn);
	if (!p2m_is_own_ram(r))
		return false;
	*mfn = r->mfn + (gfn - r->gfn);
	return true;
}

/* The page set: whole pages of the caller's own RAM, contiguous in host
 * memory too (the channel addresses it as one block); NULL otherwise. */
static void *pageset(struct domain *d, uint64_t gpa, uint64_t size)
{
	uint64_t first, mfn;

	if (!own_ram_mfn(d, gpa >> PAGE_SHIFT, &first))
		return 0;
	for (uint64_t i = 1; i < size >> PAGE_SHIFT; i++)
		if (!own_ram_mfn(d, (gpa >> PAGE_SHIFT) + i, &mfn) || mfn != first + i)
			return 0;
	return phys_to_virt(first << PAGE_SHIFT);
}

/* KHC_IOREQ_SETUP for client `c` (referenced by the caller). */
static int attach_server(struct domain *svc, struct domain *c, const uint64_t args[6])
{
	uint64_t gpa = args[1], size = args[2], entries = args[3], port = args[4];

	if (c == svc || c->privileged)
		return -ESRCH;
	if (c->ioreq)
		return -EEXIST;
	if (args[5] > KESTREL_IOREQ_DEAD_FLOAT || port >= KESTREL_EVENT_PORTS ||
	    !event_port_bound_to(svc, (unsigned)port, c->id))
		return -EINVAL;
	if ((gpa | size) & (PAGE_SIZE - 1) || size == 0 || size > IOREQ_PAGESET_MAX ||
	    entries > IOREQ_MAX_RING_ENTRIES)
		return -EINVAL;
	uint32_t need = ioreq_layout_size(c->nr_vcpus, (uint32_t)entries);
	if (need == 0 || need > size)
		return -EINVAL;
	void *base = pageset(svc, gpa, size);
	if (!base)
		return -EFAULT;
	struct ioreq_server *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (ioreq_channel_init(&s->ch, base, (uint32_t)size, c->nr_vcpus, (uint32_t)entries)) {
		kfree(s);
		return -EINVAL;
	}
	s->client = c->id;
	s->service = svc->id;
	s->port = (unsigned)port;
	s->flags = (uint32_t)args[5];
	__atomic_fetch_add(&svc->events.ports[port].users, 1, __ATOMIC_RELAXED);
	/* Published last: the client's vCPUs read it without a lock. */
	__atomic_store_n(&c->ioreq, s, __ATOMIC_RELEASE);
	log_info("domain %u: I/O served by domain %u (%u slots, %u posted entries, %s)\n", c->id,
		 svc->id, c->nr_vcpus, (unsigned)entries,
		 s->flags == KESTREL_IOREQ_DEAD_FLOAT ? "float if it dies" : "killed if it dies");
	return 0;
}

/* (client, gpa, size, ring_entries, port, flags) */
int64_t ioreq_hc_setup(struct vcpu *v, const uint64_t args[6])
{
	struct domain *c = args[0] <= UINT32_MAX ? domain_get_by_id((unsigned)args[0]) : 0;

	if (!c)
		return -ESRCH;
	int err = attach_server(v->dom, c, args);
	domain_put(c);
	return err;
}

static int check_range(uint64_t type, uint64_t first, uint64_t last)
{
	if (first > last)
		return -EINVAL;
	if (type == IOREQ_TYPE_PORT)
		return last <= 0xffff ? 0 : -EINVAL;
	if (type != IOREQ_TYPE_MMIO || (first & (PAGE_SIZE - 1)) ||
	    ((last + 1) & (PAGE_SIZE - 1)) || last >= GUEST_PHYS_LIMIT)
		return -EINVAL;
	return 0;
}

/* KHC_IOREQ_ROUTE for client `c` served by `s`. */
static int add_route(struct domain *c, struct ioreq_server *s, const uint64_t args[6])
{
	if (args[4] & ~(uint64_t)KESTREL_ROUTE_POSTED)
		return -EINVAL;
	int err = check_range(args[1], args[2], args[3]);
	if (err)
		return err;
	/* The client's vCPUs read the routes and its p2m without a lock. */
	if (!c->paused)
		return -EBUSY;
	for (unsigned i = 0; i < s->nroutes; i++)
		if (s->routes[i].type == args[1] && args[2] <= s->routes[i].last &&
		    s->routes[i].first <= args[3])
			return -EEXIST;
	if (s->nroutes == KESTREL_IOREQ_MAX_ROUTES)
		return -ENOSPC;
	if (args[1] == IOREQ_TYPE_MMIO) {
		err = mmio_register_forward(c, args[2], args[3] - args[2] + 1);
		if (err)
			return err;
	}
	s->routes[s->nroutes++] = (struct ioreq_route){ (uint8_t)args[1], (uint8_t)args[4],
							args[2], args[3] };
	return 0;
}

/* KHC_IOREQ_COMPLETE for vCPU `vcpu` of client `c` served by `s`. */
static int complete_request(struct domain *c, struct ioreq_server *s, uint64_t vcpu)
{
	uint64_t data = 0;

	if (vcpu >= c->nr_vcpus)
		return -EINVAL;
	struct vcpu *waiter = c->vcpus[vcpu];
	spin_lock(&s->lock);
	int rc = s->dead ? -ENOENT : ioreq_slot_complete_check(&s->ch, (uint32_t)vcpu, &data);
	if (rc == IOREQ_OK)
		answer(waiter, data);
	else if (rc == IOREQ_EPROTO)
		server_mark_dead(s, c, "broke the request slot protocol");
	spin_unlock(&s->lock);
	if (rc == IOREQ_OK || rc == IOREQ_EPROTO) {
		kick_all(c);
		sched_yield_to(waiter);
	}
	return rc;
}

/* (client, type, first, last, flags) */
int64_t ioreq_hc_route(struct vcpu *v, const uint64_t args[6])
{
	struct domain *c;
	struct ioreq_server *s;
	int err = served_client(v, args[0], &c, &s);

	if (err)
		return err;
	err = add_route(c, s, args);
	domain_put(c);
	return err;
}

/* (client, vcpu) */
int64_t ioreq_hc_complete(struct vcpu *v, const uint64_t args[6])
{
	struct domain *c;
	struct ioreq_server *s;
	int err = served_client(v, args[0], &c, &s);

	if (err)
		return err;
	err = complete_request(c, s, args[1]);
	domain_put(c);
	return err;
}
