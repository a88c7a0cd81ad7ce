#include "hv/apic.h"

#include "hv/layout.h"
#include "hv/log.h"
#include "hv/percpu.h"
#include "hv/time.h"
#include "hv/trap.h"
#include "hv/x86.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1ull << 11)

/* xAPIC register offsets (SDM Vol. 3A, 11.4.1 table 11-1). */
enum {
	APIC_EOI = 0xb0,
	APIC_SVR = 0xf0,
	APIC_ICR_LOW = 0x300,
	APIC_ICR_HIGH = 0x310,
	APIC_LVT_TIMER = 0x320,
	APIC_TIMER_INIT = 0x380,
	APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE = 0x3e0,
};

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define DIVIDE_BY_16 0x3

/* Every CPU sees its own local APIC at the same address. */
static volatile uint32_t *apic_regs;
/* The same bus clock drives every CPU's timer: calibrated once. */
static uint64_t tsc_per_apic_tick; /* in 1/256 units for precision */

static uint32_t apic_read(unsigned reg)
{
	return apic_regs[reg / 4];
}

static void apic_write(unsigned reg, uint32_t v)
{
	apic_regs[reg / 4] = v;
}

static void timer_interrupt(struct trap_frame *f)
{
	this_cpu()->timer_deadline = 0;
	apic_eoi();
}

/* A kick from another CPU (sched_kick): taking it is all it is for, it
 * ends a HLT or, in guest mode, forces an external-interrupt exit. */
static void kick_interrupt(struct trap_frame *f)
{
	apic_eoi();
}

static void spurious_interrupt(struct trap_frame *f)
{
}

/* How many TSC cycles one APIC timer tick lasts (the bus clock / 16). */
static void calibrate(void)
{
	apic_write(APIC_TIMER_DIVIDE, DIVIDE_BY_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | APIC_TIMER_VECTOR);
	uint64_t wait = time_ns_to_tsc(2000000); /* 2 ms */
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
	uint64_t start = rdtsc();
	while (rdtsc() - start < wait)
		cpu_relax();
	uint32_t elapsed = 0xffffffffu - apic_read(APIC_TIMER_CURRENT);
	apic_write(APIC_TIMER_INIT, 0);
	tsc_per_apic_tick = elapsed ? (wait * 256) / elapsed : 256;
}

/* The legacy 8259s would deliver the firmware's PIT ticks on vectors that
 * are exceptions to us: remap them out of the way and mask every line. */
static void mask_legacy_pic(void)
{
	static const uint8_t init[] = { 0x11, 0x20, 0x04, 0x01 }, init_slave[] = { 0x11, 0x28, 0x02, 0x01 };
	for (int i = 0; i < 4; i++) {
		outb(i ? 0x21 : 0x20, init[i]);
		outb(i ? 0xa1 : 0xa0, init_slave[i]);
	}
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

bool apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	mask_legacy_pic();

	if (!(cpuid(1, 0).edx & (1u << 9)))
		return false;
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	apic_regs = phys_to_virt(base & 0xfffff000u);
	trap_set_handler(APIC_TIMER_VECTOR, timer_interrupt);
	trap_set_handler(APIC_SPURIOUS_VECTOR, spurious_interrupt);
	trap_set_handler(APIC_KICK_VECTOR, kick_interrupt);
	apic_write(APIC_SVR, SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	calibrate();
	apic_write(APIC_LVT_TIMER, APIC_TIMER_VECTOR); /* one-shot, unmasked */
	log_info("apic: host timer tick = %llu.%02llu TSC cycles\n",
		 (unsigned long long)(tsc_per_apic_tick / 256),
		 (unsigned long long)((tsc_per_apic_tick % 256) * 100 / 256));
	return true;
}

void apic_init_ap(void)
{
	if (!apic_regs)
		return;
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	apic_write(APIC_SVR, SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TIMER_DIVIDE, DIVIDE_BY_16);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_VECTOR); /* one-shot, unmasked */
	apic_write(APIC_TIMER_INIT, 0);
}

bool apic_timer_arm(uint64_t deadline_tsc)
{
	struct percpu *pc = this_cpu();

	if (!apic_regs)
		return false;
	/* Re-arming for the same deadline on every VM entry would cost an
	 * MMIO write each time. */
	if (deadline_tsc == pc->timer_deadline)
		return true;
	pc->timer_deadline = deadline_tsc;
	if (!deadline_tsc) {
		apic_write(APIC_TIMER_INIT, 0);
		return true;
	}
	uint64_t now = rdtsc();
	uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 1;
	uint64_t ticks = delta * 256 / tsc_per_apic_tick;
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	apic_write(APIC_TIMER_INIT, (uint32_t)ticks);
	return true;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	if (!apic_regs)
		return;
	apic_write(APIC_ICR_HIGH, apic_id << 24);
	apic_write(APIC_ICR_LOW, icr_low);
	for (int spins = 0; spins < 1000000 && (apic_read(APIC_ICR_LOW) & (1u << 12)); spins++)
		cpu_relax();
}

void apic_kick(uint32_t apic_id)
{
	/* Fixed delivery, physical destination, level assert (SDM Vol. 3A,
	 * 11.6.1): the target takes APIC_KICK_VECTOR as soon as its IF is
	 * set, or exits its guest at once. */
	apic_send_ipi(apic_id, APIC_ICR_FIXED | APIC_KICK_VECTOR);
}
