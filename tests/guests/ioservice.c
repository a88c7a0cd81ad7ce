/*
 * ioservice: a device-model domain. It serves the echo device
 * (dom0/dm/echodev.h) to its client (command line `client=ID`, given by
 * the test runner, which also made this domain the client's device-model
 * domain): binds an event port to PIC line 5, lays out the request rings
 * in a page of its own memory, routes the echo device's ports and MMIO
 * page, unpauses the client, then sleeps in HLT and answers what each
 * event announces, posted writes first (docs/ABI.md ordering rule).
 *
 * `die_after=N`: touches memory it does not have while holding its Nth
 * request and is killed for it (a triple fault would reset Bochs' SVM), to
 * show the client's dead-service policy (`policy=float`: all ones; else
 * the client is killed).
 * `hostile=stale|state|index`: breaks the ring protocol on purpose: a DONE
 * for the wrong sequence number (refused as stale, then answered
 * properly), an impossible slot state, or a consumer index past the
 * producer's (both end the service's rights: its client gets the policy).
 * A 64-bit guest: KHC_IOREQ_SETUP takes six arguments.
 */
#include "guest.h"

#include "dom0/dm/echodev.h"
#include "hv/abi.h"

const char guest_name[] = "ioservice";

#define EVENT_IRQ 5
#define PIC_VECTOR_BASE 0x20
#define POSTED_ENTRIES 64

enum failure {
	FAIL_NO_CLIENT = 1,
	FAIL_BIND,
	FAIL_SETUP,
	FAIL_ATTACH,
	FAIL_ROUTE,
	FAIL_REFUSALS,
	FAIL_UNPAUSE,
	FAIL_COMPLETE,
	FAIL_STALE_ACCEPTED,
	FAIL_BAD_STATE_ACCEPTED,
};

#define ESTALE 116
#define EPROTO 71
#define ENOENT 2

static uint8_t pageset[4096] __attribute__((aligned(4096)));
static struct ioreq_service svc;
static struct echodev dev;
static volatile uint32_t events;
static uint64_t client, served, die_after;
static bool broken; /* this service broke the protocol: it stops serving */

static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	return hypercall6(nr, a0, a1, a2, a3, a4, a5);
}

/* 8259 pair: vectors 0x20 and 0x28, everything masked but the event line. */
static void pic_init(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, PIC_VECTOR_BASE);
	outb(0xa1, PIC_VECTOR_BASE + 8);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, (uint8_t)~(1u << EVENT_IRQ));
	outb(0xa1, 0xff);
}

static void event_interrupt(struct trap_frame *f)
{
	events++;
	outb(0x20, 0x20); /* non-specific EOI */
}

/* Calls the hypervisor refuses from a service, whatever the client. */
static bool refusals_hold(unsigned port)
{
	uintptr_t page = (uintptr_t)pageset;

	return hc(KHC_IOREQ_SETUP, client, page, sizeof(pageset), POSTED_ENTRIES, port, 0) == -17 &&
	       hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_PORT, 0x508, 0x520, 0, 0) == -17 &&
	       hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_MMIO, 0x100000, 0x100fff, 0, 0) == -17 &&
	       hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_MMIO, 0xd0001001, 0xd0002000, 0, 0) == -22 &&
	       hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_PORT, 0x600, 0x10000, 0, 0) == -22 &&
	       hc(KHC_IOREQ_ROUTE, client, 7, 0x600, 0x601, 0, 0) == -22 &&
	       hc(KHC_IOREQ_COMPLETE, client, 0, 0, 0, 0, 0) == -61 &&
	       hc(KHC_IOREQ_COMPLETE, client, 99, 0, 0, 0, 0) == -22 &&
	       hc(KHC_IOREQ_COMPLETE, 4000, 0, 0, 0, 0, 0) == -1 &&
	       hc(KHC_EVENT_BIND, client, 99, 0, 0, 0, 0) == -22 &&
	       hc(KHC_EVENT_UNBIND, port, 0, 0, 0, 0, 0) == -16 &&
	       hc(KHC_DOMAIN_DESTROY, client, 0, 0, 0, 0, 0) == -1;
}

