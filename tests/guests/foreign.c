/*
 * foreign: a privileged test domain (module option `privileged`) maps the
 * RAM of a domain it creates into its foreign-map window
 * (KHC_MEMORY_MAP_FOREIGN, CPUID 0x40000002) and sets that domain's weight
 * (KHC_DOMAIN_SET_WEIGHT).
 *
 * Two mappings of the same target pages must show the same bytes; the
 * target's memory must outlive its destruction while mapped; mapping and
 * destroying more memory than the machine has, round after round, must
 * never run out (unmap gives the frames back); garbage is refused. Last,
 * with every check passed, it reads a page it has unmapped: the hypervisor
 * must kill it for that (expect=memory-kill), which fails if the page or a
 * stale TLB entry for it is still there.
 * A 64-bit guest: the map call takes four arguments, the window is above
 * 32 MiB of RAM, and the identity map covers 4 GiB.
 */
#include "guest.h"

#include "hv/abi.h"

const char guest_name[] = "foreign";

enum failure {
	FAIL_WINDOW = 1,
	FAIL_CREATE,
	FAIL_WEIGHT,
	FAIL_MAP,
	FAIL_ALIAS,
	FAIL_REFUSALS,
	FAIL_MAPS_LIMIT,
	FAIL_DESTROYED_KEPT,
	FAIL_UNMAP,
	FAIL_ROUNDS,
	FAIL_POPULATE,
	FAIL_STILL_MAPPED,
};

#define EINVAL 22
#define ESRCH 3
#define ENOENT 2
#define EEXIST 17
#define ENOSPC 28

#define TARGET_MEM (8ull << 20)
#define TARGET_GFN 0x100ull /* 1 MiB into the target */
#define PAGES 4ull
#define ROUND_MEM (32ull << 20)
#define ROUNDS_MAX 64 /* 2 GiB: more than a test machine has */

static uint64_t window, window_pages;

static int64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return hypercall6(nr, a0, a1, a2, a3, 0, 0);
}

static volatile uint32_t *local_page(uint64_t gfn)
{
	return (volatile uint32_t *)(uintptr_t)(gfn << 12);
}

static int64_t create(const char *name, uint64_t bytes)
{
	struct kestrel_domain_config cfg = { .mem_bytes = bytes, .vcpus = 1 };
	for (unsigned i = 0; name[i] && i < sizeof(cfg.name) - 1; i++)
		cfg.name[i] = name[i];
	return hc(KHC_DOMAIN_CREATE, (uint64_t)(uintptr_t)&cfg, 0, 0, 0);
}

static int64_t map(uint64_t domid, uint64_t gfn, uint64_t count, uint64_t local)
{
	return hc(KHC_MEMORY_MAP_FOREIGN, domid, gfn, count, local);
}

static int64_t unmap(uint64_t local)
{
	return hc(KHC_MEMORY_UNMAP_FOREIGN, local, 0, 0, 0);
}

static void fill(uint64_t gfn, uint32_t seed)
{
	for (uint64_t i = 0; i < PAGES * 1024; i++)
		local_page(gfn)[i] = seed + (uint32_t)i;
}

/* The index of the first word that is not seed + index, or -1. */
static int64_t first_mismatch(uint64_t gfn, uint32_t seed)
{
	for (uint64_t i = 0; i < PAGES * 1024; i++)
		if (local_page(gfn)[i] != seed + (uint32_t)i)
			return (int64_t)i;
	return -1;
}

static bool window_given(void)
{
	struct cpuid_regs r = cpuid(KESTREL_CPUID_FOREIGN_WINDOW, 0);
	window = r.eax | ((uint64_t)r.ebx << 32);
	window_pages = r.ecx;
	note("window at gfn 0x%llx, %llu pages", (unsigned long long)window,
	     (unsigned long long)window_pages);
	/* Above this guest's 32 MiB and reachable through its 4 GiB map. */
	return window_pages >= 1024 && window >= (32ull << 20) >> 12 &&
	       window + window_pages <= (4ull << 30) >> 12;
}

static void check_weight(uint64_t t)
{
	struct kestrel_domain_info info;
	int64_t r = hc(KHC_DOMAIN_SET_WEIGHT, t, 1024, 0, 0);
	int64_t i = hc(KHC_DOMAIN_INFO, t, (uint64_t)(uintptr_t)&info, 0, 0);
	check(r == 0 && i == 0 && info.weight == 1024, FAIL_WEIGHT,
	      "SET_WEIGHT(%llu, 1024) = %lld, then INFO says weight %u",
	      (unsigned long long)t, (long long)r, info.weight);
	check(hc(KHC_DOMAIN_SET_WEIGHT, t, 0, 0, 0) == -EINVAL &&
		      hc(KHC_DOMAIN_SET_WEIGHT, t, KESTREL_WEIGHT_MAX + 1, 0, 0) == -EINVAL &&
		      hc(KHC_DOMAIN_SET_WEIGHT, 0xfffff, 256, 0, 0) == -ESRCH,
	      FAIL_WEIGHT, "SET_WEIGHT refuses weight 0, %u and a domain that is not there",
	      KESTREL_WEIGHT_MAX + 1);
}

