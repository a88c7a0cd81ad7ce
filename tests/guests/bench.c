/* bench: the cost of the exits every guest takes most, measured with RDTSC
 * (for `make bench`, not a pass/fail test; no timing is judged). Each item
 * runs 100 warm-up iterations, then WINDOWS windows of 100 iterations; the
 * cost of one iteration in a window is the window's TSC delta / 100, and
 * the item reports the minimum and the median over the windows.
 *
 * Two items are not exits of their own: `timer_irq`, what one periodic
 * LAPIC timer interrupt costs the guest (host timer exit, injection, the
 * handler and its EOI exit), measured as the time a fixed spin loop loses
 * per interrupt; `ipi_roundtrip`, a fixed IPI from vCPU 0 to vCPU 1 and
 * one back (both wait in HLT), when the module says vcpus=2.
 *
 * Output, one line per item and one JSON object per item:
 *   bench: NAME min=N median=N
 *   bench-json: {"name":"NAME","min":N,"median":N,"unit":"tsc"}
 * Other lines use the prefix "benchmark:" so that "bench: " lines are only
 * results. Verdict 0 if every item could be measured. */
#include "guest.h"
#include "lapic.h"

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

static void body_eoi(void)
{
	LAPIC[LAPIC_EOI] = 0;
}

static uint32_t saturate(uint64_t v)
{
	return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v;
}

static void report(const char *name, uint32_t *cost)
{
	kprintf("bench: %s min=%u median=%u\n", name, cost[0], cost[WINDOWS / 2]);
	kprintf("bench-json: {\"name\":\"%s\",\"min\":%u,\"median\":%u,\"unit\":\"tsc\"}\n", name, cost[0],
		cost[WINDOWS / 2]);
}

/* Keeps cost[0..n] sorted as windows come in. */
static void insert_sorted(uint32_t *cost, int n, uint32_t c)
{
	int j = n;
	for (; j > 0 && cost[j - 1] > c; j--)
		cost[j] = cost[j - 1];
	cost[j] = c;
}

static uint32_t window_cost(bench_body body)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < ITERATIONS; i++)
		body();
	/* 32-bit division: 64-bit would need libgcc. A window over 2^32
	 * cycles saturates. */
	return saturate(rdtsc() - t0) / ITERATIONS;
}

static void measure(const char *name, bench_body body)
{
	uint32_t cost[WINDOWS];
	for (int i = 0; i < ITERATIONS; i++)
		body();
	for (int w = 0; w < WINDOWS; w++)
		insert_sorted(cost, w, window_cost(body));
	report(name, cost);
}


#define TIMER_VECTOR 0x40
#define PING_VECTOR 0x50 /* vCPU 0 -> vCPU 1 */
#define PONG_VECTOR 0x51 /* and back */

/* Timer interrupts: the spin loop runs SPIN_LOOPS iterations of two
 * instructions (long enough for tens of 100 us periods on every
 * emulator); the periodic timer's count is in bus cycles (1 ns, divide
 * by 1: 0xb). */
#define SPIN_LOOPS 1000000u
#define TIMER_PERIOD_NS 100000u

static uint64_t spin_window(void)
{
	uint32_t n = SPIN_LOOPS;
	uint64_t t0 = rdtsc();
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
	return rdtsc() - t0;
}

/* The cost per interrupt of one window: its extra time over the fastest
 * window without a timer, divided by the interrupts it took. */
static uint32_t timer_window(uint64_t base)
{
	uint32_t before = lapic_ticks;
	uint64_t t = spin_window();
	uint32_t ticks = lapic_ticks - before;
	if (!ticks)
		return 0xFFFFFFFFu;
	return saturate(t > base ? t - base : 0) / ticks;
}

