/*
 * Host tests of the I/O request ring protocol (hv/ioreq_ring.c): layout,
 * the slot state machine, the posted ring (full, empty, wraparound of the
 * free-running indices), a hostile service scribbling on the shared page,
 * and a producer and a consumer thread on one real page set.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "hv/ioreq.h"

#define VCPUS 4u
#define ENTRIES 8u

struct pageset {
	struct ioreq_channel ch;
	struct ioreq_service svc;
	uint8_t *mem; /* exactly the layout size: ASan sees any overrun */
	uint32_t size;
};

static void pageset_open(struct pageset *p, uint32_t vcpus, uint32_t entries)
{
	p->size = ioreq_layout_size(vcpus, entries);
	p->mem = malloc(p->size);
	CHECK(p->mem != NULL);
	CHECK_EQ(ioreq_channel_init(&p->ch, p->mem, p->size, vcpus, entries), IOREQ_OK);
	CHECK_EQ(ioreq_service_attach(&p->svc, p->mem, p->size), IOREQ_OK);
}

static void pageset_close(struct pageset *p)
{
	free(p->mem);
	p->mem = NULL;
}

static struct ioreq_request port_read(uint16_t port, uint8_t size)
{
	struct ioreq_request r = { .addr = port, .count = 1, .type = IOREQ_TYPE_PORT,
				   .dir = IOREQ_DIR_READ, .size = size };
	return r;
}

static struct ioreq_request mmio_write(uint64_t gpa, uint64_t data, uint8_t size)
{
	struct ioreq_request r = { .addr = gpa, .data = data, .count = 1, .type = IOREQ_TYPE_MMIO,
				   .dir = IOREQ_DIR_WRITE, .size = size };
	return r;
}

static struct ioreq_slot *slot_of(struct pageset *p, uint32_t vcpu)
{
	return (struct ioreq_slot *)(p->mem + IOREQ_SLOTS_OFFSET) + vcpu;
}

static void test_layout(void)
{
	CHECK_EQ(offsetof(struct ioreq_shared, posted_prod), 0x40);
	CHECK_EQ(offsetof(struct ioreq_shared, posted_cons), 0x80);
	CHECK_EQ(offsetof(struct ioreq_slot, state), 0);
	CHECK_EQ(offsetof(struct ioreq_slot, seq), 4);
	CHECK_EQ(offsetof(struct ioreq_slot, done_seq), 8);
	CHECK_EQ(offsetof(struct ioreq_slot, req), 16);
	CHECK_EQ(offsetof(struct ioreq_request, data), 8);
	CHECK_EQ(offsetof(struct ioreq_request, count), 16);
	CHECK_EQ(offsetof(struct ioreq_request, size), 22);
	CHECK_EQ(ioreq_layout_size(1, 2), 0x100 + 64 + 2 * 32);
	CHECK_EQ(ioreq_layout_size(8, 64), 0x100 + 8 * 64 + 64 * 32);
	CHECK_EQ(ioreq_layout_size(0, 8), 0);
	CHECK_EQ(ioreq_layout_size(IOREQ_MAX_VCPUS + 1, 8), 0);
	CHECK_EQ(ioreq_layout_size(4, 6), 0);
	CHECK_EQ(ioreq_layout_size(4, 1), 0);
	CHECK_EQ(ioreq_layout_size(4, IOREQ_MAX_RING_ENTRIES * 2), 0);

	struct pageset p;
	pageset_open(&p, 3, 16);
	struct ioreq_header *h = &((struct ioreq_shared *)p.mem)->header;
	CHECK_EQ(h->magic, IOREQ_MAGIC);
	CHECK_EQ(h->version, 0x00010000);
	CHECK_EQ(h->vcpu_slots, 3);
	CHECK_EQ(h->ring_entries, 16);
	CHECK_EQ(h->slots_offset, 0x100);
	CHECK_EQ(h->ring_offset, 0x100 + 3 * 64);
	CHECK_EQ(h->total_size, p.size);
	pageset_close(&p);
}

