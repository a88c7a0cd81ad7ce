#include "hv/testrun.h"

#include "hv/cmdline.h"
#include "hv/domain.h"
#include "hv/format.h"
#include "hv/guest_boot.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/mem.h"
#include "hv/sched.h"
#include "hv/string.h"
#include "hv/vcpu.h"

#define TEST_GUEST_RAM (32ull << 20)

/* How a test guest is expected to end (module option expect=...). */
enum expectation {
	EXPECT_VERDICT,      /* writes 0 to the verdict port */
	EXPECT_TRIPLE_FAULT, /* is killed for a triple fault */
	EXPECT_HALT,         /* stops in HLT with interrupts off */
	EXPECT_MEMORY_KILL,  /* is killed for touching what is not RAM */
};

struct test_module {
	char name[32];
	const char *cmdline; /* everything after the file name */
	enum expectation expect;
	unsigned vcpus;
};

/* "path/to/NAME.elf args..." (QEMU) or "NAME args..." (GRUB). */
static void parse_module_string(const char *s, struct test_module *t)
{
	t->vcpus = 1;
	const char *end = s;
	while (*end && *end != ' ')
		end++;
	const char *base = s;
	for (const char *p = s; p < end; p++)
		if (*p == '/')
			base = p + 1;
	size_t len = (size_t)(end - base);
	if (len > 4 && strncmp(end - 4, ".elf", 4) == 0)
		len -= 4;
	format_buf(t->name, sizeof(t->name), "%.*s", (int)len, base);
	t->cmdline = *end ? end + 1 : end;

	char val[24] = "";
	uint64_t vcpus = 1;
	if (cmdline_get(t->cmdline, "vcpus", val, sizeof(val)) && cmdline_parse_u64(val, &vcpus) &&
	    vcpus >= 1 && vcpus <= DOMAIN_MAX_VCPUS)
		t->vcpus = (unsigned)vcpus;
	val[0] = '\0';
	cmdline_get(t->cmdline, "expect", val, sizeof(val));
	t->expect = strcmp(val, "triple-fault") == 0 ? EXPECT_TRIPLE_FAULT
		  : strcmp(val, "halt") == 0	     ? EXPECT_HALT
		  : strcmp(val, "memory-kill") == 0  ? EXPECT_MEMORY_KILL
						     : EXPECT_VERDICT;
}

static bool outcome_ok(const struct domain *d, enum expectation e)
{
	switch (e) {
	case EXPECT_TRIPLE_FAULT:
		return d->state == DOMAIN_KILLED && strncmp(d->end_reason, "triple fault", 12) == 0;
	case EXPECT_MEMORY_KILL:
		return d->state == DOMAIN_KILLED &&
		       strncmp(d->end_reason, "access to guest-physical", 24) == 0;
	case EXPECT_HALT:
		return d->state == DOMAIN_FINISHED && d->verdict < 0 &&
		       strcmp(d->end_reason, "halted with interrupts disabled") == 0;
	default:
		return d->state == DOMAIN_FINISHED && d->verdict == 0;
	}
}

/* Runs one guest; true if it ended as expected and gave back all memory. */
static bool run_test_guest(const struct boot_module *m)
{
	struct test_module t;
	const char *why = 0;
	/* Every frame and heap block must come back; slab pages the heap
	 * grew by stay with it for reuse and do not count as a leak. */
	uint64_t frames_before = hv_frames.free_frames + heap_slab_frames();
	uint64_t blocks_before = heap_live_blocks();

	parse_module_string(m->string, &t);
	struct domain *d = domain_create(t.name, TEST_GUEST_RAM, t.vcpus);
	if (!d) {
		log_info("test %s: FAIL (could not create the domain)\n", t.name);
		return false;
	}
	log_info("test %s: starting in domain %u (%s)\n", t.name, d->id, m->string);
	bool ok = false;
	if (guest_boot_multiboot(d, phys_to_virt(m->start), m->end - m->start, t.cmdline, &why)) {
		log_info("test %s: FAIL (bad image: %s)\n", t.name, why);
	} else {
		sched_run_until_done(d);
		ok = outcome_ok(d, t.expect);
		log_info("test %s: %s (%s; %llu exits)\n", t.name, ok ? "PASS" : "FAIL",
			 d->end_reason, (unsigned long long)d->vcpus[0]->stats.exits);
	}
	domain_destroy(d);
	uint64_t frames_after = hv_frames.free_frames + heap_slab_frames();
	if (frames_after != frames_before || heap_live_blocks() != blocks_before) {
		log_err("test %s: FAIL (leak: %lld frames, %lld heap blocks not returned)\n",
			t.name, (long long)(frames_before - frames_after),
			(long long)(heap_live_blocks() - blocks_before));
		ok = false;
	}
	return ok;
}

void testrun(const struct boot_info *bi)
{
	unsigned passed = 0, failed = 0;

	for (unsigned i = 0; i < bi->module_count; i++) {
		if (run_test_guest(&bi->modules[i]))
			passed++;
		else
			failed++;
	}
	log_info("tests: %u passed, %u failed\n", passed, failed);
	machine_exit(failed || !passed ? MACHINE_TEST_FAILED : MACHINE_SUCCESS);
}
