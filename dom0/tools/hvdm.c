/*
 * hvdm: dom0's device model for one client domain. Serves the echo device
 * (dom0/dm/echodev.c, the same code as the ioservice test guest) through
 * the I/O request rings (hv/ioreq.h, service side of hv/ioreq_ring.c):
 *
 *   hvdm [-u] [-e ENTRIES] DOMID
 *
 * Sets up the client's page set through /dev/hv (HV_IOCTL_IOREQ_SETUP: one
 * slot per vCPU, ENTRIES posted entries, 64 by default), maps it, routes
 * ports 0x500-0x50f (synchronous), 0x510-0x513 (posted) and MMIO
 * 0xd0000000-0xd0000fff (synchronous) to itself; with -u it then unpauses
 * the client (so that no access can come before the routes). Then it
 * sleeps in poll() on /dev/hv until an event interrupt arrives, drains the
 * posted ring, answers every pending slot (KHC_IOREQ_COMPLETE), and sleeps
 * again. Once a second without events it asks whether the client still
 * runs: when it has finished, been killed or destroyed, hvdm prints what it
 * served and exits 0. Errors: one line on stderr, exit status 1 (2 for a
 * bad command line).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dom0/dm/echodev.h"
#include "hv/ioreq.h"
#include "hvctl_cli.h"
#include "hvdev.h"
#include "libhv.h"

#define HVDM_EXIT_FAIL 1
#define HVDM_EXIT_USAGE 2
#define HVDM_IDLE_MS 1000 /* liveness check of the client when no event came */

static const char usage[] = "usage: hvdm [-u] [-e ENTRIES] DOMID";

struct hvdm {
	int fd;
	uint32_t client;
	struct ioreq_service svc;
	struct echodev dev;
	uint64_t sync, posted, wakeups;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "hvdm: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return HVDM_EXIT_FAIL;
}

/* 1 when the client is finished, killed or destroyed, 0 when it may still
 * run, -errno when asking failed. *why says which. */
static int client_gone(struct hvdm *m, const char **why)
{
	struct kestrel_domain_info info;
	int err = hv_domain_info(m->fd, m->client, &info);

	if (err == -ESRCH) {
		*why = "destroyed";
		return 1;
	}
	if (err)
		return err;
	if (info.state == KESTREL_DOMAIN_FINISHED || info.state == KESTREL_DOMAIN_KILLED) {
		*why = hvctl_state_name(info.state);
		return 1;
	}
	return 0;
}

/*
 * Everything the client asked for so far: posted writes first (a read must
 * see every write the vCPU posted before it), then each vCPU's slot.
 * Returns 0, 1 when the client is gone (a completion found it destroyed),
 * or an exit status after printing the error.
 */
static int serve(struct hvdm *m)
{
	struct ioreq_request req;
	char what[80];
	uint32_t vcpu, seq;
	uint64_t data;
	int r;

	while ((r = ioreq_posted_pop(&m->svc, &req)) == IOREQ_OK) {
		echodev_access(&m->dev, &req);
		m->posted++;
	}
	if (r != IOREQ_EAGAIN)
		return die("posted ring", r);
	for (vcpu = 0; vcpu < m->svc.vcpu_slots; vcpu++) {
		r = ioreq_slot_take(&m->svc, vcpu, &req, &seq);
		if (r == IOREQ_EAGAIN)
			continue;
		if (r != IOREQ_OK)
			return die("slot", r);
		data = echodev_access(&m->dev, &req);
		r = ioreq_slot_finish(&m->svc, vcpu, seq, data);
		if (r != IOREQ_OK) {
			snprintf(what, sizeof(what), "vCPU %" PRIu32 " slot", vcpu);
			return die(what, r);
		}
		r = hv_ioreq_complete(m->fd, m->client, vcpu);
		if (r == -ESRCH)
			return 1;
		if (r) {
			snprintf(what, sizeof(what), "KHC_IOREQ_COMPLETE(%" PRIu32 ", %" PRIu32 ")",
				 m->client, vcpu);
			return die(what, r);
		}
		m->sync++;
	}
	return 0;
}