static void test_init_and_attach_checks(void)
{
	struct pageset p;
	struct ioreq_channel ch;
	struct ioreq_service svc;

	pageset_open(&p, 2, 8);
	CHECK_EQ(ioreq_channel_init(&ch, p.mem, p.size - 1, 2, 8), IOREQ_EINVAL);
	CHECK_EQ(ioreq_channel_init(&ch, p.mem, p.size, 2, 7), IOREQ_EINVAL);
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, p.size - 1), IOREQ_EPROTO);
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, 16), IOREQ_EINVAL);
	struct ioreq_header *h = &((struct ioreq_shared *)p.mem)->header;
	h->version = 0x00020000;
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, p.size), IOREQ_EPROTO);
	h->version = 0x00010007; /* a newer minor is compatible */
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, p.size), IOREQ_OK);
	h->ring_offset += 64;
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, p.size), IOREQ_EPROTO);
	h->ring_offset -= 64;
	h->magic = 0;
	CHECK_EQ(ioreq_service_attach(&svc, p.mem, p.size), IOREQ_EPROTO);
	pageset_close(&p);
}

static void test_request_validation(void)
{
	struct pageset p;
	struct ioreq_request r;

	pageset_open(&p, VCPUS, ENTRIES);
	r = port_read(0x3f8, 8);
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL); /* no 8-byte ports */
	r = port_read(0x3f8, 3);
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL);
	r = port_read(0x3f8, 1);
	r.addr = 0x10000;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL);
	r = port_read(0x3f8, 1);
	r.count = 0;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL);
	r = port_read(0x3f8, 1);
	r.type = 2;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL);
	r = port_read(0x3f8, 1);
	r.dir = 2;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EINVAL);
	r = port_read(0x3f8, 1);
	CHECK_EQ(ioreq_slot_submit(&p.ch, VCPUS, &r, NULL), IOREQ_EINVAL);
	CHECK_EQ(ioreq_posted_push(&p.ch, &r), IOREQ_EINVAL); /* reads are never posted */
	CHECK_EQ(slot_of(&p, 0)->state, IOREQ_STATE_FREE);
	pageset_close(&p);
}

static void test_slot_read_round_trip(void)
{
	struct pageset p;
	struct ioreq_request r = port_read(0x60, 2), got;
	uint32_t seq = 0, svc_seq = 0;
	uint64_t data = 0;

	pageset_open(&p, VCPUS, ENTRIES);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 1, &data), IOREQ_ENODATA);
	CHECK_EQ(ioreq_slot_submit(&p.ch, 1, &r, &seq), IOREQ_OK);
	CHECK_EQ(seq, 1);
	CHECK(ioreq_slot_busy(&p.ch, 1));
	CHECK_EQ(slot_of(&p, 1)->state, IOREQ_STATE_PENDING);
	CHECK_EQ(ioreq_slot_submit(&p.ch, 1, &r, NULL), IOREQ_EBUSY);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 1, &data), IOREQ_EAGAIN);
	CHECK_EQ(ioreq_slot_finish(&p.svc, 1, seq, 5), IOREQ_EPROTO); /* not taken yet */

	CHECK_EQ(ioreq_slot_take(&p.svc, 0, &got, &svc_seq), IOREQ_EAGAIN);
	CHECK_EQ(ioreq_slot_take(&p.svc, 1, &got, &svc_seq), IOREQ_OK);
	CHECK_EQ(ioreq_slot_take(&p.svc, 1, &got, &svc_seq), IOREQ_EAGAIN); /* taken once */
	CHECK_EQ(svc_seq, seq);
	CHECK_EQ(got.addr, 0x60);
	CHECK_EQ(got.size, 2);
	CHECK_EQ(got.dir, IOREQ_DIR_READ);
	CHECK_EQ(got.type, IOREQ_TYPE_PORT);
	CHECK_EQ(got.count, 1);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 1, &data), IOREQ_EAGAIN);
	CHECK_EQ(ioreq_slot_finish(&p.svc, 1, svc_seq, 0xdeadbeefcafeull), IOREQ_OK);
	CHECK_EQ(slot_of(&p, 1)->state, IOREQ_STATE_DONE);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 1, &data), IOREQ_OK);
	CHECK_EQ(data, 0xcafe); /* cut to the access size */
	CHECK(!ioreq_slot_busy(&p.ch, 1));
	CHECK_EQ(slot_of(&p, 1)->state, IOREQ_STATE_FREE);
	/* the same answer again is no completion at all */
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 1, &data), IOREQ_ENODATA);

	CHECK_EQ(ioreq_slot_submit(&p.ch, 1, &r, &seq), IOREQ_OK);
	CHECK_EQ(seq, 2);
	pageset_close(&p);
}

