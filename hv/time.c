#include "hv/time.h"

#include "hv/log.h"
#include "hv/x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_61 0x61
#define CALIBRATE_MS 10u

static uint64_t tsc_khz = 2000000; /* replaced by the measurement */

/* PIT channel 2 counts down once in mode 0; its OUT pin (port 0x61 bit 5)
 * rises at terminal count. The gate is port 0x61 bit 0, the speaker bit 1
 * stays off. This is what firmware and Linux do without other clocks. */
static uint64_t measure_tsc_khz(void)
{
	uint32_t ticks = PIT_HZ * CALIBRATE_MS / 1000;

	outb(PORT_61, (inb(PORT_61) & ~0x02) | 0x01);
	outb(PIT_MODE, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, (uint8_t)ticks);
	outb(PIT_CH2, (uint8_t)(ticks >> 8));
	uint64_t start = rdtsc();
	uint64_t spins = 0;
	while (!(inb(PORT_61) & 0x20) && ++spins < 100000000ull)
		;
	uint64_t delta = rdtsc() - start;
	outb(PORT_61, inb(PORT_61) & ~0x03);
	return delta / CALIBRATE_MS;
}

void time_init(void)
{
	uint64_t khz = measure_tsc_khz();

	if (khz < 1000) {
		log_warn("time: TSC calibration failed, assuming %llu kHz\n",
			 (unsigned long long)tsc_khz);
		return;
	}
	tsc_khz = khz;
	log_info("time: TSC runs at %llu.%03llu MHz\n", (unsigned long long)(khz / 1000),
		 (unsigned long long)(khz % 1000));
}

uint64_t time_tsc_khz(void)
{
	return tsc_khz;
}

uint64_t time_now_ns(void)
{
	/* 128-bit intermediate: the TSC times a million overflows in hours. */
	return mul_div_u64(rdtsc(), 1000000u, tsc_khz);
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return mul_div_u64(ns, tsc_khz, 1000000u);
}
