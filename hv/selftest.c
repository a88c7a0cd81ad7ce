#include "hv/selftest.h"

#include "hv/cmdline.h"
#include "hv/heap.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/mem.h"
#include "hv/string.h"
#include "hv/trap.h"

/*
 * Allocates every free frame, writes a pattern into each through the direct
 * map and reads it back, then frees them all: proves the allocator hands out
 * only real RAM (above 4 GiB too) and gets every frame back.
 */
static void selftest_frames(void)
{
	uint64_t before = hv_frames.free_frames, count = 0, highest = 0;
	uint64_t head = 0; /* allocated frames form a list through their first word */

	for (uint64_t pa; (pa = frame_alloc_below(&hv_frames, 0)) != 0; count++) {
		uint64_t *p = phys_to_virt(pa);
		p[0] = head;
		p[1] = pa ^ 0x5a5a5a5a5a5a5a5aull;
		head = pa;
		if (pa > highest)
			highest = pa;
	}
	uint64_t bad = 0;
	while (head) {
		uint64_t *p = phys_to_virt(head), next = p[0];
		if (p[1] != (head ^ 0x5a5a5a5a5a5a5a5aull))
			bad++;
		page_free_phys(head);
		head = next;
	}
	log_info("selftest frames: %llu frames allocated, highest 0x%llx, %llu bad, %llu free after (%llu before)\n",
		 (unsigned long long)count, (unsigned long long)highest,
		 (unsigned long long)bad, (unsigned long long)hv_frames.free_frames,
		 (unsigned long long)before);
	if (bad || count != before || hv_frames.free_frames != before)
		panic("selftest frames failed");
}

static void selftest_heap(void)
{
	void *blocks[64];
	uint64_t before = hv_frames.free_frames;

	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < ARRAY_SIZE(blocks); i++) {
			size_t size = (size_t)1 << (i % 15);
			blocks[i] = kmalloc(size);
			if (!blocks[i])
				panic("selftest heap: kmalloc(%zu) failed", size);
			memset(blocks[i], (int)i, size);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(blocks); i++) {
			size_t size = (size_t)1 << (i % 15);
			const uint8_t *b = blocks[i];
			if (b[0] != (uint8_t)i || b[size - 1] != (uint8_t)i)
				panic("selftest heap: block %u overwritten", i);
			kfree(blocks[i]);
		}
	}
	/* Slab pages stay with the heap; large blocks must all come back. */
	log_info("selftest heap: ok, %llu frames kept by slabs\n",
		 (unsigned long long)(before - hv_frames.free_frames));
}

/* Provokes faults on purpose so the tests can check the panic report. */
static void selftest_fault_ud(void)
{
	__asm__ volatile("ud2");
}

static void selftest_fault_pf(void)
{
	/* Low addresses are unmapped once the boot identity map is gone. */
	*(volatile uint64_t *)0xdead000 = 1;
}

static void selftest_entry_failure(void)
{
	if (!hvm || !hvm->selftest_entry_failure) {
		log_warn("selftest vmx-entry-fail: not available with the %s backend\n",
			 hvm ? hvm->name : "(no)");
		return;
	}
	hvm->selftest_entry_failure();
}

static const struct {
	const char *name;
	void (*run)(void);
} selftests[] = {
	{ "vmx-entry-fail", selftest_entry_failure },
	{ "frames", selftest_frames },
	{ "heap", selftest_heap },
	{ "ud", selftest_fault_ud },
	{ "pf", selftest_fault_pf },
};

void selftest_run(const char *cmdline)
{
	char list[128];

	if (!cmdline_get(cmdline, "selftest", list, sizeof(list)))
		return;
	for (char *name = list; *name;) {
		char *comma = strchr(name, ',');
		if (comma)
			*comma = '\0';
		unsigned i = 0;
		while (i < ARRAY_SIZE(selftests) && strcmp(name, selftests[i].name) != 0)
			i++;
		if (i == ARRAY_SIZE(selftests))
			log_warn("selftest: unknown test '%s'\n", name);
		else
			selftests[i].run();
		if (!comma)
			break;
		name = comma + 1;
	}
}
