/*
 * spin: CPU-bound work without a single exit of its own (`spins=N` loop
 * iterations), then verdict 0. The scheduler's weight test
 * (tests/integration/weights.sh) runs two of them on one CPU.
 */
#include "guest.h"

const char guest_name[] = "spin";

void guest_main(void)
{
	uint64_t spins = cmdline_uint("spins", 100000000);

	for (uint64_t i = 0; i < spins; i++)
		__asm__ volatile("" ::: "memory");
	note("%llu iterations done", (unsigned long long)spins);
}