static void check_refusals(uint64_t t)
{
	uint64_t last = (TARGET_MEM >> 12) - 1;
	struct { int64_t got, want; const char *what; } c[] = {
		{ map(t, TARGET_GFN, 0, window + 64), -EINVAL, "map of no pages" },
		{ map(t, TARGET_GFN, KESTREL_FOREIGN_MAP_PAGES_MAX + 1, window + 64), -EINVAL, "map of too many pages" },
		{ map(t, TARGET_GFN, 1, window - 1), -EINVAL, "map below the window" },
		{ map(t, TARGET_GFN, 2, window + window_pages - 1), -EINVAL, "map across the window's end" },
		{ map(t, TARGET_GFN, 1, ~0ull), -EINVAL, "map at local gfn ~0" },
		{ map(t, last, 2, window + 64), -EINVAL, "map past the target's RAM" },
		{ map(t, ~0ull - 1, 2, window + 64), -EINVAL, "map of target gfns that wrap" },
		{ map(t, TARGET_GFN, 1, window + 2), -EEXIST, "map over a mapping" },
		{ map(0xfffff, TARGET_GFN, 1, window + 64), -ESRCH, "map of a domain that is not there" },
		{ unmap(window + 1), -ENOENT, "unmap inside a mapping" },
		{ unmap(0), -ENOENT, "unmap of own RAM" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++)
		check(c[i].got == c[i].want, FAIL_REFUSALS, "refused: %s: %lld (want %lld)",
		      c[i].what, (long long)c[i].got, (long long)c[i].want);
}

/* Fills the table of mappings up to its limit with one-page mappings. */
static void check_maps_limit(uint64_t t, unsigned held)
{
	uint64_t base = window + 1024;
	unsigned made = 0;
	while (made + held < KESTREL_FOREIGN_MAPS_MAX && map(t, TARGET_GFN, 1, base + made) == 0)
		made++;
	int64_t r = map(t, TARGET_GFN, 1, base + made);
	check(made + held == KESTREL_FOREIGN_MAPS_MAX && r == -ENOSPC, FAIL_MAPS_LIMIT,
	      "%u mappings held, the next one refused: %lld (want %d)", made + held, (long long)r,
	      -ENOSPC);
	unsigned unmapped = 0;
	for (unsigned i = 0; i < made; i++)
		unmapped += unmap(base + i) == 0;
	check(unmapped == made, FAIL_MAPS_LIMIT, "%u of the %u one-page mappings unmapped", unmapped, made);
}

/* How many ROUND_MEM domains fit at once (all destroyed again). */
static unsigned domains_that_fit(void)
{
	int64_t ids[ROUNDS_MAX];
	unsigned n = 0;
	while (n < ROUNDS_MAX && (ids[n] = create("foreign-fill", ROUND_MEM)) > 0)
		n++;
	for (unsigned i = 0; i < n; i++)
		hc(KHC_DOMAIN_DESTROY, (uint64_t)ids[i], 0, 0, 0);
	return n;
}

/* Memory of a target destroyed while mapped stays, and goes at the unmap:
 * two rounds more than fit in the machine at once, each a create, map,
 * destroy and unmap (or unmap and destroy), must not run out of memory. */
static void check_rounds(void)
{
	unsigned fit = domains_that_fit(), rounds = fit + 2, ok = 0;
	if (!check(fit > 0 && fit < ROUNDS_MAX, FAIL_ROUNDS, "%u domains of %llu MiB fit at once",
		   fit, (unsigned long long)(ROUND_MEM >> 20)))
		return;
	for (unsigned i = 0; i < rounds; i++) {
		int64_t t = create("foreign-round", ROUND_MEM);
		if (t < 0) {
			check(false, FAIL_ROUNDS, "round %u: create = %lld", i, (long long)t);
			return;
		}
		uint64_t local = window + 2048;
		int64_t m = map((uint64_t)t, (ROUND_MEM >> 12) - PAGES, PAGES, local);
		if (m == 0)
			local_page(local)[0] = i;
		int64_t d, u;
		if (i & 1) {
			d = hc(KHC_DOMAIN_DESTROY, (uint64_t)t, 0, 0, 0);
			u = unmap(local);
		} else {
			u = unmap(local);
			d = hc(KHC_DOMAIN_DESTROY, (uint64_t)t, 0, 0, 0);
		}
		if (m || d || u) {
			check(false, FAIL_ROUNDS, "round %u: map %lld, destroy %lld, unmap %lld", i,
			      (long long)m, (long long)d, (long long)u);
			return;
		}
		ok++;
	}
	check(ok == rounds, FAIL_ROUNDS, "%u rounds of %llu MiB created, mapped, destroyed and unmapped",
	      ok, (unsigned long long)(ROUND_MEM >> 20));
}

/* A populated hole becomes mappable, and reads zero. */
static void check_populate(uint64_t t)
{
	uint64_t hole = (TARGET_MEM >> 12) + 16, local = window + 4096;
	int64_t before = map(t, hole, 1, local);
	int64_t p = hc(KHC_MEMORY_POPULATE, t, hole, 1, 0);
	int64_t after = map(t, hole, 1, local);
	check(before == -EINVAL && p == 0 && after == 0 && local_page(local)[7] == 0 &&
		      unmap(local) == 0,
	      FAIL_POPULATE, "a hole: map %lld; populated: %lld, then map %lld reading zero",
	      (long long)before, (long long)p, (long long)after);
}

/* The end: a page read (so the TLB holds it), unmapped, read again. Its
 * domain is destroyed first, so that the unmap frees its memory: the test
 * runner counts frames after this domain is killed. */
static void check_touch_after_unmap(void)
{
	int64_t t = create("foreign-last", TARGET_MEM);
	uint64_t local = window + 8192;
	if (!check(t > 0 && map((uint64_t)t, TARGET_GFN, 1, local) == 0, FAIL_MAP,
		   "created domain %lld and mapped a page of it", (long long)t))
		return;
	volatile uint32_t *p = local_page(local);
	p[0] = 0x5eed;
	if (first_failure() ||
	    !check(p[0] == 0x5eed && hc(KHC_DOMAIN_DESTROY, (uint64_t)t, 0, 0, 0) == 0 &&
			   unmap(local) == 0,
		   FAIL_UNMAP, "wrote and read the page, destroyed its domain, unmapped it"))
		return;
	uint32_t stale = p[0];
	check(false, FAIL_STILL_MAPPED, "read an unmapped page and lived (it held 0x%x)", stale);
}

void guest_main(void)
{
	if (!check(window_given(), FAIL_WINDOW, "CPUID 0x40000002 gives a window above RAM"))
		return;
	int64_t t = create("foreign-target", TARGET_MEM);
	if (!check(t > 0, FAIL_CREATE, "created a target domain: %lld", (long long)t))
		return;
	check_weight((uint64_t)t);

	int64_t a = map((uint64_t)t, TARGET_GFN, PAGES, window);
	if (!check(a == 0, FAIL_MAP, "mapped %llu pages of domain %lld at gfn 0x%llx: %lld",
		   (unsigned long long)PAGES, (long long)t, (unsigned long long)window, (long long)a))
		return;
	fill(window, 0xf0000000u);
	int64_t b = map((uint64_t)t, TARGET_GFN, PAGES, window + 16);
	int64_t bad = b == 0 ? first_mismatch(window + 16, 0xf0000000u) : -2;
	check(bad < 0 && b == 0, FAIL_ALIAS, "a second mapping of the same pages reads what the "
	      "first wrote (map %lld, first bad word %lld)", (long long)b, (long long)bad);
	check_refusals((uint64_t)t);
	check_maps_limit((uint64_t)t, 2);
	check_populate((uint64_t)t);

	int64_t d = hc(KHC_DOMAIN_DESTROY, (uint64_t)t, 0, 0, 0);
	struct kestrel_domain_info info;
	int64_t gone = hc(KHC_DOMAIN_INFO, (uint64_t)t, (uint64_t)(uintptr_t)&info, 0, 0);
	fill(window, 0x0a000000u);
	bad = first_mismatch(window + 16, 0x0a000000u);
	check(d == 0 && gone == -ESRCH && bad < 0, FAIL_DESTROYED_KEPT,
	      "destroyed while mapped (%lld; INFO then %lld): both mappings still share its "
	      "memory (first bad word %lld)", (long long)d, (long long)gone, (long long)bad);
	check(unmap(window) == 0 && unmap(window) == -ENOENT, FAIL_UNMAP,
	      "unmap of the first mapping, then again: -ENOENT");
	bad = first_mismatch(window + 16, 0x0a000000u);
	check(bad < 0 && unmap(window + 16) == 0, FAIL_UNMAP,
	      "the second mapping outlives the first (first bad word %lld), then goes", (long long)bad);
	check_rounds();

	check_touch_after_unmap();
}