static void test_slot_write_and_sizes(void)
{
	static const uint8_t sizes[] = { 1, 2, 4, 8 };
	struct pageset p;
	struct ioreq_request got;
	uint32_t seq;
	uint64_t data;

	pageset_open(&p, VCPUS, ENTRIES);
	for (unsigned i = 0; i < 4; i++) {
		struct ioreq_request w = mmio_write(0xc0000000 + i, 0x1122334455667788ull, sizes[i]);
		CHECK_EQ(ioreq_slot_submit(&p.ch, 2, &w, &seq), IOREQ_OK);
		CHECK_EQ(ioreq_slot_take(&p.svc, 2, &got, &seq), IOREQ_OK);
		CHECK_EQ(got.data, 0x1122334455667788ull);
		CHECK_EQ(ioreq_slot_finish(&p.svc, 2, seq, 0x99), IOREQ_OK);
		data = 7;
		CHECK_EQ(ioreq_slot_complete_check(&p.ch, 2, &data), IOREQ_OK);
		CHECK_EQ(data, 0); /* writes return nothing */

		struct ioreq_request r = { .addr = 0xc0000100, .count = 1, .type = IOREQ_TYPE_MMIO,
					   .dir = IOREQ_DIR_READ, .size = sizes[i] };
		CHECK_EQ(ioreq_slot_submit(&p.ch, 3, &r, &seq), IOREQ_OK);
		CHECK_EQ(ioreq_slot_take(&p.svc, 3, &got, &seq), IOREQ_OK);
		CHECK_EQ(ioreq_slot_finish(&p.svc, 3, seq, ~0ull), IOREQ_OK);
		CHECK_EQ(ioreq_slot_complete_check(&p.ch, 3, &data), IOREQ_OK);
		CHECK_EQ(data, sizes[i] == 8 ? ~0ull : (1ull << (8 * sizes[i])) - 1);
	}
	pageset_close(&p);
}

static void test_stale_forged_and_cancel(void)
{
	struct pageset p;
	struct ioreq_request r = port_read(0x71, 1), got;
	uint32_t seq, old_seq;
	uint64_t data = 0;

	pageset_open(&p, VCPUS, ENTRIES);
	/* a DONE nobody asked for */
	slot_of(&p, 0)->state = IOREQ_STATE_DONE;
	slot_of(&p, 0)->done_seq = 0;
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_ENODATA);
	/* a state only the service could have written out of turn blocks submission */
	slot_of(&p, 0)->state = IOREQ_STATE_PROCESSING;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EPROTO);
	slot_of(&p, 0)->state = IOREQ_STATE_PENDING;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EPROTO);
	slot_of(&p, 0)->state = 9;
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, NULL), IOREQ_EPROTO);
	slot_of(&p, 0)->state = IOREQ_STATE_FREE;

	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, &seq), IOREQ_OK);
	CHECK_EQ(ioreq_slot_take(&p.svc, 0, &got, &old_seq), IOREQ_OK);
	/* DONE with the wrong sequence number */
	CHECK_EQ(ioreq_slot_finish(&p.svc, 0, seq + 1, 0x42), IOREQ_OK);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_ESTALE);
	CHECK(ioreq_slot_busy(&p.ch, 0)); /* still outstanding: not lost */
	/* garbage states are protocol violations */
	slot_of(&p, 0)->state = 77;
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_EPROTO);
	slot_of(&p, 0)->state = IOREQ_STATE_FREE;
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_EPROTO);

	/* policy gives up on it; a worker then answers it late */
	slot_of(&p, 0)->state = IOREQ_STATE_PROCESSING;
	CHECK_EQ(ioreq_slot_cancel(&p.ch, 0), IOREQ_OK);
	CHECK_EQ(ioreq_slot_cancel(&p.ch, 0), IOREQ_ENODATA);
	CHECK_EQ(ioreq_slot_finish(&p.svc, 0, old_seq, 0x42), IOREQ_EPROTO); /* FREE: refused */
	slot_of(&p, 0)->done_seq = old_seq; /* a racing worker got its DONE in anyway */
	slot_of(&p, 0)->state = IOREQ_STATE_DONE;
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_ENODATA);
	/* the late answer does not block the next request ... */
	CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, &seq), IOREQ_OK);
	CHECK(seq != old_seq);
	CHECK_EQ(ioreq_slot_take(&p.svc, 0, &got, &seq), IOREQ_OK);
	/* ... and is never taken for the new one */
	CHECK_EQ(ioreq_slot_finish(&p.svc, 0, old_seq, 0x42), IOREQ_OK);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_ESTALE);
	slot_of(&p, 0)->state = IOREQ_STATE_PROCESSING;
	CHECK_EQ(ioreq_slot_finish(&p.svc, 0, seq, 0x43), IOREQ_OK);
	CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_OK);
	CHECK_EQ(data, 0x43);
	pageset_close(&p);
}

