#include "hv/testrun.h"

#include "hv/cmdline.h"
#include "hv/domain.h"
#include "hv/domcycle.h"
#include "hv/foreign.h"
#include "hv/format.h"
#include "hv/guest_boot.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/smp.h"
#include "hv/string.h"
#include "hv/vcpu.h"

#define TEST_GUEST_RAM (32ull << 20)

/* How a test guest is expected to end (module option expect=...). */
enum expectation {
	EXPECT_VERDICT,      /* writes 0 to the verdict port */
	EXPECT_TRIPLE_FAULT, /* is killed for a triple fault */
	EXPECT_HALT,         /* stops in HLT with interrupts off */
	EXPECT_MEMORY_KILL,  /* is killed for touching what is not RAM */
	EXPECT_DM_KILL,      /* is killed because its device-model domain died */
};

struct test_module {
	char name[32];
	const char *cmdline; /* everything after the file name */
	enum expectation expect;
	unsigned vcpus;
	unsigned cpu;        /* home CPU (cpu=N), DOMAIN_CPU_ANY by default */
	unsigned weight;     /* weight=N (hv/sched.h) */
	bool together;       /* runs at the same time as its neighbours so marked */
	bool privileged;     /* privileged: may manage other domains, as dom0 */
	char serves[32];     /* serve=NAME: the device-model domain of NAME, the
			      * next module (they run together) */
	bool expect_given;   /* expect= was said (a service must then end) */
};