static int parse_entries(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v < 2 || v > IOREQ_MAX_RING_ENTRIES || (v & (v - 1)))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct {
		uint32_t type;
		uint64_t first, last;
		uint32_t flags;
	} routes[] = {
		{ IOREQ_TYPE_PORT, ECHODEV_PORT_BASE, ECHODEV_PORT_LAST, 0 },
		{ IOREQ_TYPE_PORT, ECHODEV_POSTED_BASE, ECHODEV_POSTED_LAST, KESTREL_ROUTE_POSTED },
		{ IOREQ_TYPE_MMIO, ECHODEV_MMIO_BASE, ECHODEV_MMIO_BASE + ECHODEV_MMIO_SIZE - 1, 0 },
	};
	static struct hvdm m; /* the echo device's 4 KiB of memory: not on the stack */
	struct kestrel_domain_info info;
	struct hv_ioreq_setup s;
	struct pollfd p;
	uint32_t entries = 64;
	const char *step, *why = "gone";
	char what[120];
	bool unpause = false;
	void *base;
	size_t i;
	int opt, r;

	while ((opt = getopt(argc, argv, "ue:h")) != -1) {
		switch (opt) {
		case 'u':
			unpause = true;
			break;
		case 'e':
			if (parse_entries(optarg, &entries) == 0)
				break;
			fprintf(stderr, "hvdm: bad ring size '%s' (a power of two, 2 to %u)\n", optarg,
				IOREQ_MAX_RING_ENTRIES);
			return HVDM_EXIT_USAGE;
		case 'h':
			puts(usage);
			return 0;
		default:
			fprintf(stderr, "hvdm: %s\n", usage);
			return HVDM_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || hvctl_parse_domid(argv[optind], &m.client) < 0) {
		fprintf(stderr, "hvdm: %s\n", usage);
		return HVDM_EXIT_USAGE;
	}

	m.fd = hv_open();
	if (m.fd < 0)
		return die(HV_DEVICE_PATH, m.fd);
	r = hv_domain_info(m.fd, m.client, &info);
	if (r) {
		snprintf(what, sizeof(what), "domain %" PRIu32 ": KHC_DOMAIN_INFO", m.client);
		return die(what, r);
	}
	memset(&s, 0, sizeof(s));
	s.client = m.client;
	s.vcpus = info.vcpus;
	s.ring_entries = entries;
	s.flags = KESTREL_IOREQ_DEAD_KILL;
	r = hv_ioreq_setup(m.fd, &s, &step);
	if (r == -ENODEV && strcmp(step, "/dev/hv") == 0) {
		fprintf(stderr, "hvdm: domain %" PRIu32 ": set up the ring: hvdev has no event "
			"interrupt (its load message in dmesg says why; hvdev.gsi=N)\n", m.client);
		return HVDM_EXIT_FAIL;
	}
	if (r) {
		snprintf(what, sizeof(what), "domain %" PRIu32 ": set up the ring: %s", m.client, step);
		return die(what, r);
	}
	base = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
	if (base == MAP_FAILED)
		return die("mmap of the ring", errno);
	r = ioreq_service_attach(&m.svc, base, s.size);
	if (r)
		return die("the ring's header", r);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		r = hv_ioreq_route(m.fd, m.client, routes[i].type, routes[i].first, routes[i].last,
				   routes[i].flags);
		if (r) {
			snprintf(what, sizeof(what), "KHC_IOREQ_ROUTE %s %#" PRIx64 "-%#" PRIx64,
				 routes[i].type == IOREQ_TYPE_PORT ? "ports" : "MMIO",
				 routes[i].first, routes[i].last);
			return die(what, r);
		}
	}
	printf("hvdm: serving domain %" PRIu32 " (%s): %" PRIu32 " vCPU slot(s), %" PRIu32
	       " posted entries, event port %" PRIu32 ", ring at %#" PRIx64 " (%" PRIu32 " bytes)\n",
	       m.client, info.name, m.svc.vcpu_slots, m.svc.ring_entries, s.port, (uint64_t)s.gpa,
	       s.size);
	fflush(stdout);
	if (unpause) {
		r = hv_domain_unpause(m.fd, m.client);
		if (r) {
			snprintf(what, sizeof(what), "unpause %" PRIu32 ": KHC_DOMAIN_UNPAUSE", m.client);
			return die(what, r);
		}
	}

	p.fd = m.fd;
	p.events = POLLIN;
	for (;;) {
		r = serve(&m);
		if (r == 1)
			break;
		if (r)
			return r;
		p.revents = 0;
		r = poll(&p, 1, HVDM_IDLE_MS);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return die("poll", errno);
		}
		if (r == 0) {
			r = client_gone(&m, &why);
			if (r < 0)
				return die("KHC_DOMAIN_INFO", r);
			if (r)
				break;
			continue;
		}
		/* Take the events before serving: one that comes while we serve wakes the next poll. */
		r = (int)hv_wait_event(m.fd);
		if (r < 0)
			return die("read", r);
		m.wakeups++;
	}
	printf("hvdm: domain %" PRIu32 " %s: served %" PRIu64 " requests (%" PRIu64 " synchronous, %" PRIu64
	       " posted) in %" PRIu64 " wake-ups\n",
	       m.client, why, m.sync + m.posted, m.sync, m.posted, m.wakeups);
	return fflush(stdout) ? HVDM_EXIT_FAIL : 0;
}
