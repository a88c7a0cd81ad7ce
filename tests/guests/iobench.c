/* iobench: the cost of I/O forwarded to a service domain, for `make bench`
 * (not a pass/fail test; no timing is judged). Runs as the client of the
 * ioservice guest (module options `ioservice serve=iobench`, then
 * `iobench`): every access below crosses the request rings.
 *
 *   ioreq_roundtrip  a read of the echo device's served counter (port
 *                    0x50c): exit, slot, event, the service's answer,
 *                    KHC_IOREQ_COMPLETE, and the client's resumption
 *   posted_write     a write to the posted port 0x510: an entry in the
 *                    posted ring; when the ring is full the write goes
 *                    through the slot, so a long run's cost per write is
 *                    the throughput the service sustains
 *
 * Each item runs a warm-up window, then WINDOWS windows; an item's cost is
 * TSC cycles per access, minimum and median over the windows. Output as
 * the bench guest's ("bench: NAME min=N median=N", "bench-json: {...}"),
 * plus "bench-info: tsc_khz=N" (CPUID 0x40000010) so that the script can
 * turn a cost into accesses per second. Verdict 0 if the device answers. */
#include "guest.h"

#include "dom0/dm/echodev.h"

const char guest_name[] = "iobench";

enum { FAIL_NO_DEVICE = 1 };

#define WINDOWS 21
/* Round trips are long (two domains, a scheduler hand-over): 100 per
 * window. Posted writes: many ring-fulls per window, so the rare write
 * that finds the ring full and waits is averaged in. */
#define RT_ITERATIONS 100u
#define POSTED_ITERATIONS 1000u

static uint32_t saturate(uint64_t v)
{
	return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v;
}

static void body_roundtrip(uint32_t i)
{
	(void)i;
	(void)inl(ECHODEV_SERVED);
}

/* Any value will do: the device only counts them (in order or not). */
static void body_posted(uint32_t i)
{
	outl(ECHODEV_SEQUENCE, i);
}

typedef void (*io_body)(uint32_t i);

static uint32_t window_cost(io_body body, uint32_t n)
{
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < n; i++)
		body(i);
	/* 32-bit division: 64-bit would need libgcc. */
	return saturate(rdtsc() - t0) / n;
}

/* Keeps cost[0..n] sorted as windows come in. */
static void insert_sorted(uint32_t *cost, int n, uint32_t c)
{
	int j = n;
	for (; j > 0 && cost[j - 1] > c; j--)
		cost[j] = cost[j - 1];
	cost[j] = c;
}

static void measure(const char *name, io_body body, uint32_t n)
{
	uint32_t cost[WINDOWS];

	(void)window_cost(body, n); /* warm-up */
	for (int w = 0; w < WINDOWS; w++)
		insert_sorted(cost, w, window_cost(body, n));
	kprintf("bench: %s min=%u median=%u\n", name, cost[0], cost[WINDOWS / 2]);
	kprintf("bench-json: {\"name\":\"%s\",\"min\":%u,\"median\":%u,\"unit\":\"tsc\"}\n", name,
		cost[0], cost[WINDOWS / 2]);
}

void guest_main(void)
{
	uint32_t before = inl(ECHODEV_SERVED);
	/* The scratch register echoes: the device is there and served. */
	outl(ECHODEV_SCRATCH, 0x1b3c4d5e);
	if (!check(inl(ECHODEV_SCRATCH) == 0x1b3c4d5e, FAIL_NO_DEVICE,
		   "echo device served (counter at %u)", before))
		return;
	kprintf("bench-info: tsc_khz=%u\n", kestrel_present() ? cpuid(0x40000010, 0).eax : 0);
	measure("ioreq_roundtrip", body_roundtrip, RT_ITERATIONS);
	measure("posted_write", body_posted, POSTED_ITERATIONS);
	note("the device served %u requests", inl(ECHODEV_SERVED) - before);
}