static void test_sequence_wraps_past_zero(void)
{
	struct pageset p;
	struct ioreq_request r = port_read(0x64, 1), got;
	uint32_t seq;
	uint64_t data;

	pageset_open(&p, VCPUS, ENTRIES);
	p.ch.track[0].seq = UINT32_MAX - 1;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(ioreq_slot_submit(&p.ch, 0, &r, &seq), IOREQ_OK);
		CHECK(seq != 0);
		CHECK_EQ(ioreq_slot_take(&p.svc, 0, &got, &seq), IOREQ_OK);
		CHECK_EQ(ioreq_slot_finish(&p.svc, 0, seq, i), IOREQ_OK);
		CHECK_EQ(ioreq_slot_complete_check(&p.ch, 0, &data), IOREQ_OK);
		CHECK_EQ(data, (uint64_t)i);
	}
	CHECK_EQ(seq, 2); /* UINT32_MAX, then 1, 2: zero skipped */
	pageset_close(&p);
}

static struct ioreq_request posted(uint32_t i)
{
	return mmio_write(0x3f8, i, 1);
}

static void test_posted_full_and_empty(void)
{
	struct pageset p;
	struct ioreq_request w, got;

	pageset_open(&p, VCPUS, ENTRIES);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_EAGAIN);
	for (uint32_t i = 0; i < ENTRIES; i++) {
		w = posted(i);
		CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_OK);
	}
	w = posted(99);
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_ENOSPC);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_OK);
	CHECK_EQ(got.data, 0);
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_OK);
	for (uint32_t i = 1; i < ENTRIES; i++) {
		CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_OK);
		CHECK_EQ(got.data, i);
	}
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_OK);
	CHECK_EQ(got.data, 99);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_EAGAIN);
	pageset_close(&p);
}

/* Both sides' indices start just below 2^32, as after a long uptime. */
static void start_indices_at(struct pageset *p, uint32_t start)
{
	struct ioreq_shared *sh = (struct ioreq_shared *)p->mem;

	p->ch.posted_prod = p->ch.posted_cons_seen = start;
	sh->posted_prod.value = sh->posted_cons.value = start;
}

static void test_posted_wraparound(void)
{
	struct pageset p;
	struct ioreq_request w, got;
	uint32_t next_in = 0, next_out = 0;

	pageset_open(&p, VCPUS, ENTRIES);
	start_indices_at(&p, UINT32_MAX - 3 * ENTRIES / 2);
	for (int round = 0; round < 40; round++) {
		/* fill up, then drain a varying amount */
		for (;;) {
			w = posted(next_in);
			int rc = ioreq_posted_push(&p.ch, &w);
			if (rc == IOREQ_ENOSPC)
				break;
			CHECK_EQ(rc, IOREQ_OK);
			next_in++;
		}
		CHECK_EQ(next_in - next_out, ENTRIES);
		for (int k = 0; k <= round % (int)ENTRIES; k++) {
			CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_OK);
			CHECK_EQ(got.data, next_out);
			next_out++;
		}
	}
	while (ioreq_posted_pop(&p.svc, &got) == IOREQ_OK)
		CHECK_EQ(got.data, next_out++);
	CHECK_EQ(next_in, next_out);
	CHECK(p.ch.posted_prod < 1000); /* it did wrap */
	pageset_close(&p);
}

