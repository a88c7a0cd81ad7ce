/*
 * hvdev-check: conformance checks of /dev/hv, run in dom0 (the initramfs
 * self-test runs it). They hold for any correct module + hypervisor pair:
 * argument limits, bad and kernel pointers refused with EFAULT, unknown
 * hypercalls refused, log reads in small chunks equal one big read, the
 * domain list and info agree, the domain management calls refuse bad
 * configurations and dom0 itself, read()/poll() block when no event is
 * pending, and the I/O ring set-up refuses what it must (raw KHC_IOREQ_SETUP
 * and event port calls, bad geometry, clients that cannot be served) and
 * keeps nothing when the hypervisor refuses (mmap then fails), the
 * weight call is passed through, and foreign mappings: raw map/unmap
 * hypercalls refused, bad requests refused, a scratch domain's RAM
 * written and read back through mappings (mmap once, whole, shared; no
 * split; moved by mremap; alive after the domain is destroyed), and
 * exactly KESTREL_FOREIGN_MAPS_MAX mappings at once, given back when the
 * file is closed. One "hvdev-check: PASS name" / "hvdev-check: FAIL name: why"
 * line per check (prefixed, so that test harnesses counting "PASS " lines
 * in a serial log do not count them), then
 * "HVDEV-CHECK: PASS" or "HVDEV-CHECK: FAIL N"; exit status 0 or 1.
 */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hv/ioreq.h"
#include "hvdev.h"
#include "libhv.h"

static int failures;
static int fd;

