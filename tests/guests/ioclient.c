/*
 * ioclient: a domain whose echo device (dom0/dm/echodev.h) lives in a
 * service domain: the ioservice test guest, or dom0's hvdm. Every access
 * below leaves the guest, crosses the request rings and comes back, so
 * each check covers the whole path for one instruction form: port I/O of
 * each size, REP INS/OUTS, posted writes (in order, past a full ring),
 * MMIO loads and stores, read-modify-write, MOVS and XCHG on the page.
 *
 * `dead=float`: the service dies on the way; reads must turn to all ones
 * and the guest must keep running. `dead=kill`: the same, but the test
 * expects this domain to be killed (it never gives a verdict).
 */
#include "guest.h"

#include "dom0/dm/echodev.h"

const char guest_name[] = "ioclient";

enum failure {
	FAIL_SCRATCH = 1,
	FAIL_SCRATCH_BYTE,
	FAIL_SCRATCH_WORD,
	FAIL_REP_OUTS,
	FAIL_REP_INS,
	FAIL_POSTED_ORDER,
	FAIL_POSTED_REP,
	FAIL_MMIO_DWORD,
	FAIL_MMIO_BYTES,
	FAIL_MMIO_RMW,
	FAIL_MMIO_MOVS,
	FAIL_MMIO_XCHG,
	FAIL_SERVED,
	FAIL_ROUTE_REFUSED,
	FAIL_DEATH_UNSEEN,
	FAIL_DEAD_READS,
	FAIL_REP_INS_FRESH,
};

#define POSTED_WRITES 1000u
#define REP_WRITES 100u

static volatile uint8_t *const mmio = (volatile uint8_t *)(uintptr_t)ECHODEV_MMIO_BASE;

static uint32_t mmio32(unsigned off)
{
	return *(volatile uint32_t *)(mmio + off);
}

static void ports(void)
{
	outl(ECHODEV_SCRATCH, 0x12345678);
	check(inl(ECHODEV_SCRATCH) == 0x12345678, FAIL_SCRATCH, "scratch dword round trip");
	outb(ECHODEV_SCRATCH, 0xab);
	check(inb(ECHODEV_SCRATCH) == 0xab && inl(ECHODEV_SCRATCH) == 0x123456ab, FAIL_SCRATCH_BYTE,
	      "byte write merges into the scratch register");
	outw(ECHODEV_SCRATCH, 0xcdef);
	check(inw(ECHODEV_SCRATCH) == 0xcdef && inl(ECHODEV_SCRATCH) == 0x1234cdef, FAIL_SCRATCH_WORD,
	      "word write merges");

	static const uint32_t out[4] = { 1, 2, 3, 0xfeedf00d };
	uint32_t in[4] = { 0 };
	const uint32_t *src = out;
	uint32_t *dst = in, n = 4;
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(ECHODEV_SCRATCH) : "memory");
	check(inl(ECHODEV_SCRATCH) == 0xfeedf00d && n == 0, FAIL_REP_OUTS, "rep outsd: the last write wins");
	n = 4;
	__asm__ volatile("rep insl" : "+D"(dst), "+c"(n) : "d"(ECHODEV_SCRATCH) : "memory");
	check(in[0] == 0xfeedf00d && in[3] == 0xfeedf00d && n == 0, FAIL_REP_INS,
	      "rep insd: four reads of the scratch register");
	/* Each element is its own request: the served counter moves by one
	 * between them (an answer replayed twice would repeat a value). */
	dst = in;
	n = 4;
	__asm__ volatile("rep insl" : "+D"(dst), "+c"(n) : "d"(ECHODEV_SERVED) : "memory");
	check(in[1] == in[0] + 1 && in[2] == in[1] + 1 && in[3] == in[2] + 1, FAIL_REP_INS_FRESH,
	      "rep insd of the served counter: %u %u %u %u", in[0], in[1], in[2], in[3]);
}

/* More writes than the posted ring holds: the overflow goes through the
 * slot, and the service must still see them in order. */
static void posted(void)
{
	for (uint32_t i = 0; i < POSTED_WRITES; i++)
		outl(ECHODEV_SEQUENCE, i);
	uint32_t good = inl(ECHODEV_IN_ORDER), bad = inl(ECHODEV_OUT_OF_ORDER);
	check(good == POSTED_WRITES && bad == 0, FAIL_POSTED_ORDER,
	      "%u posted writes: %u in order, %u out of order", POSTED_WRITES, good, bad);

	static uint32_t seq[REP_WRITES];
	for (uint32_t i = 0; i < REP_WRITES; i++)
		seq[i] = POSTED_WRITES + i;
	const uint32_t *src = seq;
	uint32_t n = REP_WRITES;
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(ECHODEV_SEQUENCE) : "memory");
	good = inl(ECHODEV_IN_ORDER);
	check(good == POSTED_WRITES + REP_WRITES && inl(ECHODEV_OUT_OF_ORDER) == 0, FAIL_POSTED_REP,
	      "rep outsd of %u posted writes: %u in order", REP_WRITES, good);
}