static void test_posted_hostile_indices(void)
{
	struct pageset p;
	struct ioreq_shared *sh;
	struct ioreq_request w = posted(1), got;

	pageset_open(&p, VCPUS, ENTRIES);
	sh = (struct ioreq_shared *)p.mem;
	start_indices_at(&p, UINT32_MAX - 1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_OK);
	/* consumer past the producer */
	sh->posted_cons.value = p.ch.posted_prod + 1;
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_EPROTO);
	/* consumer far away (a gap larger than the ring) */
	sh->posted_cons.value = p.ch.posted_prod - 1000;
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_EPROTO);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_EPROTO); /* the service checks too */
	/* consumer moving backwards */
	sh->posted_cons.value = p.ch.posted_cons_seen + 2;
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_OK);
	sh->posted_cons.value = p.ch.posted_cons_seen - 1;
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_EPROTO);
	/* exactly caught up is fine */
	sh->posted_cons.value = p.ch.posted_prod;
	CHECK_EQ(ioreq_posted_push(&p.ch, &w), IOREQ_OK);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_OK);
	CHECK_EQ(ioreq_posted_pop(&p.svc, &got), IOREQ_EAGAIN);
	pageset_close(&p);
}

/* ---- a hostile service ---------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* What the test (as the hypervisor's caller) remembers of each vCPU. */
struct client_vcpu {
	bool outstanding;
	uint32_t seq;
	uint8_t size;
};

struct hostile_stats {
	unsigned submitted, completed, reported, stale, proto, pushes, push_errors, resets;
};

static void scribble(struct pageset *p)
{
	uint32_t kind = rnd() % 6, vcpu = rnd() % VCPUS;
	struct ioreq_slot *s = slot_of(p, vcpu);
	struct ioreq_shared *sh = (struct ioreq_shared *)p->mem;

	switch (kind) {
	case 0: /* random bytes anywhere, header included */
		for (int i = rnd() % 8; i >= 0; i--)
			p->mem[rnd() % p->size] = (uint8_t)rnd();
		break;
	case 1:
		s->state = rnd() % 3 ? (uint32_t)(rnd() % 5) : (uint32_t)rnd();
		break;
	case 2:
		s->done_seq = rnd() % 2 ? s->seq + (uint32_t)(rnd() % 3) - 1 : (uint32_t)rnd();
		break;
	case 3:
		sh->posted_cons.value += (uint32_t)(rnd() % 5) - 2;
		break;
	case 4:
		sh->posted_cons.value = (uint32_t)rnd();
		break;
	default: /* the forger: a DONE with the right seq and its own data */
		s->done_seq = s->seq;
		s->req.data = rnd();
		s->state = IOREQ_STATE_DONE;
		break;
	}
}

static void honest_service_step(struct pageset *p)
{
	uint32_t vcpu = rnd() % VCPUS, seq;
	struct ioreq_request r;

	if (rnd() % 2) {
		if (ioreq_slot_take(&p->svc, vcpu, &r, &seq) == IOREQ_OK && rnd() % 4)
			ioreq_slot_finish(&p->svc, vcpu, seq, r.addr * 3 + 1);
	} else if (rnd() % 2) {
		ioreq_slot_finish(&p->svc, vcpu, (uint32_t)rnd() % 4, rnd());
	} else {
		while (ioreq_posted_pop(&p->svc, &r) == IOREQ_OK)
			;
	}
}

/* Checks one completion attempt against a snapshot of what the service wrote. */
static void hostile_complete(struct pageset *p, struct client_vcpu *c, uint32_t vcpu,
			     struct hostile_stats *st)
{
	struct ioreq_slot snap = *slot_of(p, vcpu);
	uint64_t data = 0x5a5a;
	int rc = ioreq_slot_complete_check(&p->ch, vcpu, &data);
	bool genuine = snap.state == IOREQ_STATE_DONE && snap.done_seq == c->seq;

	if (!c->outstanding) {
		CHECK_EQ(rc, IOREQ_ENODATA); /* never a completion we did not ask for */
		return;
	}
	if (rc == IOREQ_OK) {
		CHECK(genuine);
		uint64_t mask = c->size == 8 ? ~0ull : (1ull << (8 * c->size)) - 1;
		CHECK_EQ(data, snap.req.data & mask);
		c->outstanding = false;
		st->completed++;
		return;
	}
	CHECK(!genuine); /* a genuine answer is never refused */
	CHECK(rc == IOREQ_EAGAIN || rc == IOREQ_ESTALE || rc == IOREQ_EPROTO);
	CHECK(ioreq_slot_busy(&p->ch, vcpu)); /* an error loses nothing */
	if (rc == IOREQ_EAGAIN)
		return;
	st->stale += rc == IOREQ_ESTALE;
	st->proto += rc == IOREQ_EPROTO;
	/* reported: the caller's policy gives up on the request */
	CHECK_EQ(ioreq_slot_cancel(&p->ch, vcpu), IOREQ_OK);
	c->outstanding = false;
	st->reported++;
}

