/*
 * The I/O request ring protocol (hv/ioreq.h), as pure logic: both sides of
 * the synchronous slots and of the posted ring, with no knowledge of
 * domains, vCPUs or interrupts (hv/io.c and hv/mmio.c forward through it;
 * dom0's device model consumes through the service half).
 *
 * Memory ordering (docs/ABI.md "I/O request rings", barrier rules): a
 * state or index word is the only thing that hands data from one side to
 * the other. The writer fills the payload with plain (relaxed) stores and
 * then release-stores the word; the reader acquire-loads the word and only
 * then reads the payload. Every shared word is read exactly once per
 * operation (__atomic loads, never a plain dereference the compiler could
 * repeat), so a peer changing it meanwhile cannot make two checks disagree.
 */
#include "hv/ioreq.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include "hv/string.h"
#endif

#define LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_RELAXED(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static bool is_power_of_two(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static bool geometry_valid(uint32_t vcpu_slots, uint32_t ring_entries)
{
	return vcpu_slots >= 1 && vcpu_slots <= IOREQ_MAX_VCPUS && ring_entries >= 2 &&
	       ring_entries <= IOREQ_MAX_RING_ENTRIES && is_power_of_two(ring_entries);
}

static uint32_t ring_offset_for(uint32_t vcpu_slots)
{
	return IOREQ_SLOTS_OFFSET + vcpu_slots * (uint32_t)sizeof(struct ioreq_slot);
}

uint32_t ioreq_layout_size(uint32_t vcpu_slots, uint32_t ring_entries)
{
	if (!geometry_valid(vcpu_slots, ring_entries))
		return 0;
	return ring_offset_for(vcpu_slots) + ring_entries * (uint32_t)sizeof(struct ioreq_request);
}

/* Only well-formed requests enter shared memory: the service may trust their shape. */
static bool request_valid(const struct ioreq_request *req)
{
	uint8_t size = req->size;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (req->type == IOREQ_TYPE_PORT) {
		if (size > 4 || req->addr > 0xffff)
			return false;
	} else if (req->type != IOREQ_TYPE_MMIO) {
		return false;
	}
	return (req->dir == IOREQ_DIR_READ || req->dir == IOREQ_DIR_WRITE) && req->count >= 1 &&
	       req->flags == 0;
}

