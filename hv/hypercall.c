#include "hv/hypercall.h"

#include "emulate/decode.h"
#include "hv/cpuid.h"
#include "hv/domain.h"
#include "hv/domctl.h"
#include "hv/domctl_build.h"
#include "hv/errno.h"
#include "hv/event.h"
#include "hv/foreign.h"
#include "hv/guest_mem.h"
#include "hv/ioreq_server.h"
#include "hv/log.h"
#include "hv/serial.h"
#include "hv/string.h"
#include "hv/vcpu.h"

#define CONSOLE_WRITE_MAX 4096u
#define LOG_READ_MAX 65536u
#define COPY_CHUNK 256u

typedef int64_t (*hypercall_fn)(struct vcpu *v, const uint64_t args[6]);

/* The checked copies: guest-virtual addresses in the caller's page tables,
 * as a supervisor access; a fault is the caller's -EFAULT, never a #PF. */
static int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	uint32_t pf;
	uint64_t addr;
	return guest_virt_read(v, gva, dst, len, 0, &pf, &addr) == GVA_OK ? 0 : -EFAULT;
}

static int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	uint32_t pf;
	uint64_t addr;
	return guest_virt_write(v, gva, src, len, 0, &pf, &addr) == GVA_OK ? 0 : -EFAULT;
}

static int64_t hc_version(struct vcpu *v, const uint64_t args[6])
{
	return KESTREL_ABI_VERSION;
}

static int64_t hc_echo(struct vcpu *v, const uint64_t args[6])
{
	return (int64_t)args[0];
}

static int64_t hc_console_write(struct vcpu *v, const uint64_t args[6])
{
	char buf[COPY_CHUNK];
	uint64_t len = args[1] < CONSOLE_WRITE_MAX ? args[1] : CONSOLE_WRITE_MAX;

	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (copy_from_guest(v, buf, args[0] + done, n))
			return done ? (int64_t)done : -EFAULT;
		for (size_t i = 0; i < n; i++)
			serial_putc(buf[i]);
		done += n;
	}
	return (int64_t)len;
}

/* (buf, len, pos*): copies the log ring from *pos; *pos moves past what
 * was copied (and past what the ring no longer holds). */
static int64_t hc_log_read(struct vcpu *v, const uint64_t args[6])
{
	char buf[COPY_CHUNK];
	uint64_t pos, len = args[1] < LOG_READ_MAX ? args[1] : LOG_READ_MAX, done = 0;

	if (copy_from_guest(v, &pos, args[2], sizeof(pos)))
		return -EFAULT;
	while (done < len) {
		unsigned long next;
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		size_t n = log_ring_read(pos, buf, want, &next);
		if (n == 0) {
			pos = next;
			break;
		}
		if (copy_to_guest(v, args[0] + done, buf, n))
			return -EFAULT;
		done += n;
		pos = next;
	}
	if (copy_to_guest(v, args[2], &pos, sizeof(pos)))
		return -EFAULT;
	return (int64_t)done;
}

static void domain_info(const struct domain *d, struct kestrel_domain_info *out)
{
	uint64_t exits = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		exits += d->vcpus[i]->stats.exits;
	out->id = d->id;
	out->state = d->state == DOMAIN_KILLED	 ? KESTREL_DOMAIN_KILLED
		   : d->state == DOMAIN_FINISHED ? KESTREL_DOMAIN_FINISHED
		   : d->paused			 ? KESTREL_DOMAIN_PAUSED
						 : KESTREL_DOMAIN_RUNNING;
	out->flags = d->privileged ? KESTREL_DOMAIN_PRIVILEGED : 0;
	out->vcpus = d->nr_vcpus;
	out->mem_bytes = d->ram_bytes;
	out->exits = exits;
	out->verdict = d->verdict;
	out->weight = __atomic_load_n(&d->weight, __ATOMIC_RELAXED);
	memcpy(out->name, d->name, sizeof(out->name) - 1);
}