static void hostile_submit(struct pageset *p, struct client_vcpu *c, uint32_t vcpu,
			   struct hostile_stats *st)
{
	static const uint8_t sizes[] = { 1, 2, 4, 8 };
	struct ioreq_request r = { .addr = rnd() % 0x10000, .count = 1,
				   .type = IOREQ_TYPE_MMIO, .dir = IOREQ_DIR_READ,
				   .size = sizes[rnd() % 4] };
	uint32_t seq;
	int rc = ioreq_slot_submit(&p->ch, vcpu, &r, &seq);

	if (c->outstanding) {
		CHECK_EQ(rc, IOREQ_EBUSY);
		return;
	}
	CHECK(rc == IOREQ_OK || rc == IOREQ_EPROTO);
	if (rc != IOREQ_OK) {
		slot_of(p, vcpu)->state = IOREQ_STATE_FREE; /* policy: reset the slot */
		return;
	}
	CHECK_EQ(slot_of(p, vcpu)->state, IOREQ_STATE_PENDING);
	CHECK_EQ(slot_of(p, vcpu)->seq, seq);
	c->outstanding = true;
	c->seq = seq;
	c->size = r.size;
	st->submitted++;
}

static void hostile_push(struct pageset *p, struct hostile_stats *st)
{
	struct ioreq_request w = posted((uint32_t)rnd());
	int rc = ioreq_posted_push(&p->ch, &w);

	st->pushes++;
	CHECK(rc == IOREQ_OK || rc == IOREQ_ENOSPC || rc == IOREQ_EPROTO);
	CHECK((uint32_t)(p->ch.posted_prod - p->ch.posted_cons_seen) <= ENTRIES);
	if (rc == IOREQ_EPROTO) {
		/* policy: drop the service relationship and start over on the same pages */
		struct ioreq_shared *sh = (struct ioreq_shared *)p->mem;
		st->push_errors++;
		sh->posted_cons.value = p->ch.posted_prod;
		p->ch.posted_cons_seen = p->ch.posted_prod;
		st->resets++;
	}
}

static void test_hostile_service(void)
{
	struct pageset p;
	struct client_vcpu client[VCPUS] = { 0 };
	struct hostile_stats st = { 0 };

	pageset_open(&p, VCPUS, ENTRIES);
	start_indices_at(&p, UINT32_MAX - 100);
	for (int round = 0; round < 200000; round++) {
		uint32_t vcpu = rnd() % VCPUS;
		switch (rnd() % 5) {
		case 0:
			hostile_submit(&p, &client[vcpu], vcpu, &st);
			break;
		case 1:
			hostile_complete(&p, &client[vcpu], vcpu, &st);
			break;
		case 2:
			hostile_push(&p, &st);
			break;
		case 3:
			honest_service_step(&p);
			break;
		default:
			scribble(&p);
			break;
		}
		/* the service also re-attaches now and then, whatever the header says */
		if (round % 1000 == 0) {
			struct ioreq_service s2;
			(void)ioreq_service_attach(&s2, p.mem, p.size);
		}
	}
	unsigned still = 0;
	for (uint32_t v = 0; v < VCPUS; v++) {
		if (client[v].outstanding) {
			CHECK(ioreq_slot_busy(&p.ch, v));
			CHECK_EQ(ioreq_slot_cancel(&p.ch, v), IOREQ_OK);
			still++;
		}
	}
	/* every request submitted was completed, reported, or is still waiting */
	CHECK_EQ(st.submitted, st.completed + st.reported + still);
	CHECK(st.completed > 1000 && st.stale > 100 && st.proto > 100 && st.resets > 10);
	printf("  hostile: %u submitted, %u completed, %u reported (%u stale, %u protocol), "
	       "%u pushes, %u ring resets\n",
	       st.submitted, st.completed, st.reported, st.stale, st.proto, st.pushes, st.resets);
	pageset_close(&p);
}

/* ---- two threads on one page set ----------------------------------------- */

#define STRESS_ROUNDS 50000u
#define STRESS_VCPUS 3u