static void result(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("hvdev-check: PASS %s\n", name);
		return;
	}
	failures++;
	printf("hvdev-check: FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The raw ioctl: 0 or -errno; *res gets the hypercall's result. */
static int raw(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, int64_t *res)
{
	uint64_t args[6] = { a0, a1, a2, 0, 0, 0 };
	int64_t dummy;

	return hv_hypercall(fd, nr, args, res ? res : &dummy);
}

static void expect_refused(const char *name, int want, uint64_t nr, uint64_t a0, uint64_t a1,
			   uint64_t a2)
{
	int err = raw(nr, a0, a1, a2, NULL);

	result(name, err == -want, "ioctl returned %d (%s), expected -%s", err,
	       err ? strerror(-err) : "made the call", strerror(want));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Neither user space (low addresses, unmapped) nor the kernel's own memory
 * may be handed to the hypervisor through the module. */
#define BAD_USER ((uint64_t)8)
#define KERNEL_ADDR ((uint64_t)0xffffffff81000000ull)

static void check_basics(void)
{
	static const uint64_t values[] = { 0, 1, 0x8000000000000000ull, 0xffffffffffffffffull,
					   0x0123456789abcdefull };
	uint32_t abi = 0;
	uint64_t out;
	size_t i;
	int ok = 1, err;

	err = hv_version(fd, &abi);
	result("version", err == 0 && abi >> 16 == KESTREL_ABI_MAJOR,
	       "err %d, ABI %#x, expected major %u", err, abi, KESTREL_ABI_MAJOR);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (hv_echo(fd, values[i], &out) != 0 || out != values[i])
			ok = 0;
	result("echo", ok, "a value did not come back unchanged");
	expect_refused("unknown-hypercall", EINVAL, KHC_COUNT + 100, 0, 0, 0);
	expect_refused("huge-hypercall-number", EINVAL, 0xffffffffffffffffull, 0, 0, 0);
	err = ioctl(fd, HV_IOCTL_HYPERCALL, NULL) < 0 ? -errno : 0;
	result("ioctl-bad-struct", err == -EFAULT, "ioctl(NULL) returned %d", err);
	err = ioctl(fd, _IO(HV_IOCTL_MAGIC, 0x77), 0) < 0 ? -errno : 0;
	result("ioctl-unknown", err == -ENOTTY, "unknown ioctl returned %d", err);
}

static void check_limits_and_pointers(void)
{
	static char buf[HV_LOG_READ_MAX + 1];
	static struct kestrel_domain_info doms[HV_DOMAIN_LIST_MAX + 1];
	uint64_t pos = 0;

	expect_refused("console-write-limit", EINVAL, KHC_CONSOLE_WRITE, (uintptr_t)buf,
		       HV_CONSOLE_WRITE_MAX + 1, 0);
	expect_refused("log-read-limit", EINVAL, KHC_LOG_READ, (uintptr_t)buf, HV_LOG_READ_MAX + 1,
		       (uintptr_t)&pos);
	expect_refused("domain-list-limit", EINVAL, KHC_DOMAIN_LIST, (uintptr_t)doms,
		       HV_DOMAIN_LIST_MAX + 1, 0);
	expect_refused("console-write-bad-buffer", EFAULT, KHC_CONSOLE_WRITE, BAD_USER, 16, 0);
	expect_refused("console-write-kernel-buffer", EFAULT, KHC_CONSOLE_WRITE, KERNEL_ADDR, 16, 0);
	expect_refused("log-read-bad-pos", EFAULT, KHC_LOG_READ, (uintptr_t)buf, 16, BAD_USER);
	expect_refused("log-read-kernel-pos", EFAULT, KHC_LOG_READ, (uintptr_t)buf, 16, KERNEL_ADDR);
	pos = 0;
	expect_refused("log-read-bad-buffer", EFAULT, KHC_LOG_READ, BAD_USER, 16, (uintptr_t)&pos);
	pos = 0;
	expect_refused("log-read-kernel-buffer", EFAULT, KHC_LOG_READ, KERNEL_ADDR, 16,
		       (uintptr_t)&pos);
	expect_refused("domain-list-bad-buffer", EFAULT, KHC_DOMAIN_LIST, BAD_USER, 4, 0);
	expect_refused("domain-list-kernel-buffer", EFAULT, KHC_DOMAIN_LIST, KERNEL_ADDR, 4, 0);
	expect_refused("domain-info-bad-buffer", EFAULT, KHC_DOMAIN_INFO, 0, BAD_USER, 0);
	expect_refused("domain-info-kernel-buffer", EFAULT, KHC_DOMAIN_INFO, 0, KERNEL_ADDR, 0);
}

/* KHC_DOMAIN_CREATE and KHC_DOMAIN_LOAD: the module's copies and limits
 * (refused before any call, so domid 0 is never touched) and the
 * hypervisor's checks of the configuration (refused, nothing created). */
static void check_domain_management(void)
{
	static char image[64], cmdline[KESTREL_CMDLINE_MAX + 1];
	struct kestrel_domain_config cfg;
	int64_t before, after, r;
	int err;

	expect_refused("domain-create-bad-config", EFAULT, KHC_DOMAIN_CREATE, BAD_USER, 0, 0);
	/* KHC_VCPU_SET_REGS: the struct is copied in; KHC_MEMORY_POPULATE:
	 * numbers only, passed through for the hypervisor to refuse. */
	expect_refused("vcpu-set-regs-bad-regs", EFAULT, KHC_VCPU_SET_REGS, 999, 0, BAD_USER);
	expect_refused("vcpu-set-regs-kernel-regs", EFAULT, KHC_VCPU_SET_REGS, 999, 0, KERNEL_ADDR);
	{
		struct kestrel_vcpu_regs regs = { .rflags = KESTREL_RFLAGS_FIXED1 };
		err = raw(KHC_VCPU_SET_REGS, 999, 0, (uintptr_t)&regs, &r);
		result("vcpu-set-regs-passed", err == 0 && r == -ESRCH,
		       "ioctl returned %d, result %" PRId64 " (expected -ESRCH)", err, r);
		err = raw(KHC_MEMORY_POPULATE, 999, 0x40000, 1, &r);
		result("memory-populate-passed", err == 0 && r == -ESRCH,
		       "ioctl returned %d, result %" PRId64 " (expected -ESRCH)", err, r);
		err = raw(KHC_MEMORY_POPULATE, 0, 0x40000, 1, &r);
		result("memory-populate-dom0", err == 0 && r == -ESRCH,
		       "ioctl returned %d, result %" PRId64 " (expected -ESRCH: not dom0 itself)", err,
		       r);
	}
	expect_refused("domain-create-kernel-config", EFAULT, KHC_DOMAIN_CREATE, KERNEL_ADDR, 0, 0);
	expect_refused("domain-load-image-limit", E2BIG, KHC_DOMAIN_LOAD, 0, (uintptr_t)image,
		       (uint64_t)KESTREL_IMAGE_MAX + 1);
	expect_refused("domain-load-bad-image", EFAULT, KHC_DOMAIN_LOAD, 0, BAD_USER, 4096);
	expect_refused("domain-load-kernel-image", EFAULT, KHC_DOMAIN_LOAD, 0, KERNEL_ADDR, 4096);
	{
		uint64_t args[6] = { 0, (uintptr_t)image, sizeof(image), BAD_USER, 0, 0 };
		int64_t res;

		err = hv_hypercall(fd, KHC_DOMAIN_LOAD, args, &res);
		result("domain-load-bad-cmdline", err == -EFAULT, "ioctl returned %d", err);
		memset(cmdline, 'x', KESTREL_CMDLINE_MAX); /* 1024 bytes, no NUL among them */
		args[3] = (uintptr_t)cmdline;
		err = hv_hypercall(fd, KHC_DOMAIN_LOAD, args, &res);
		result("domain-load-cmdline-limit", err == -E2BIG, "ioctl returned %d", err);
		cmdline[KESTREL_CMDLINE_MAX - 1] = 0; /* 1023 + NUL: passes the module */
		err = hv_hypercall(fd, KHC_DOMAIN_LOAD, args, &res);
		result("domain-load-dom0", err == 0 && res == -ESRCH,
		       "loading into dom0: ioctl %d, result %" PRId64 ", expected -ESRCH", err, res);
	}

	before = hv_domain_list(fd, NULL, 0);
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "hvdev-check");
	cfg.mem_bytes = 8u << 20;
	cfg.vcpus = 0;
	r = hv_domain_create(fd, &cfg);
	result("domain-create-no-vcpus", r == -EINVAL, "returned %" PRId64, r);
	cfg.vcpus = 1;
	cfg.mem_bytes = KESTREL_DOMAIN_MIN_MEM - 1;
	r = hv_domain_create(fd, &cfg);
	result("domain-create-too-small", r == -EINVAL, "returned %" PRId64, r);
	cfg.mem_bytes = 8u << 20;
	cfg.name[0] = 0;
	r = hv_domain_create(fd, &cfg);
	result("domain-create-no-name", r == -EINVAL, "returned %" PRId64, r);
	cfg.name[0] = 'h';
	cfg.flags = 1;
	r = hv_domain_create(fd, &cfg);
	result("domain-create-flags", r == -EINVAL, "returned %" PRId64, r);
	after = hv_domain_list(fd, NULL, 0);
	result("domain-create-nothing-left", before == after,
	       "%" PRId64 " domains before the refused creations, %" PRId64 " after", before, after);

	r = hv_domain_destroy(fd, 0);
	result("domain-destroy-dom0", r == -ESRCH, "returned %" PRId64, r);
	r = hv_domain_pause(fd, 0);
	result("domain-pause-dom0", r == -ESRCH, "returned %" PRId64, r);
	r = hv_domain_unpause(fd, 0);
	result("domain-unpause-dom0", r == -ESRCH, "returned %" PRId64, r);
	r = hv_domain_destroy(fd, 0xfffffff0u);
	result("domain-destroy-missing", r == -ESRCH, "returned %" PRId64, r);
}

static void check_console(void)
{
	static const char msg[] = "hvdev-check: console write through /dev/hv\n";
	int64_t n = hv_console_write(fd, msg, sizeof(msg) - 1);

	result("console-write", n == (int64_t)(sizeof(msg) - 1), "returned %" PRId64 " for %zu bytes",
	       n, sizeof(msg) - 1);
}

/* Small chunks (and a chunk size that splits lines) give the same bytes as
 * one big read. The ring may be full and move on between the two (its
 * oldest bytes dropped as new lines arrive), so the chunks start in the
 * middle of what the big read returned, at the position it reported. */
static void check_log(void)
{
	static char big[HV_LOG_READ_MAX], small[HV_LOG_READ_MAX];
	uint64_t pos = 0, spos;
	int64_t n, bigl, smalll = 0, off;

	bigl = hv_log_read(fd, big, sizeof(big), &pos);
	if (bigl < 0) {
		result("log-read", 0, "KHC_LOG_READ failed: %s", strerror((int)-bigl));
		return;
	}
	result("log-read", bigl > 0 && pos >= (uint64_t)bigl, "read %" PRId64 " bytes, pos %" PRIu64,
	       bigl, pos);
	off = bigl / 2;
	spos = pos - (uint64_t)bigl + (uint64_t)off;
	while (smalll < bigl - off) {
		n = hv_log_read(fd, small + smalll, 7, &spos);
		if (n <= 0 || n > 7)
			break;
		smalll += n;
	}
	result("log-read-chunks",
	       smalll >= bigl - off && memcmp(big + off, small, (size_t)(bigl - off)) == 0,
	       "7-byte reads gave %" PRId64 " bytes, one read %" PRId64 ", or they differ", smalll,
	       bigl - off);
	n = hv_log_read(fd, small, 0, &spos);
	result("log-read-empty-buffer", n == 0, "a 0-byte read returned %" PRId64, n);
}

static void check_domains(void)
{
	static struct kestrel_domain_info doms[HV_DOMAIN_LIST_MAX];
	struct kestrel_domain_info info;
	int64_t count, n, i;
	int err, found = 0;

	count = hv_domain_list(fd, NULL, 0);
	result("domain-list-count", count >= 1, "KHC_DOMAIN_LIST(max 0) returned %" PRId64, count);
	n = hv_domain_list(fd, doms, HV_DOMAIN_LIST_MAX);
	for (i = 0; i < n && i < HV_DOMAIN_LIST_MAX; i++)
		if (doms[i].id == 0)
			found = 1;
	result("domain-list-dom0", n >= 1 && found, "%" PRId64 " domains, dom0 %s", n,
	       found ? "listed" : "missing");
	memset(&info, 0xa5, sizeof(info));
	err = hv_domain_info(fd, 0, &info);
	result("domain-info-dom0",
	       err == 0 && info.id == 0 && (info.flags & KESTREL_DOMAIN_PRIVILEGED) &&
		       memchr(info.name, 0, sizeof(info.name)) && info.vcpus >= 1 && info.mem_bytes &&
		       info.verdict == -1,
	       "err %d, id %u, flags %#x, vcpus %u, verdict %d", err, info.id, info.flags, info.vcpus,
	       info.verdict);
	err = hv_domain_info(fd, 0xfffffff0u, &info);
	result("domain-info-missing", err < 0, "KHC_DOMAIN_INFO(0xfffffff0) returned %d", err);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void check_events(void)
{
	struct sigaction sa;
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 300000 } };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;
	uint32_t small;
	double t0;
	int flags, r;

	r = read(fd, &small, sizeof(small)) < 0 ? -errno : 0;
	result("read-short-buffer", r == -EINVAL, "a 4-byte read returned %d", r);
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	r = read(fd, &v, sizeof(v)) < 0 ? -errno : 0;
	fcntl(fd, F_SETFL, flags);
	result("read-nonblock", r == -EAGAIN, "a non-blocking read with no event returned %d", r);
	t0 = now();
	r = poll(&p, 1, 300);
	result("poll-blocks", r == 0 && now() - t0 >= 0.25,
	       "poll returned %d after %.3f s (revents %#x)", r, now() - t0, p.revents);
	/* A blocking read sleeps until a signal (no SA_RESTART) ends it. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	t0 = now();
	setitimer(ITIMER_REAL, &it, NULL);
	r = read(fd, &v, sizeof(v)) < 0 ? -errno : 0;
	result("read-blocks", r == -EINTR && now() - t0 >= 0.25,
	       "read returned %d after %.3f s, expected EINTR after 0.3 s", r, now() - t0);
	signal(SIGALRM, SIG_DFL);
}

/* HV_IOCTL_IOREQ_SETUP: 0 or -errno; the struct is filled in. */
static int setup(uint32_t client, uint32_t vcpus, uint32_t entries, uint32_t flags,
		 struct hv_ioreq_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->client = client;
	s->vcpus = vcpus;
	s->ring_entries = entries;
	s->flags = flags;
	return ioctl(fd, HV_IOCTL_IOREQ_SETUP, s) < 0 ? -errno : 0;
}

/* The ring set-up (a real one is hvdm's, in the self-test). */
static void check_ioreq(void)
{
	static const struct {
		const char *name;
		uint32_t vcpus, entries, flags;
	} bad[] = {
		{ "ioreq-setup-no-vcpus", 0, 64, 0 },
		{ "ioreq-setup-too-many-vcpus", IOREQ_MAX_VCPUS + 1, 64, 0 },
		{ "ioreq-setup-ring-not-power-of-two", 1, 48, 0 },
		{ "ioreq-setup-ring-too-small", 1, 1, 0 },
		{ "ioreq-setup-ring-too-big", 1, IOREQ_MAX_RING_ENTRIES * 2, 0 },
		{ "ioreq-setup-bad-flags", 1, 64, 2 },
	};
	struct hv_ioreq_setup s;
	int64_t res = 0;
	size_t i;
	void *p;
	int err;

	expect_refused("raw-ioreq-setup", EINVAL, KHC_IOREQ_SETUP, 1, 0x1000, 0x1000);
	expect_refused("raw-event-bind", EINVAL, KHC_EVENT_BIND, 1, 5, 0);
	expect_refused("raw-event-unbind", EINVAL, KHC_EVENT_UNBIND, 0, 0, 0);
	/* Numbers only: passed through, for the hypervisor to refuse. */
	err = raw(KHC_IOREQ_COMPLETE, 999, 0, 0, &res);
	result("ioreq-complete-passed", err == 0 && res < 0,
	       "ioctl returned %d, result %" PRId64 " (expected the hypervisor's error)", err, res);
	err = hv_hypercall(fd, KHC_IOREQ_ROUTE, (const uint64_t[6]){ 999, 0, 0x500, 0x50f, 0, 0 },
			   &res);
	result("ioreq-route-passed", err == 0 && res < 0,
	       "ioctl returned %d, result %" PRId64 " (expected the hypervisor's error)", err, res);
	err = raw(KHC_EVENT_NOTIFY, 999, 0, 0, &res);
	result("event-notify-passed", err == 0 && res < 0,
	       "ioctl returned %d, result %" PRId64 " (expected the hypervisor's error)", err, res);

	err = ioctl(fd, HV_IOCTL_IOREQ_SETUP, NULL) < 0 ? -errno : 0;
	result("ioreq-setup-bad-struct", err == -EFAULT, "ioctl(NULL) returned %d", err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = setup(999, bad[i].vcpus, bad[i].entries, bad[i].flags, &s);
		result(bad[i].name, err == -EINVAL, "returned %d, expected -EINVAL", err);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	result("mmap-before-setup", err == -ENODEV, "mmap returned %d, expected -ENODEV", err);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	/* No such client, and dom0 itself: the hypervisor refuses, nothing is kept. */
	for (i = 0; i < 2; i++) {
		uint32_t client = i ? 0 : 999;

		err = setup(client, 1, 64, 0, &s);
		result(i ? "ioreq-setup-dom0" : "ioreq-setup-no-client",
		       err == 0 && s.failed != 0 && s.result < 0,
		       "client %" PRIu32 ": ioctl returned %d, failed %" PRIu64 ", result %" PRId64,
		       client, err, (uint64_t)s.failed, (int64_t)s.result);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		err = p == MAP_FAILED ? -errno : 0;
		result(i ? "mmap-after-refusal-dom0" : "mmap-after-refusal", err == -ENODEV,
		       "mmap returned %d, expected -ENODEV", err);
		if (p != MAP_FAILED)
			munmap(p, 4096);
	}
}

/* HV_IOCTL_FOREIGN_MAP on file f: 0 or -errno; *offset gets the offset. */
static int fmap(int f, uint32_t domid, uint64_t gfn, uint64_t count, uint32_t flags,
		uint64_t *offset)
{
	struct hv_foreign_map m = { .domid = domid, .flags = flags, .gfn = gfn, .count = count };
	int err = ioctl(f, HV_IOCTL_FOREIGN_MAP, &m) < 0 ? -errno : 0;

	if (offset)
		*offset = m.offset;
	return err;
}

static void expect_fmap_refused(const char *name, int want, uint32_t domid, uint64_t gfn,
				uint64_t count, uint32_t flags)
{
	int err = fmap(fd, domid, gfn, count, flags, NULL);

	result(name, err == -want, "HV_IOCTL_FOREIGN_MAP returned %d (%s), expected -%s", err,
	       err ? strerror(-err) : "mapped", strerror(want));
}

/* mmap of the foreign mapping at offset: the address, or NULL with *err. */
static volatile uint32_t *fmmap(uint64_t offset, size_t len, int prot, int flags, int *err)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)offset);

	*err = p == MAP_FAILED ? -errno : 0;
	return p == MAP_FAILED ? NULL : p;
}

