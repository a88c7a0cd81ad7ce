/* tsc: the guest's TSC is its domain's, not the host's. It starts near 0
 * when the domain is created (well below what the host's TSC has counted
 * since the emulator started), a write of IA32_TSC moves RDTSC to the
 * value written (forward and back) for every vCPU of the domain (vCPU 1,
 * started afterwards, reads no less than vCPU 0 published before starting
 * it), CPUID 0x40000010 gives the frequency, and the TSC-deadline timer
 * fires neither early nor never, with the guest TSC below and far above
 * the host's. Needs vcpus=2. */
#include "guest.h"
#include "lapic.h"

const char guest_name[] = "tsc";

enum {
	FAIL_NO_FREQUENCY = 1,
	FAIL_START_NOT_NEAR_ZERO,
	FAIL_WRITE_FORWARD,
	FAIL_WRITE_BACK,
	FAIL_MSR_READ,
	FAIL_AP_START,
	FAIL_AP_BEHIND,
	FAIL_DEADLINE_EARLY,
	FAIL_DEADLINE_NEVER,
};

#define MSR_TSC 0x10
#define MSR_TSC_DEADLINE 0x6e0


#define TIMER_VECTOR 0x40
#define TRAMPOLINE 0x8000u
#define FAR_AHEAD (1ull << 44) /* beyond any emulator's host TSC here */

static uint64_t khz; /* TSC ticks per ms */
static volatile uint32_t ticks;
static volatile uint64_t fired_at;

static void timer_handler(struct trap_frame *f)
{
	(void)f;
	fired_at = rdtsc();
	ticks++;
	LAPIC[LAPIC_EOI] = 0;
}

static uint64_t ms(uint32_t n)
{
	return khz * n;
}

static bool check_frequency(void)
{
	uint32_t max = cpuid(0x40000000, 0).eax;
	khz = max >= 0x40000010 ? cpuid(0x40000010, 0).eax : 0;
	return check(khz >= 1000, FAIL_NO_FREQUENCY, "CPUID 0x40000010: TSC at %u kHz",
		     (uint32_t)khz);
}

/* Domain creation to here is loading, zeroing RAM and printing: 50 ms
 * under QEMU, 180 ms of Bochs' TSC; by then the host's TSC has counted
 * the emulator's firmware, the hypervisor's boot and the earlier guests
 * of the suite (seconds). */
static void check_start(uint64_t start)
{
	check(start < ms(1000), FAIL_START_NOT_NEAR_ZERO,
	      "TSC at entry 0x%llx, less than 1 s of ticks (0x%llx)", (unsigned long long)start,
	      (unsigned long long)ms(1000));
}

static void check_write(uint64_t to, uint32_t code, const char *what)
{
	wrmsr(MSR_TSC, to);
	uint64_t t = rdtsc(), m = rdmsr(MSR_TSC);
	check(t >= to && t < to + ms(100), code, "IA32_TSC := 0x%llx (%s): RDTSC 0x%llx",
	      (unsigned long long)to, what, (unsigned long long)t);
	check(m >= t && m < t + ms(100), FAIL_MSR_READ, "RDMSR IA32_TSC 0x%llx follows",
	      (unsigned long long)m);
}

/* TSC-deadline mode (SDM Vol. 3A, 11.5.4.1): armed 2 ms ahead, it must
 * fire at or after the deadline, and within the 200 ms the loop waits. */
static void check_deadline(const char *when)
{
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_TSC_DEADLINE;
	uint32_t before = ticks;
	uint64_t deadline = rdtsc() + ms(2);
	wrmsr(MSR_TSC_DEADLINE, deadline);
	__asm__ volatile("sti");
	while (ticks == before && rdtsc() < deadline + ms(200))
		;
	__asm__ volatile("cli");
	bool fired = ticks != before;
	check(fired, FAIL_DEADLINE_NEVER, "TSC-deadline timer (%s) fired", when);
	check(!fired || fired_at >= deadline, FAIL_DEADLINE_EARLY,
	      "  not before its deadline 0x%llx (handler at 0x%llx)", (unsigned long long)deadline,
	      (unsigned long long)fired_at);
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_MASKED;
}

extern char tsc_ap_trampoline[], tsc_ap_trampoline_end[], tsc_ap_mailbox[];

static void send_ipi(uint32_t low)
{
	LAPIC[LAPIC_ICR_HIGH] = 1u << 24; /* APIC 1 */
	LAPIC[LAPIC_ICR_LOW] = low;
}

/* vCPU 0 publishes its TSC, then starts vCPU 1 (INIT, SIPI), which reads
 * its own: one domain offset means it cannot be smaller. vCPU 0 sleeps on
 * a 1 ms periodic timer meanwhile (at most a second). */
static void check_second_vcpu(void)
{
	volatile uint32_t *box =
		(volatile uint32_t *)(TRAMPOLINE + (uint32_t)(tsc_ap_mailbox - tsc_ap_trampoline));

	memcpy((void *)TRAMPOLINE, tsc_ap_trampoline,
	       (size_t)(tsc_ap_trampoline_end - tsc_ap_trampoline));
	uint64_t published = rdtsc();
	send_ipi(0x4500); /* INIT, level assert */
	send_ipi(0x4600 | (TRAMPOLINE >> 12));
	LAPIC[LAPIC_TIMER_DIVIDE] = 0xb;
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_PERIODIC;
	LAPIC[LAPIC_TIMER_INIT] = 1000000; /* 1 ms of 1 GHz bus cycles */
	uint32_t start = ticks;
	while (!box[2] && ticks - start < 1000)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	LAPIC[LAPIC_LVT_TIMER] = TIMER_VECTOR | LVT_MASKED;
	if (!check(box[2] == 1, FAIL_AP_START, "vCPU 1 started and read its TSC"))
		return;
	uint64_t ap = ((uint64_t)box[1] << 32) | box[0];
	check(ap >= published, FAIL_AP_BEHIND, "vCPU 1's TSC 0x%llx >= vCPU 0's 0x%llx before it",
	      (unsigned long long)ap, (unsigned long long)published);
}

void guest_main(void)
{
	uint64_t start = rdtsc();

	if (!check_frequency())
		return;
	check_start(start);
	exc_set_hook(TIMER_VECTOR, timer_handler);
	LAPIC[LAPIC_SVR] = 0x1ff;
	check_deadline("guest TSC below the host's");
	check_write(FAR_AHEAD, FAIL_WRITE_FORWARD, "forward");
	check_deadline("guest TSC far above the host's");
	check_write(FAR_AHEAD / 2, FAIL_WRITE_BACK, "back");
	check_second_vcpu();
}
