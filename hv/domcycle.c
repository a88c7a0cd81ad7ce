/*
 * The domain life-cycle test (issue 7: "1000 create/destroy cycles leave
 * the free-frame count unchanged"), run by testrun for a module given
 * `cycles=N`: N times a small domain is created on each CPU in turn,
 * loaded with the module's image, unpaused and destroyed, on other CPUs
 * every other time only once its home CPU is running it (then it is also
 * paused and must stand still, and unpaused), so destroy meets a domain
 * that runs elsewhere. Every frame and heap block must come back.
 */
#include "hv/domcycle.h"

#include "hv/cmdline.h"
#include "hv/domain.h"
#include "hv/guest_boot.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/smp.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

#define CYCLE_RAM (4ull << 20)
#define CYCLE_MAX 100000u
#define START_WAIT_NS 100000000ull /* 100 ms for a home CPU to enter it */

/* Waits (bounded) until the domain's home CPU has entered it. */
static bool wait_started(struct domain *d)
{
	uint64_t end = time_now_ns() + START_WAIT_NS;

	while (!__atomic_load_n(&d->vcpus[0]->stats.exits, __ATOMIC_ACQUIRE)) {
		if (time_now_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

/* Pauses a domain running elsewhere: once domain_pause returns its exit
 * count must stand still (its home CPU no longer enters it). False if it
 * moved in the next millisecond. */
static bool pause_holds(struct domain *d)
{
	domain_pause(d);
	uint64_t exits = __atomic_load_n(&d->vcpus[0]->stats.exits, __ATOMIC_ACQUIRE);
	uint64_t end = time_now_ns() + 1000000;
	while (time_now_ns() < end)
		cpu_relax();
	bool held = __atomic_load_n(&d->vcpus[0]->stats.exits, __ATOMIC_ACQUIRE) == exits;
	domain_unpause(d);
	return held;
}

/* One cycle; false if the domain could not be made or a pause failed. */
static bool cycle(const struct boot_module *m, const char *args, unsigned i, unsigned *caught)
{
	unsigned cpu = i % smp_cpu_count();
	const char *why = 0;
	struct domain *d = domain_create_on("cycle", CYCLE_RAM, 1, cpu);

	if (!d)
		return false;
	if (guest_boot_multiboot(d, phys_to_virt(m->start), m->end - m->start, args, &why)) {
		log_err("cycles: image refused: %s\n", why);
		domain_destroy(d);
		return false;
	}
	domain_loaded(d);
	domain_unpause(d);
	bool held = true;
	if (cpu != this_cpu()->cpu_id && (i / smp_cpu_count()) % 2 && wait_started(d) &&
	    __atomic_load_n(&d->state, __ATOMIC_SEQ_CST) == DOMAIN_RUNNING) {
		(*caught)++;
		held = pause_holds(d);
		if (!held)
			log_err("cycles: domain %u ran on while paused\n", d->id);
	}
	domain_destroy(d);
	return held;
}

bool domcycle_run(const struct boot_module *m, const char *args, bool *ok)
{
	char val[16];
	uint64_t n;

	if (!cmdline_get(args, "cycles", val, sizeof(val)) || !cmdline_parse_u64(val, &n) ||
	    n == 0 || n > CYCLE_MAX)
		return false;
	uint64_t frames_before = hv_frames.free_frames + heap_slab_frames();
	uint64_t blocks_before = heap_live_blocks();
	unsigned done = 0, caught = 0;

	uint64_t t0 = rdtsc();
	while (done < n && cycle(m, args, done, &caught))
		done++;
	uint64_t tsc = rdtsc() - t0;
	uint64_t frames_after = hv_frames.free_frames + heap_slab_frames();
	uint64_t blocks_after = heap_live_blocks();
	*ok = done == n && frames_after == frames_before && blocks_after == blocks_before;
	log_info("test domain-cycles: %s (%u of %llu create/load/run/destroy cycles on %u CPUs, "
		 "%u paused and destroyed while running on another CPU; free frames %llu before, %llu after; "
		 "heap blocks %llu before, %llu after)\n",
		 *ok ? "PASS" : "FAIL", done, (unsigned long long)n, smp_cpu_count(), caught,
		 (unsigned long long)frames_before, (unsigned long long)frames_after,
		 (unsigned long long)blocks_before, (unsigned long long)blocks_after);
	/* For make bench (TSC cycles: instructions under QEMU -icount and Bochs). */
	log_info("domain-cycles: %llu TSC cycles per cycle (mean of %u)\n",
		 (unsigned long long)(done ? tsc / done : 0), done);
	return true;
}