static void memory(void)
{
	*(volatile uint32_t *)mmio = 0xdeadbeef;
	check(mmio32(0) == 0xdeadbeef, FAIL_MMIO_DWORD, "MMIO dword store and load");

	for (unsigned i = 0; i < 4; i++)
		mmio[4 + i] = (uint8_t)(0x11 * (i + 1));
	check(mmio32(4) == 0x44332211, FAIL_MMIO_BYTES, "four byte stores read as one dword");

	*(volatile uint32_t *)(mmio + 8) = 1000;
	__asm__ volatile("addl $234, (%0)" :: "r"(mmio + 8) : "memory");
	check(mmio32(8) == 1234, FAIL_MMIO_RMW, "add to MMIO (one read, one write)");

	static uint8_t pattern[64], back[64];
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	const void *src = pattern;
	void *dst = (void *)(mmio + 0x100);
	uint32_t n = sizeof(pattern);
	__asm__ volatile("rep movsb" : "+S"(src), "+D"(dst), "+c"(n) :: "memory");
	src = (const void *)(mmio + 0x100);
	dst = back;
	n = sizeof(back);
	__asm__ volatile("rep movsb" : "+S"(src), "+D"(dst), "+c"(n) :: "memory");
	src = (const void *)(mmio + 0x100);
	dst = (void *)(mmio + 0x200);
	__asm__ volatile("movsl" : "+S"(src), "+D"(dst) :: "memory");
	check(memcmp(pattern, back, sizeof(back)) == 0 && mmio32(0x200) == mmio32(0x100),
	      FAIL_MMIO_MOVS, "rep movsb to MMIO and back, movsd MMIO to MMIO");

	uint32_t old = 0x5a5a5a5a;
	__asm__ volatile("xchgl %0, (%1)" : "+r"(old) : "r"(mmio + 8) : "memory");
	check(old == 1234 && mmio32(8) == 0x5a5a5a5a, FAIL_MMIO_XCHG, "xchg with MMIO");
}

/* Managing itself or its service is not this domain's business. */
static void refusals(void)
{
	uint32_t r1 = 0, r2 = 0;
	uint32_t self = (uint32_t)cmdline_uint("self", 1);

	hypercall(12 /* KHC_IOREQ_ROUTE */, self, 0, 0x600, &r1);
	hypercall(13 /* KHC_IOREQ_COMPLETE */, self, 0, 0, &r2);
	check(r1 == (uint32_t)-1 && r2 == (uint32_t)-1, FAIL_ROUTE_REFUSED,
	      "a client may not route or complete its own requests (%d, %d)", (int)r1, (int)r2);
}

/* The service dies (or breaks the protocol) after a few requests: the
 * scratch register stops echoing and every routed read is all ones from
 * then on. */
static void service_dies(bool expect_kill)
{
	uint32_t i, v = 0;

	for (i = 0; i < 100000; i++) {
		outl(ECHODEV_SEQUENCE, i); /* posted, so a broken ring is seen too */
		outl(ECHODEV_SCRATCH, i);
		v = inl(ECHODEV_SCRATCH);
		if (v != i)
			break;
	}
	if (expect_kill) {
		note("still running after the service died (read %#x)", v);
		return;
	}
	check(v == 0xffffffff, FAIL_DEATH_UNSEEN, "reads float after %u round trips (%#x)", i, v);
	outl(ECHODEV_SEQUENCE, 7); /* a posted write to nowhere: no hang */
	check(inb(ECHODEV_SCRATCH) == 0xff && mmio32(0) == 0xffffffff && inw(ECHODEV_IN_ORDER) == 0xffff,
	      FAIL_DEAD_READS, "port and MMIO reads of the dead device are all ones");
}

void guest_main(void)
{
	if (cmdline_has("dead")) {
		service_dies(cmdline_has("dead=kill"));
		return;
	}
	uint32_t before = inl(ECHODEV_SERVED);
	ports();
	posted();
	memory();
	uint32_t after = inl(ECHODEV_SERVED);
	check(after - before > POSTED_WRITES + REP_WRITES, FAIL_SERVED,
	      "the device served %u requests", after - before);
	refusals();
}