struct stress {
	struct pageset p;
	int stop;            /* producer -> consumer: all done */
	unsigned slot_answers, posted_seen, order_errors, proto_errors;
};

static void relax(unsigned *spins)
{
	__builtin_ia32_pause();
	if (++*spins % 16 == 0)
		sched_yield(); /* two CPUs only: let the other side run */
}

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	uint32_t expect_posted = 0;
	unsigned spins = 0;

	for (;;) {
		bool idle = true;
		for (uint32_t v = 0; v < STRESS_VCPUS; v++) {
			struct ioreq_request r;
			uint32_t seq;
			if (ioreq_slot_take(&s->p.svc, v, &r, &seq) != IOREQ_OK)
				continue;
			if (ioreq_slot_finish(&s->p.svc, v, seq, r.addr * 3 + 1) != IOREQ_OK)
				s->proto_errors++;
			s->slot_answers++;
			idle = false;
		}
		struct ioreq_request w;
		int rc;
		while ((rc = ioreq_posted_pop(&s->p.svc, &w)) == IOREQ_OK) {
			if (w.data != expect_posted)
				s->order_errors++;
			expect_posted++;
			idle = false;
		}
		if (rc != IOREQ_EAGAIN)
			s->proto_errors++;
		if (idle) {
			if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
				break;
			relax(&spins);
		}
	}
	s->posted_seen = expect_posted;
	return NULL;
}

static void stress_produce(struct stress *s, unsigned *wrong, unsigned *full)
{
	uint32_t posted_next = 0;
	unsigned spins = 0;

	for (uint32_t i = 0; i < STRESS_ROUNDS; i++) {
		for (uint32_t v = 0; v < STRESS_VCPUS; v++) {
			struct ioreq_request r = { .addr = i * STRESS_VCPUS + v, .count = 1,
						   .type = IOREQ_TYPE_MMIO, .dir = IOREQ_DIR_READ,
						   .size = 8 };
			if (ioreq_slot_submit(&s->p.ch, v, &r, NULL) != IOREQ_OK)
				(*wrong)++;
		}
		for (int k = 0; k < 6; k++) {
			struct ioreq_request w = posted(posted_next);
			int rc;
			while ((rc = ioreq_posted_push(&s->p.ch, &w)) == IOREQ_ENOSPC) {
				(*full)++;
				relax(&spins);
			}
			if (rc != IOREQ_OK)
				(*wrong)++;
			posted_next++;
		}
		for (uint32_t v = 0; v < STRESS_VCPUS; v++) {
			uint64_t data = 0;
			int rc;
			while ((rc = ioreq_slot_complete_check(&s->p.ch, v, &data)) == IOREQ_EAGAIN)
				relax(&spins);
			if (rc != IOREQ_OK || data != (uint64_t)(i * STRESS_VCPUS + v) * 3 + 1)
				(*wrong)++;
		}
	}
}

static void test_two_threads(void)
{
	static struct stress s;
	pthread_t consumer;
	unsigned wrong = 0, full = 0;

	pageset_open(&s.p, STRESS_VCPUS, 4);
	start_indices_at(&s.p, UINT32_MAX - 5000);
	CHECK_EQ(pthread_create(&consumer, NULL, stress_consumer, &s), 0);
	stress_produce(&s, &wrong, &full);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	CHECK_EQ(pthread_join(consumer, NULL), 0);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(s.order_errors, 0);
	CHECK_EQ(s.proto_errors, 0);
	CHECK_EQ(s.slot_answers, STRESS_ROUNDS * STRESS_VCPUS);
	CHECK_EQ(s.posted_seen, STRESS_ROUNDS * 6);
	printf("  two threads: %u slot round trips, %u posted writes, ring full %u times\n",
	       s.slot_answers, s.posted_seen, full);
	pageset_close(&s.p);
}

int main(void)
{
	RUN(test_layout);
	RUN(test_init_and_attach_checks);
	RUN(test_request_validation);
	RUN(test_slot_read_round_trip);
	RUN(test_slot_write_and_sizes);
	RUN(test_stale_forged_and_cancel);
	RUN(test_sequence_wraps_past_zero);
	RUN(test_posted_full_and_empty);
	RUN(test_posted_wraparound);
	RUN(test_posted_hostile_indices);
	RUN(test_hostile_service);
	RUN(test_two_threads);
	return check_summary();
}