static uint64_t size_mask(uint8_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* One field at a time, each a single access: the peer may write concurrently. */
static void request_store(struct ioreq_request *dst, const struct ioreq_request *src)
{
	STORE_RELAXED(&dst->addr, src->addr);
	STORE_RELAXED(&dst->data, src->data);
	STORE_RELAXED(&dst->count, src->count);
	STORE_RELAXED(&dst->type, src->type);
	STORE_RELAXED(&dst->dir, src->dir);
	STORE_RELAXED(&dst->size, src->size);
	STORE_RELAXED(&dst->flags, src->flags);
	STORE_RELAXED(&dst->reserved, 0);
}

static void request_load(struct ioreq_request *dst, const struct ioreq_request *src)
{
	dst->addr = LOAD_RELAXED(&src->addr);
	dst->data = LOAD_RELAXED(&src->data);
	dst->count = LOAD_RELAXED(&src->count);
	dst->type = LOAD_RELAXED(&src->type);
	dst->dir = LOAD_RELAXED(&src->dir);
	dst->size = LOAD_RELAXED(&src->size);
	dst->flags = LOAD_RELAXED(&src->flags);
	dst->reserved = 0;
}

/* ---- hypervisor side ---------------------------------------------------- */

int ioreq_channel_init(struct ioreq_channel *ch, void *base, uint32_t size,
		       uint32_t vcpu_slots, uint32_t ring_entries)
{
	uint32_t need = ioreq_layout_size(vcpu_slots, ring_entries);
	struct ioreq_header *h;

	if (!ch || !base || need == 0 || size < need)
		return IOREQ_EINVAL;
	memset(ch, 0, sizeof(*ch));
	memset(base, 0, need);
	ch->shared = base;
	ch->slots = (struct ioreq_slot *)((uint8_t *)base + IOREQ_SLOTS_OFFSET);
	ch->ring = (struct ioreq_request *)((uint8_t *)base + ring_offset_for(vcpu_slots));
	ch->vcpu_slots = vcpu_slots;
	ch->ring_entries = ring_entries;

	h = &ch->shared->header;
	h->version = IOREQ_VERSION;
	h->vcpu_slots = vcpu_slots;
	h->ring_entries = ring_entries;
	h->slots_offset = IOREQ_SLOTS_OFFSET;
	h->ring_offset = ring_offset_for(vcpu_slots);
	h->total_size = need;
	/* Release: a service that sees the magic sees the whole header and zeroed slots. */
	STORE_RELEASE(&h->magic, IOREQ_MAGIC);
	return IOREQ_OK;
}

bool ioreq_slot_busy(const struct ioreq_channel *ch, uint32_t vcpu)
{
	return vcpu < ch->vcpu_slots && ch->track[vcpu].busy;
}

/*
 * The hypervisor may reuse a slot that is FREE, or DONE while it has nothing
 * outstanding: the late answer to a request it cancelled (a new submission
 * resets done_seq, so that answer can never complete the new request).
 * PENDING or PROCESSING now means the service wrote a state out of turn.
 */
static bool slot_reusable(const struct ioreq_slot *slot)
{
	/* Acquire: the service's last writes to the slot are over before we overwrite it. */
	uint32_t state = LOAD_ACQUIRE(&slot->state);

	return state == IOREQ_STATE_FREE || state == IOREQ_STATE_DONE;
}

int ioreq_slot_submit(struct ioreq_channel *ch, uint32_t vcpu,
		      const struct ioreq_request *req, uint32_t *seq)
{
	struct ioreq_slot_track *t;
	struct ioreq_slot *slot;

	if (vcpu >= ch->vcpu_slots || !req || !request_valid(req))
		return IOREQ_EINVAL;
	t = &ch->track[vcpu];
	if (t->busy)
		return IOREQ_EBUSY;
	slot = &ch->slots[vcpu];
	if (!slot_reusable(slot))
		return IOREQ_EPROTO;

	t->seq = t->seq + 1 ? t->seq + 1 : 1; /* 0 never names a request */
	t->busy = 1;
	t->dir = req->dir;
	t->size = req->size;
	request_store(&slot->req, req);
	if (req->dir == IOREQ_DIR_READ)
		STORE_RELAXED(&slot->req.data, 0);
	STORE_RELAXED(&slot->seq, t->seq);
	STORE_RELAXED(&slot->done_seq, 0);
	/* Release: the request and seq are visible before the service can see PENDING. */
	STORE_RELEASE(&slot->state, IOREQ_STATE_PENDING);
	if (seq)
		*seq = t->seq;
	return IOREQ_OK;
}

int ioreq_slot_complete_check(struct ioreq_channel *ch, uint32_t vcpu, uint64_t *data)
{
	struct ioreq_slot_track *t;
	struct ioreq_slot *slot;
	uint32_t state;
	uint64_t value;

	if (vcpu >= ch->vcpu_slots)
		return IOREQ_EINVAL;
	t = &ch->track[vcpu];
	if (!t->busy)
		return IOREQ_ENODATA; /* a completion nobody asked for: never accepted */
	slot = &ch->slots[vcpu];
	/* Acquire: pairs with the service's release of DONE, so data and done_seq are its answer. */
	state = LOAD_ACQUIRE(&slot->state);
	if (state == IOREQ_STATE_PENDING || state == IOREQ_STATE_PROCESSING)
		return IOREQ_EAGAIN;
	if (state != IOREQ_STATE_DONE)
		return IOREQ_EPROTO; /* FREE or garbage while we wait */
	if (LOAD_RELAXED(&slot->done_seq) != t->seq)
		return IOREQ_ESTALE;
	value = LOAD_RELAXED(&slot->req.data) & size_mask(t->size);
	t->busy = 0;
	/* Release: our reads of the answer are done before the slot is FREE again. */
	STORE_RELEASE(&slot->state, IOREQ_STATE_FREE);
	if (data)
		*data = t->dir == IOREQ_DIR_READ ? value : 0;
	return IOREQ_OK;
}

int ioreq_slot_cancel(struct ioreq_channel *ch, uint32_t vcpu)
{
	if (vcpu >= ch->vcpu_slots)
		return IOREQ_EINVAL;
	if (!ch->track[vcpu].busy)
		return IOREQ_ENODATA;
	ch->track[vcpu].busy = 0;
	/* t->seq is kept: a late DONE for it is recognised (and refused) as stale. */
	STORE_RELEASE(&ch->slots[vcpu].state, IOREQ_STATE_FREE);
	return IOREQ_OK;
}

int ioreq_posted_push(struct ioreq_channel *ch, const struct ioreq_request *req)
{
	uint32_t prod = ch->posted_prod, seen = ch->posted_cons_seen, cons;

	if (!req || !request_valid(req) || req->dir != IOREQ_DIR_WRITE)
		return IOREQ_EINVAL;
	/* Acquire: the service's reads of the entries it consumed are over before we reuse them. */
	cons = LOAD_ACQUIRE(&ch->shared->posted_cons.value);
	/* The consumer only moves forward, and never past what we produced. */
	if ((uint32_t)(cons - seen) > (uint32_t)(prod - seen))
		return IOREQ_EPROTO;
	ch->posted_cons_seen = cons;
	if ((uint32_t)(prod - cons) >= ch->ring_entries)
		return IOREQ_ENOSPC;
	request_store(&ch->ring[prod & (ch->ring_entries - 1)], req);
	ch->posted_prod = prod + 1;
	/* Release: the entry is visible before the index that publishes it. */
	STORE_RELEASE(&ch->shared->posted_prod.value, prod + 1);
	return IOREQ_OK;
}

/* ---- service side ------------------------------------------------------- */

int ioreq_service_attach(struct ioreq_service *svc, void *base, uint32_t size)
{
	struct ioreq_shared *sh = base;
	uint32_t slots, entries;

	if (!svc || !base || size < sizeof(struct ioreq_shared))
		return IOREQ_EINVAL;
	/* Acquire: pairs with the release of the magic in ioreq_channel_init. */
	if (LOAD_ACQUIRE(&sh->header.magic) != IOREQ_MAGIC ||
	    (LOAD_RELAXED(&sh->header.version) >> 16) != IOREQ_VERSION_MAJOR)
		return IOREQ_EPROTO;
	slots = LOAD_RELAXED(&sh->header.vcpu_slots);
	entries = LOAD_RELAXED(&sh->header.ring_entries);
	if (ioreq_layout_size(slots, entries) == 0 ||
	    ioreq_layout_size(slots, entries) > size ||
	    LOAD_RELAXED(&sh->header.slots_offset) != IOREQ_SLOTS_OFFSET ||
	    LOAD_RELAXED(&sh->header.ring_offset) != ring_offset_for(slots))
		return IOREQ_EPROTO;
	svc->shared = sh;
	svc->slots = (struct ioreq_slot *)((uint8_t *)base + IOREQ_SLOTS_OFFSET);
	svc->ring = (struct ioreq_request *)((uint8_t *)base + ring_offset_for(slots));
	svc->vcpu_slots = slots;
	svc->ring_entries = entries;
	return IOREQ_OK;
}

int ioreq_slot_take(struct ioreq_service *svc, uint32_t vcpu,
		    struct ioreq_request *req, uint32_t *seq)
{
	struct ioreq_slot *slot;
	uint32_t expected = IOREQ_STATE_PENDING;

	if (vcpu >= svc->vcpu_slots || !req || !seq)
		return IOREQ_EINVAL;
	slot = &svc->slots[vcpu];
	/*
	 * Compare-and-swap so that two service threads never take the same
	 * request; acquire pairs with the release of PENDING in submit.
	 */
	if (!__atomic_compare_exchange_n(&slot->state, &expected, IOREQ_STATE_PROCESSING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return IOREQ_EAGAIN;
	request_load(req, &slot->req);
	*seq = LOAD_RELAXED(&slot->seq);
	return IOREQ_OK;
}

int ioreq_slot_finish(struct ioreq_service *svc, uint32_t vcpu, uint32_t seq, uint64_t data)
{
	struct ioreq_slot *slot;

	if (vcpu >= svc->vcpu_slots)
		return IOREQ_EINVAL;
	slot = &svc->slots[vcpu];
	if (LOAD_ACQUIRE(&slot->state) != IOREQ_STATE_PROCESSING)
		return IOREQ_EPROTO; /* not ours: cancelled, or never taken */
	if (LOAD_RELAXED(&slot->req.dir) == IOREQ_DIR_READ)
		STORE_RELAXED(&slot->req.data, data);
	STORE_RELAXED(&slot->done_seq, seq);
	/* Release: data and done_seq are visible before the hypervisor can see DONE. */
	STORE_RELEASE(&slot->state, IOREQ_STATE_DONE);
	return IOREQ_OK;
}

int ioreq_posted_pop(struct ioreq_service *svc, struct ioreq_request *req)
{
	uint32_t prod, cons;

	if (!req)
		return IOREQ_EINVAL;
	/* Acquire: pairs with the release of the producer index, so the entry is complete. */
	prod = LOAD_ACQUIRE(&svc->shared->posted_prod.value);
	cons = LOAD_RELAXED(&svc->shared->posted_cons.value);
	if (prod == cons)
		return IOREQ_EAGAIN;
	if ((uint32_t)(prod - cons) > svc->ring_entries)
		return IOREQ_EPROTO;
	request_load(req, &svc->ring[cons & (svc->ring_entries - 1)]);
	/* Release: our read of the entry is over before the hypervisor may overwrite it. */
	STORE_RELEASE(&svc->shared->posted_cons.value, cons + 1);
	return IOREQ_OK;
}