static void measure_timer(void)
{
	uint32_t cost[WINDOWS];
	uint64_t base = ~0ull;

	for (int w = 0; w < WINDOWS; w++) {
		uint64_t t = spin_window();
		base = t < base ? t : base;
	}
	lapic_timer_periodic(TIMER_VECTOR, TIMER_PERIOD_NS);
	__asm__ volatile("sti");
	(void)timer_window(base); /* warm-up */
	for (int w = 0; w < WINDOWS; w++)
		insert_sorted(cost, w, timer_window(base));
	__asm__ volatile("cli");
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_MASKED;
	LAPIC[LAPIC_TIMER_INIT] = 0;
	note("timer: %u ticks in all, spin window %u TSC cycles without a timer", lapic_ticks,
	     saturate(base));
	report("timer_irq", cost);
}

/* IPI ping-pong. vCPU 1 comes up through INIT, SIPI (SDM Vol. 3A,
 * 8.4.4.1) at TRAMPOLINE, answers every PING with a PONG and sleeps in
 * HLT in between; vCPU 0 sleeps in HLT until its PONG is in. */
#define TRAMPOLINE 0x8000u

extern char bench_ap_trampoline[], bench_ap_trampoline_end[], bench_ap_gdt_ptr[];
extern char gdt_ptr[];
void bench_ap_main(void);

static uint8_t ap_stack[4096] __attribute__((aligned(16)));
char *const bench_ap_stack_top = (char *)ap_stack + sizeof(ap_stack);
static volatile uint32_t ap_up, pongs;

static void send_ipi(uint8_t apic_id, uint32_t low)
{
	LAPIC[LAPIC_ICR_HIGH] = (uint32_t)apic_id << 24;
	LAPIC[LAPIC_ICR_LOW] = low;
	while (LAPIC[LAPIC_ICR_LOW] & (1u << 12)) /* delivery status */
		;
}

static void ping_handler(struct trap_frame *f)
{
	(void)f;
	LAPIC[LAPIC_EOI] = 0;
	send_ipi(0, PONG_VECTOR);
}

static void pong_handler(struct trap_frame *f)
{
	(void)f;
	pongs++;
	LAPIC[LAPIC_EOI] = 0;
}

void bench_ap_main(void)
{
	lidt(&idt_ptr);
	LAPIC[LAPIC_SVR] = 0x1ff;
	ap_up = 1;
	send_ipi(0, PONG_VECTOR); /* wakes vCPU 0 */
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void body_ipi_roundtrip(void)
{
	uint32_t want = pongs + 1;
	send_ipi(1, PING_VECTOR);
	while (pongs != want)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* INIT, then two start-up IPIs, as the MP start-up algorithm does. */
static bool start_ap(void)
{
	memcpy((void *)TRAMPOLINE, bench_ap_trampoline,
	       (size_t)(bench_ap_trampoline_end - bench_ap_trampoline));
	memcpy((char *)TRAMPOLINE + (bench_ap_gdt_ptr - bench_ap_trampoline), gdt_ptr, 6);
	exc_set_hook(PING_VECTOR, ping_handler);
	exc_set_hook(PONG_VECTOR, pong_handler);
	LAPIC[LAPIC_SVR] = 0x1ff;
	send_ipi(1, 0x4500); /* INIT, level assert */
	send_ipi(1, 0x4600 | (TRAMPOLINE >> 12));
	send_ipi(1, 0x4600 | (TRAMPOLINE >> 12));
	/* vCPU 1 wakes us with a PONG; a one-shot timer (100 ms) in case it
	 * never does. */
	uint32_t ticks = lapic_ticks;
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR;
	LAPIC[LAPIC_TIMER_INIT] = 100000000u;
	while (!ap_up && lapic_ticks == ticks)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	LAPIC[LAPIC_TIMER_INIT] = 0;
	return ap_up;
}

static void measure_ipi(void)
{
	if (((cpuid(1, 0).ebx >> 16) & 0xff) < 2) {
		note("one vCPU (module option vcpus=2 missing): no IPI benchmark");
		return;
	}
	if (!start_ap()) {
		note("vCPU 1 did not come up: no IPI benchmark");
		return;
	}
	measure("ipi_roundtrip", body_ipi_roundtrip);
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
	measure_timer();
	measure_ipi();
}
