/* bench: the cost of the exits every guest takes most, measured with RDTSC
 * (for `make bench`, not a pass/fail test; no timing is judged). Each item
 * runs 100 warm-up iterations, then WINDOWS windows of 100 iterations; the
 * cost of one iteration in a window is the window's TSC delta / 100, and
 * the item reports the minimum and the median over the windows.
 *
 * Output, one line per item and one JSON object per item:
 *   bench: NAME min=N median=N
 *   bench-json: {"name":"NAME","min":N,"median":N,"unit":"tsc"}
 * Other lines use the prefix "benchmark:" so that "bench: " lines are only
 * results. Verdict 0 if every item could be measured. */
#include "guest.h"

const char guest_name[] = "benchmark";

enum { FAIL_NO_HYPERVISOR = 1 };

#define ITERATIONS 100
#define WINDOWS 21

typedef void (*bench_body)(void);

/* One iteration of each item; the asm is volatile so nothing is hoisted. */
static void body_loop(void)
{
	__asm__ volatile("" ::: "memory");
}

static void body_cpuid(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void body_io(void)
{
	(void)inl(PORT_ECHO_COUNT);
}

/* The hypercall bodies: EDI/ESI/EDX are the argument registers. */
#define HYPERCALL_BODY(name, insn, nr)                                                           \
	static void name(void)                                                                  \
	{                                                                                       \
		uint32_t a = (nr), di = 7, si = 0, dx = 0;                                      \
		__asm__ volatile(insn : "+a"(a), "+D"(di), "+S"(si), "+d"(dx) :: "memory");     \
	}
HYPERCALL_BODY(body_version_vmmcall, "vmmcall", HC_VERSION)
HYPERCALL_BODY(body_version_vmcall, "vmcall", HC_VERSION)
HYPERCALL_BODY(body_echo_vmmcall, "vmmcall", HC_ECHO)
HYPERCALL_BODY(body_echo_vmcall, "vmcall", HC_ECHO)

/* The local APIC (xAPIC page at 0xfee00000) is emulated in the
 * hypervisor: an EOI is one MMIO write, an exit into the instruction
 * emulator. */
#define LAPIC ((volatile uint32_t *)0xfee00000u)
#define LAPIC_EOI (0xb0 / 4)

static void body_eoi(void)
{
	LAPIC[LAPIC_EOI] = 0;
}

static uint32_t window_cost(bench_body body)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < ITERATIONS; i++)
		body();
	uint64_t delta = rdtsc() - t0;
	/* 32-bit division: 64-bit would need libgcc. A window over 2^32
	 * cycles saturates. */
	return (delta > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)delta) / ITERATIONS;
}

static void measure(const char *name, bench_body body)
{
	uint32_t cost[WINDOWS];
	for (int i = 0; i < ITERATIONS; i++)
		body();
	for (int w = 0; w < WINDOWS; w++) {
		uint32_t c = window_cost(body);
		int j = w;
		for (; j > 0 && cost[j - 1] > c; j--) /* insertion sort */
			cost[j] = cost[j - 1];
		cost[j] = c;
	}
	kprintf("bench: %s min=%u median=%u\n", name, cost[0], cost[WINDOWS / 2]);
	kprintf("bench-json: {\"name\":\"%s\",\"min\":%u,\"median\":%u,\"unit\":\"tsc\"}\n", name, cost[0],
		cost[WINDOWS / 2]);
}

void guest_main(void)
{
	uint32_t r;
	bool amd = cpu_vendor() == VENDOR_AMD;
	bool hv = kestrel_present() && hypercall(HC_VERSION, 0, 0, 0, &r) && r == HC_ABI_VERSION;
	note("%u windows of %u iterations per item, TSC cycles per iteration", WINDOWS, ITERATIONS);
	measure("loop", body_loop);
	measure("cpuid", body_cpuid);
	if (!check(hv, FAIL_NO_HYPERVISOR, "Kestrel hypercalls and echo device present"))
		return;
	measure("hypercall", amd ? body_version_vmmcall : body_version_vmcall);
	measure("io_in", body_io);
	measure("roundtrip", amd ? body_echo_vmmcall : body_echo_vmcall);
	measure("lapic_eoi", body_eoi);
}