/* (out[], max) -> number of domains (all of them, even past max). */
static int64_t hc_domain_list(struct vcpu *v, const uint64_t args[6])
{
	struct kestrel_domain_info info;
	uint64_t count = 0;

	/* A reference while reading: the domain may run (and end) on another
	 * CPU; the fields read are single words, so a snapshot is enough. */
	for (unsigned i = 0; i < DOMAIN_MAX; i++) {
		struct domain *d = domain_get_by_index(i);
		if (!d)
			continue;
		if (count < args[1])
			domain_info(d, &info);
		domain_put(d);
		if (count < args[1] &&
		    copy_to_guest(v, args[0] + count * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		count++;
	}
	return (int64_t)count;
}

static int64_t hc_domain_info(struct vcpu *v, const uint64_t args[6])
{
	struct kestrel_domain_info info;
	struct domain *d = args[0] <= UINT32_MAX ? domain_get_by_id((unsigned)args[0]) : 0;

	if (!d)
		return -ESRCH;
	domain_info(d, &info);
	domain_put(d);
	return copy_to_guest(v, args[1], &info, sizeof(info)) ? -EFAULT : 0;
}

/* Who may make a call. */
enum hc_caller {
	HC_ANY,
	HC_PRIVILEGED, /* the privileged domain only */
	HC_DM,         /* the privileged domain, or the device-model domain
			* of the domain in the first argument */
};

struct hypercall {
	hypercall_fn fn;
	enum hc_caller caller;
};

static const struct hypercall hypercalls[KHC_COUNT] = {
	[KHC_VERSION] = { hc_version, HC_ANY },
	[KHC_ECHO] = { hc_echo, HC_ANY },
	[KHC_CONSOLE_WRITE] = { hc_console_write, HC_PRIVILEGED },
	[KHC_LOG_READ] = { hc_log_read, HC_PRIVILEGED },
	[KHC_DOMAIN_LIST] = { hc_domain_list, HC_PRIVILEGED },
	[KHC_DOMAIN_INFO] = { hc_domain_info, HC_PRIVILEGED },
	[KHC_DOMAIN_CREATE] = { domctl_create, HC_PRIVILEGED },
	[KHC_DOMAIN_LOAD] = { domctl_load, HC_PRIVILEGED },
	[KHC_DOMAIN_DESTROY] = { domctl_destroy, HC_PRIVILEGED },
	[KHC_DOMAIN_PAUSE] = { domctl_pause, HC_DM },
	[KHC_DOMAIN_UNPAUSE] = { domctl_unpause, HC_DM },
	[KHC_IOREQ_SETUP] = { ioreq_hc_setup, HC_DM },
	[KHC_IOREQ_ROUTE] = { ioreq_hc_route, HC_DM },
	[KHC_IOREQ_COMPLETE] = { ioreq_hc_complete, HC_DM },
	[KHC_EVENT_BIND] = { event_hc_bind, HC_ANY },
	[KHC_EVENT_NOTIFY] = { event_hc_notify, HC_ANY },
	[KHC_EVENT_UNBIND] = { event_hc_unbind, HC_ANY },
	[KHC_VCPU_SET_REGS] = { domctl_vcpu_set_regs, HC_PRIVILEGED },
	[KHC_MEMORY_POPULATE] = { domctl_memory_populate, HC_PRIVILEGED },
	[KHC_DOMAIN_SET_WEIGHT] = { domctl_set_weight, HC_PRIVILEGED },
	[KHC_MEMORY_MAP_FOREIGN] = { foreign_hc_map, HC_PRIVILEGED },
	[KHC_MEMORY_UNMAP_FOREIGN] = { foreign_hc_unmap, HC_PRIVILEGED },
};

static bool caller_allowed(const struct vcpu *v, enum hc_caller who, uint64_t target)
{
	if (who == HC_ANY || v->dom->privileged)
		return true;
	if (who == HC_PRIVILEGED)
		return false;
	struct domain *d = target <= UINT32_MAX ? domain_get_by_id((unsigned)target) : 0;
	bool dm = d && d->dm_domain == v->dom->id;
	if (d)
		domain_put(d);
	return dm;
}

void hypercall_dispatch(struct vcpu *v)
{
	/* Outside 64-bit code only the low halves are the caller's. */
	uint64_t mask = vcpu_code_mode(v) == X86_MODE_64 ? ~0ull : 0xffffffffull;
	uint64_t nr = v->regs[GPR_RAX] & mask;
	const uint64_t args[6] = {
		v->regs[GPR_RDI] & mask, v->regs[GPR_RSI] & mask, v->regs[GPR_RDX] & mask,
		v->regs[GPR_R10] & mask, v->regs[GPR_R8] & mask, v->regs[GPR_R9] & mask,
	};

	if (nr >= KHC_COUNT || !hypercalls[nr].fn) {
		v->regs[GPR_RAX] = (uint64_t)-ENOSYS;
		return;
	}
	if (!caller_allowed(v, hypercalls[nr].caller, args[0])) {
		v->regs[GPR_RAX] = (uint64_t)-EPERM;
		return;
	}
	v->regs[GPR_RAX] = (uint64_t)hypercalls[nr].fn(v, args);
}