/* A numeric module option, if given and within [min, max]. */
static bool module_u64(const char *cmdline, const char *key, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	char val[24] = "";
	uint64_t n;

	if (!cmdline_get(cmdline, key, val, sizeof(val)) || !cmdline_parse_u64(val, &n) ||
	    n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* "path/to/NAME.elf args..." (QEMU) or "NAME args..." (GRUB). */
static void parse_module_string(const char *s, struct test_module *t)
{
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
	cmdline_get(t->cmdline, "name", t->name, sizeof(t->name)); /* the same file twice */
	t->serves[0] = '\0';
	cmdline_get(t->cmdline, "serve", t->serves, sizeof(t->serves));

	uint64_t n = 1;
	module_u64(t->cmdline, "vcpus", 1, DOMAIN_MAX_VCPUS, &n);
	t->vcpus = (unsigned)n;
	n = DOMAIN_CPU_ANY;
	module_u64(t->cmdline, "cpu", 0, MAX_CPUS - 1, &n);
	t->cpu = (unsigned)n;
	n = SCHED_WEIGHT_DEFAULT;
	module_u64(t->cmdline, "weight", 1, SCHED_WEIGHT_MAX, &n);
	t->weight = (unsigned)n;
	t->together = cmdline_get(t->cmdline, "together", 0, 0);
	t->privileged = cmdline_get(t->cmdline, "privileged", 0, 0);
	char val[24] = "";
	t->expect_given = cmdline_get(t->cmdline, "expect", val, sizeof(val));
	t->expect = strcmp(val, "triple-fault") == 0 ? EXPECT_TRIPLE_FAULT
		  : strcmp(val, "halt") == 0	     ? EXPECT_HALT
		  : strcmp(val, "memory-kill") == 0  ? EXPECT_MEMORY_KILL
		  : strcmp(val, "dm-kill") == 0	     ? EXPECT_DM_KILL
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
	case EXPECT_DM_KILL:
		return d->state == DOMAIN_KILLED &&
		       strncmp(d->end_reason, "device model domain", 19) == 0;
	case EXPECT_HALT:
		return d->state == DOMAIN_FINISHED && d->verdict < 0 &&
		       strcmp(d->end_reason, "halted with interrupts disabled") == 0;
	default:
		return d->state == DOMAIN_FINISHED && d->verdict == 0;
	}
}

/* Guests that run at the same time (one, unless marked `together`). */
#define GROUP_MAX 8
struct test_guest {
	struct test_module t;
	struct domain *d;
	struct test_guest *client; /* serve=: the guest it serves */
	bool ok;
};

/* Creates one guest's domain, paused; false (FAIL logged) if it cannot. */
static bool create_guest(const struct boot_module *m, struct test_guest *g)
{
	parse_module_string(m->string, &g->t);
	g->d = domain_create_on(g->t.name, TEST_GUEST_RAM, g->t.vcpus, g->t.cpu);
	if (!g->d) {
		log_info("test %s: FAIL (could not create the domain)\n", g->t.name);
		return false;
	}
	g->d->weight = g->t.weight; /* paused: not running yet */
	g->d->privileged = g->t.privileged;
	if (g->d->privileged)
		foreign_window_place(g->d);
	log_info("test %s: starting in domain %u on CPU %u (%s)\n", g->t.name, g->d->id,
		 g->d->cpu, m->string);
	return true;
}

/* serve=NAME: the server becomes NAME's device-model domain. */
static bool link_service(struct test_guest *g, unsigned n, struct test_guest *svc)
{
	for (unsigned i = 0; i < n; i++) {
		if (&g[i] != svc && strcmp(g[i].t.name, svc->t.serves) == 0) {
			svc->client = &g[i];
			g[i].d->dm_domain = svc->d->id;
			return true;
		}
	}
	log_info("test %s: FAIL (serve=%s: no such guest runs with it)\n", svc->t.name,
		 svc->t.serves);
	return false;
}

/* Loads a created guest; its command line gains self=ID, and client=ID or
 * service=ID for a device-model pair. */
static bool load_guest(const struct boot_module *m, struct test_guest *g)
{
	char cmdline[512];
	const char *why = 0;
	int len = format_buf(cmdline, sizeof(cmdline), "%s self=%u", g->t.cmdline, g->d->id);

	if (len < 0 || (size_t)len >= sizeof(cmdline))
		len = sizeof(cmdline) - 1; /* a module string that long is cut */

	if (g->client)
		format_buf(cmdline + len, sizeof(cmdline) - (size_t)len, " client=%u", g->client->d->id);
	else if (g->d->dm_domain != DOMID_NONE)
		format_buf(cmdline + len, sizeof(cmdline) - (size_t)len, " service=%u", g->d->dm_domain);
	if (guest_boot_multiboot(g->d, phys_to_virt(m->start), m->end - m->start, cmdline, &why)) {
		log_info("test %s: FAIL (bad image: %s)\n", g->t.name, why);
		return false;
	}
	domain_loaded(g->d);
	/* A service sleeps until its client needs it; a client waits
	 * paused until its service unpauses it. */
	g->d->end_when_stuck = !g->client;
	return true;
}

static bool prepare_group(const struct boot_info *bi, unsigned first, unsigned n,
			  struct test_guest *g)
{
	for (unsigned i = 0; i < n; i++)
		if (!create_guest(&bi->modules[first + i], &g[i]))
			return false;
	for (unsigned i = 0; i < n; i++)
		if (g[i].t.serves[0] && !link_service(g, n, &g[i]))
			return false;
	for (unsigned i = 0; i < n; i++)
		if (!load_guest(&bi->modules[first + i], &g[i]))
			return false;
	return true;
}

/* A service passes if it is still serving, or ended as it was told to. */
static bool service_ok(const struct test_guest *g)
{
	if (!g->t.expect_given && g->d->state == DOMAIN_RUNNING)
		return true;
	return outcome_ok(g->d, g->t.expect);
}

static void log_cpu_stats(const uint64_t before[][2], unsigned ncpus)
{
	for (unsigned c = 0; c < ncpus; c++) {
		uint64_t slices, parallel;
		sched_cpu_stats(c, &slices, &parallel);
		log_info("sched: CPU %u ran %llu slices, %llu of them while another CPU was in a guest\n",
			 c, (unsigned long long)(slices - before[c][0]),
			 (unsigned long long)(parallel - before[c][1]));
	}
}

/* Runs guests together: all created and loaded, then all unpaused, each
 * on its home CPU (this one runs its share while it waits). */
static void run_group(struct test_guest *g, unsigned n)
{
	unsigned ncpus = smp_cpu_count();
	uint64_t before[MAX_CPUS][2];

	for (unsigned c = 0; c < ncpus; c++)
		sched_cpu_stats(c, &before[c][0], &before[c][1]);
	for (unsigned i = 0; i < n; i++)
		if (g[i].d->dm_domain == DOMID_NONE) /* its service unpauses a client */
			domain_unpause(g[i].d);
	for (unsigned i = 0; i < n; i++)
		if (!g[i].client) /* services serve until their clients are done */
			sched_run_until_done(g[i].d);
	for (unsigned i = 0; i < n; i++)
		if (g[i].client && g[i].t.expect_given) /* ...unless told how to end */
			sched_run_until_done(g[i].d);
	for (unsigned i = 0; i < n; i++) {
		struct domain *d = g[i].d;
		g[i].ok = g[i].client ? service_ok(&g[i]) : outcome_ok(d, g[i].t.expect);
		log_info("test %s: %s (%s; %llu exits)\n", g[i].t.name, g[i].ok ? "PASS" : "FAIL",
			 d->state == DOMAIN_RUNNING ? "still serving" : d->end_reason,
			 (unsigned long long)d->vcpus[0]->stats.exits);
	}
	if (n > 1)
		log_cpu_stats(before, ncpus);
}

/* Runs modules [first, first + n); counts passes and failures. Every frame
 * and heap block must come back; slab pages the heap grew by stay with it
 * for reuse and do not count as a leak. */
static void run_tests(const struct boot_info *bi, unsigned first, unsigned n, unsigned *passed,
		      unsigned *failed)
{
	struct test_guest g[GROUP_MAX];
	uint64_t frames_before = hv_frames.free_frames + heap_slab_frames();
	uint64_t blocks_before = heap_live_blocks();
	bool ready = true;

	memset(g, 0, sizeof(g));
	ready = prepare_group(bi, first, n, g);
	if (ready)
		run_group(g, n);
	for (unsigned i = 0; i < n; i++)
		if (g[i].d)
			domain_destroy(g[i].d);
	uint64_t frames_after = hv_frames.free_frames + heap_slab_frames();
	bool leak = frames_after != frames_before || heap_live_blocks() != blocks_before;
	if (leak)
		log_err("test %s: FAIL (leak: %lld frames, %lld heap blocks not returned)\n",
			g[0].t.name, (long long)(frames_before - frames_after),
			(long long)(heap_live_blocks() - blocks_before));
	for (unsigned i = 0; i < n; i++) {
		if (g[i].ok && !(leak && i == 0))
			(*passed)++;
		else
			(*failed)++;
	}
}

/* How many modules from `first` on run together (consecutive `together`). */
static unsigned group_size(const struct boot_info *bi, unsigned first)
{
	struct test_module t;
	unsigned n = 1;

	parse_module_string(bi->modules[first].string, &t);
	if (t.serves[0] && first + 1 < bi->module_count)
		return 2; /* a device-model domain and its client */
	while (t.together && first + n < bi->module_count && n < GROUP_MAX) {
		parse_module_string(bi->modules[first + n].string, &t);
		if (!t.together)
			break;
		n++;
	}
	return n;
}

void testrun(const struct boot_info *bi)
{
	unsigned passed = 0, failed = 0;

	for (unsigned i = 0; i < bi->module_count;) {
		struct test_module t;
		bool ok;
		parse_module_string(bi->modules[i].string, &t);
		if (domcycle_run(&bi->modules[i], t.cmdline, &ok)) {
			ok ? passed++ : failed++;
			i++;
			continue;
		}
		unsigned n = group_size(bi, i);
		run_tests(bi, i, n, &passed, &failed);
		i += n;
	}
	log_info("tests: %u passed, %u failed\n", passed, failed);
	machine_exit(failed || !passed ? MACHINE_TEST_FAILED : MACHINE_SUCCESS);
}