/* Words i * 1024 (one per page) of a mapping hold pattern + i. */
static int pattern_ok(volatile uint32_t *w, unsigned pages, uint32_t pattern)
{
	unsigned i;

	for (i = 0; i < pages; i++)
		if (w[i * 1024] != pattern + i)
			return 0;
	return 1;
}

static void check_foreign(void)
{
	const uint32_t pattern = 0x5eed0000;
	struct kestrel_domain_config cfg;
	volatile uint32_t *w, *w2;
	uint64_t off, off2;
	int64_t dom, res;
	void *moved;
	int err, f2, n;
	unsigned i;

	expect_refused("raw-map-foreign", EINVAL, KHC_MEMORY_MAP_FOREIGN, 1, 0, 1);
	expect_refused("raw-unmap-foreign", EINVAL, KHC_MEMORY_UNMAP_FOREIGN, 0x100000, 0, 0);
	err = raw(KHC_DOMAIN_SET_WEIGHT, 0xfffffff0u, 256, 0, &res);
	result("set-weight-passed", err == 0 && res == -ESRCH,
	       "ioctl returned %d, result %" PRId64 " (expected -ESRCH)", err, res);
	err = raw(KHC_DOMAIN_SET_WEIGHT, 0, 256, 0, &res);
	result("set-weight-dom0", err == 0 && res == -ESRCH,
	       "ioctl returned %d, result %" PRId64 " (expected -ESRCH: not dom0 itself)", err, res);
	err = ioctl(fd, HV_IOCTL_FOREIGN_MAP, NULL) < 0 ? -errno : 0;
	result("foreign-map-bad-struct", err == -EFAULT, "ioctl(NULL) returned %d", err);
	expect_fmap_refused("foreign-map-count-0", EINVAL, 1, 0, 0, 0);
	expect_fmap_refused("foreign-map-count-over-limit", EINVAL, 1, 0,
			    KESTREL_FOREIGN_MAP_PAGES_MAX + 1, 0);
	expect_fmap_refused("foreign-map-huge-count", EINVAL, 1, 0, 0x8000000000000000ull, 0);
	expect_fmap_refused("foreign-map-past-gfn-limit", EINVAL, 1, KESTREL_GFN_LIMIT - 1, 2, 0);
	expect_fmap_refused("foreign-map-flags", EINVAL, 1, 0, 1, 1);
	expect_fmap_refused("foreign-map-no-domain", ESRCH, 0xfffffff0u, 0, 1, 0);
	expect_fmap_refused("foreign-map-dom0", ESRCH, 0, 0, 1, 0);
	w = fmmap(HV_FOREIGN_MMAP_BASE, 4096, PROT_READ, MAP_SHARED, &err);
	result("foreign-mmap-unknown-offset", err == -EINVAL, "mmap returned %d, expected -EINVAL",
	       err);

	/* A scratch domain (created, never loaded or run) to map. */
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "hvdev-check-fm");
	cfg.mem_bytes = KESTREL_DOMAIN_MIN_MEM;
	cfg.vcpus = 1;
	dom = hv_domain_create(fd, &cfg);
	result("foreign-scratch-domain", dom > 0, "KHC_DOMAIN_CREATE returned %" PRId64, dom);
	if (dom <= 0)
		return;
	expect_fmap_refused("foreign-map-beyond-ram", EINVAL, (uint32_t)dom,
			    KESTREL_DOMAIN_MIN_MEM >> 12, 1, 0);
	expect_fmap_refused("foreign-map-across-ram-end", EINVAL, (uint32_t)dom,
			    (KESTREL_DOMAIN_MIN_MEM >> 12) - 1, 2, 0);
	err = fmap(fd, (uint32_t)dom, 0x10, 4, 0, &off);
	result("foreign-map", err == 0 && off >= HV_FOREIGN_MMAP_BASE && off % 4096 == 0,
	       "returned %d, offset %#" PRIx64, err, off);
	if (err)
		goto out;
	w = fmmap(off, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	result("foreign-mmap-short", err == -EINVAL, "mmap of 3 of 4 pages returned %d", err);
	w = fmmap(off, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, &err);
	result("foreign-mmap-private", err == -EINVAL, "MAP_PRIVATE returned %d", err);
	w = fmmap(off, 4 * 4096, PROT_READ | PROT_EXEC, MAP_SHARED, &err);
	result("foreign-mmap-exec", err == -EINVAL, "PROT_EXEC returned %d", err);
	w = fmmap(off, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	result("foreign-mmap", w != NULL, "mmap returned %d", err);
	if (!w)
		goto out;
	for (i = 0; i < 4; i++)
		w[i * 1024] = pattern + i;
	w2 = fmmap(off, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	result("foreign-mmap-twice", err == -EBUSY, "a second mmap returned %d", err);
	err = munmap((void *)(w + 1024), 4096) < 0 ? -errno : 0;
	result("foreign-munmap-part", err == -EINVAL, "munmap of page 1 of 4 returned %d", err);
	err = mprotect((void *)w, 4096, PROT_READ) < 0 ? -errno : 0;
	result("foreign-mprotect-part", err == -EINVAL, "mprotect of page 0 of 4 returned %d", err);
	/* mremap moves it (the old VMA closes after the new one opens). */
	moved = mremap((void *)w, 4 * 4096, 4 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
		       (char *)mmap(NULL, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	if (moved != MAP_FAILED)
		w = moved;
	result("foreign-mremap", moved != MAP_FAILED && pattern_ok(w, 4, pattern),
	       "mremap %s, or the pattern is gone", moved == MAP_FAILED ? strerror(errno) : "worked");
	err = munmap((void *)w, 4 * 4096) < 0 ? -errno : 0;
	result("foreign-munmap", err == 0, "munmap returned %d", err);
	/* A fresh mapping of the same pages, shifted by one: the words stayed in the domain. */
	err = fmap(fd, (uint32_t)dom, 0x11, 3, 0, &off2);
	w2 = err ? NULL : fmmap(off2, 3 * 4096, PROT_READ, MAP_SHARED, &err);
	result("foreign-remap-sees-writes", w2 && pattern_ok(w2, 3, pattern + 1),
	       "err %d, or the words written through the first mapping are not there", err);
	/* Destroyed while mapped: its frames stay until the unmap. */
	if (w2) {
		res = hv_domain_destroy(fd, (uint32_t)dom);
		result("foreign-destroy-while-mapped",
		       res == 0 && pattern_ok(w2, 3, pattern + 1) &&
			       hv_domain_info(fd, (uint32_t)dom, &(struct kestrel_domain_info){ 0 }) ==
				       -ESRCH,
		       "destroy returned %" PRId64 ", or the mapping changed, or the domain is listed",
		       res);
		dom = 0;
		munmap((void *)w2, 3 * 4096);
	}
out:
	if (dom > 0)
		hv_domain_destroy(fd, (uint32_t)dom);

	/* The hypervisor's limit, all mappings of one file never mmapped;
	 * closing it ends them (none may be left: run again, the same). */
	dom = hv_domain_create(fd, &cfg);
	if (dom <= 0) {
		result("foreign-limit", 0, "KHC_DOMAIN_CREATE returned %" PRId64, dom);
		return;
	}
	for (int round = 0; round < 2; round++) {
		f2 = hv_open();
		for (n = 0; n <= (int)KESTREL_FOREIGN_MAPS_MAX; n++) {
			err = fmap(f2, (uint32_t)dom, 0, 1, 0, NULL);
			if (err)
				break;
		}
		hv_close(f2);
		result(round ? "foreign-limit-after-close" : "foreign-limit",
		       n == (int)KESTREL_FOREIGN_MAPS_MAX && err == -ENOSPC,
		       "%d mappings, then %d (expected %u, then -ENOSPC)", n, err,
		       KESTREL_FOREIGN_MAPS_MAX);
	}
	hv_domain_destroy(fd, (uint32_t)dom);
}

int main(void)
{
	fd = hv_open();
	if (fd < 0) {
		printf("HVDEV-CHECK: FAIL cannot open %s: %s\n", HV_DEVICE_PATH, strerror(-fd));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_basics();
	check_limits_and_pointers();
	check_console();
	check_log();
	check_domains();
	check_domain_management();
	check_events();
	check_ioreq();
	check_foreign();
	hv_close(fd);
	if (failures)
		printf("HVDEV-CHECK: FAIL %d\n", failures);
	else
		printf("HVDEV-CHECK: PASS\n");
	return failures ? 1 : 0;
}