static void set_up(void)
{
	uintptr_t page = (uintptr_t)pageset;

	if (!check(cmdline_value("client", &client), FAIL_NO_CLIENT, "client= on the command line"))
		guest_exit(first_failure());
	die_after = cmdline_uint("die_after", 0);
	pic_init();
	exc_set_hook(PIC_VECTOR_BASE + EVENT_IRQ, event_interrupt);
	int64_t port = hc(KHC_EVENT_BIND, client, EVENT_IRQ, 0, 0, 0, 0);
	check(port >= 0, FAIL_BIND, "event port bound to line %u: %lld", EVENT_IRQ, (long long)port);
	int64_t r = hc(KHC_IOREQ_SETUP, client, page, sizeof(pageset), POSTED_ENTRIES, (uint64_t)port,
		       cmdline_has("policy=float") ? KESTREL_IOREQ_DEAD_FLOAT : KESTREL_IOREQ_DEAD_KILL);
	check(r == 0, FAIL_SETUP, "request rings set up for domain %llu: %lld",
	      (unsigned long long)client, (long long)r);
	int attached = ioreq_service_attach(&svc, pageset, sizeof(pageset));
	check(attached == IOREQ_OK, FAIL_ATTACH, "page set attached (%u slots)", svc.vcpu_slots);
	bool routed =
		hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_PORT, ECHODEV_PORT_BASE, ECHODEV_PORT_LAST, 0, 0) == 0 &&
		hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_PORT, ECHODEV_POSTED_BASE, ECHODEV_POSTED_LAST,
		   KESTREL_ROUTE_POSTED, 0) == 0 &&
		hc(KHC_IOREQ_ROUTE, client, IOREQ_TYPE_MMIO, ECHODEV_MMIO_BASE,
		   ECHODEV_MMIO_BASE + ECHODEV_MMIO_SIZE - 1, 0, 0) == 0;
	check(routed, FAIL_ROUTE, "echo device routed");
	check(refusals_hold((unsigned)port), FAIL_REFUSALS, "bad setup, route and completion calls refused");
	if (cmdline_has("hostile=index")) /* the consumer claims 0x12345 entries taken */
		__atomic_store_n(&svc.shared->posted_cons.value, 0x12345, __ATOMIC_RELEASE);
	if (first_failure())
		guest_exit(first_failure());
	check(hc(KHC_DOMAIN_UNPAUSE, client, 0, 0, 0, 0, 0) == 0, FAIL_UNPAUSE, "client unpaused");
}

/* Far beyond this domain's RAM, and no device there. */
#define NOT_RAM 0x40000000u

/* Dies holding a request: the slot stays PROCESSING, never DONE. */
static void maybe_die(void)
{
	if (!die_after || served + 1 < die_after)
		return;
	note("dying with request %llu in hand", (unsigned long long)served + 1);
	(void)*(volatile uint32_t *)(uintptr_t)NOT_RAM;
}

/* hostile=stale: DONE for a sequence number the hypervisor did not send
 * is refused and changes nothing; the real answer then goes through. */
static void forge_stale(uint32_t vcpu, uint32_t seq)
{
	volatile struct ioreq_slot *slot = &svc.slots[vcpu];

	slot->done_seq = seq + 1;
	__atomic_store_n(&slot->state, IOREQ_STATE_DONE, __ATOMIC_RELEASE);
	int64_t r = hc(KHC_IOREQ_COMPLETE, client, vcpu, 0, 0, 0, 0);
	check(r == -ESTALE, FAIL_STALE_ACCEPTED, "a DONE for seq %u instead of %u is stale: %lld",
	      seq + 1, seq, (long long)r);
	__atomic_store_n(&slot->state, IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
}

/* hostile=state: a state no slot can be in ends this service's rights
 * (run with expect=verdict: it then ends with its verdict). */
static void forge_state(uint32_t vcpu)
{
	__atomic_store_n(&svc.slots[vcpu].state, 9u, __ATOMIC_RELEASE);
	int64_t r = hc(KHC_IOREQ_COMPLETE, client, vcpu, 0, 0, 0, 0);
	int64_t again = hc(KHC_IOREQ_COMPLETE, client, vcpu, 0, 0, 0, 0);
	check(r == -EPROTO && again == -ENOENT, FAIL_BAD_STATE_ACCEPTED,
	      "slot state 9 is a protocol violation (%lld), then the rings are gone (%lld)",
	      (long long)r, (long long)again);
	broken = true;
}

static void serve(void)
{
	struct ioreq_request req;
	uint32_t seq;

	while (ioreq_posted_pop(&svc, &req) == IOREQ_OK)
		echodev_access(&dev, &req);
	for (uint32_t i = 0; i < svc.vcpu_slots && !broken; i++) {
		if (ioreq_slot_take(&svc, i, &req, &seq) != IOREQ_OK)
			continue;
		uint64_t data = echodev_access(&dev, &req);
		maybe_die();
		if (served++ == 0 && cmdline_has("hostile=stale"))
			forge_stale(i, seq);
		if (cmdline_has("hostile=state"))
			forge_state(i);
		if (first_failure() || broken) /* the runner waits for its verdict */
			guest_exit(first_failure());
		if (broken)
			return;
		ioreq_slot_finish(&svc, i, seq, data);
		int64_t r = hc(KHC_IOREQ_COMPLETE, client, i, 0, 0, 0, 0);
		if (r != 0) {
			check(false, FAIL_COMPLETE, "completion of vCPU %u's request: %lld", i,
			      (long long)r);
			guest_exit(first_failure());
		}
	}
}

void guest_main(void)
{
	set_up();
	for (;;) {
		/* STI's shadow covers HLT: an event cannot slip in between. */
		__asm__ volatile("cli");
		if (!events)
			__asm__ volatile("sti; hlt" ::: "memory");
		__asm__ volatile("sti");
		events = 0;
		serve();
	}
}
