/*
 * Domain management hypercalls, for the privileged domain: create, load a
 * multiboot kernel into, pause, unpause and destroy other domains.
 */
#include "hv/domctl.h"

#include "hv/abi.h"
#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/guest_boot.h"
#include "hv/guest_mem.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/string.h"
#include "hv/vcpu.h"

int domctl_copy_in(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	uint32_t pf;
	uint64_t addr;
	return guest_virt_read(v, gva, dst, len, 0, &pf, &addr) == GVA_OK ? 0 : -EFAULT;
}

/* Another domain dom0 may manage: never itself, never a privileged one.
 * The caller holds a reference (domain_put when done): the domain may run
 * on another CPU, and another hypercall could destroy it meanwhile. */
struct domain *domctl_managed_domain(struct vcpu *v, uint64_t domid)
{
	struct domain *d = domid <= UINT32_MAX ? domain_get_by_id((unsigned)domid) : 0;
	if (d && (d == v->dom || d->privileged)) {
		domain_put(d);
		return 0;
	}
	return d;
}

int64_t domctl_create(struct vcpu *v, const uint64_t args[6])
{
	struct kestrel_domain_config cfg;

	if (domctl_copy_in(v, &cfg, args[0], sizeof(cfg)))
		return -EFAULT;
	cfg.name[sizeof(cfg.name) - 1] = '\0';
	if (!cfg.name[0] || cfg.vcpus != 1 || cfg.flags != 0)
		return -EINVAL;
	if (cfg.mem_bytes < KESTREL_DOMAIN_MIN_MEM || cfg.mem_bytes > KESTREL_DOMAIN_MAX_MEM)
		return -EINVAL;
	uint64_t bytes = ALIGN_UP(cfg.mem_bytes, LARGE_PAGE_SIZE);
	if (bytes + DOMCTL_RESERVE_BYTES > hv_frames.free_frames * PAGE_SIZE)
		return -ENOMEM;
	struct domain *d = domain_create(cfg.name, bytes, cfg.vcpus);
	if (!d)
		return -ENOMEM; /* created paused: runs once loaded and unpaused */
	log_info("domain %u (%s): created by domain %u, %llu MiB\n", d->id, d->name,
		 v->dom->id, (unsigned long long)(bytes >> 20));
	return d->id;
}

/* Loads into `d`, paused and never started: its home CPU does not touch
 * it, so this CPU may (and hands its vCPUs back after, domain_loaded). */
static int load_into(struct vcpu *v, struct domain *d, const uint64_t args[6])
{
	uint64_t len = args[2];
	char cmdline[KESTREL_CMDLINE_MAX];
	const char *why = 0;

	/* Only into a domain that has not started: loading resets vCPU 0. */
	if (d->state != DOMAIN_RUNNING || !d->paused || d->vcpus[0]->stats.exits)
		return -EBUSY;
	if (len == 0)
		return -EINVAL;
	if (len > KESTREL_IMAGE_MAX)
		return -E2BIG;
	/* The command line: up to its NUL, within the limit. */
	memset(cmdline, 0, sizeof(cmdline));
	for (size_t i = 0; args[3] && i < sizeof(cmdline) - 1; i++) {
		if (domctl_copy_in(v, &cmdline[i], args[3] + i, 1))
			return -EFAULT;
		if (!cmdline[i])
			break;
	}
	uint8_t *image = kmalloc(len);
	if (!image)
		return -ENOMEM;
	int err = domctl_copy_in(v, image, args[1], len);
	if (!err) {
		err = guest_boot_multiboot(d, image, len, cmdline, &why);
		domain_loaded(d);
		if (err)
			log_info("domain %u (%s): image refused: %s\n", d->id, d->name, why);
	}
	kfree(image);
	return err;
}

int64_t domctl_load(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = domctl_managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	int err = load_into(v, d, args);
	domain_put(d);
	return err;
}

int64_t domctl_destroy(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = domctl_managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	log_info("domain %u (%s): destroyed by domain %u\n", d->id, d->name, v->dom->id);
	/* Stopped on its home CPU first; its memory goes with our reference. */
	domain_destroy(d);
	vuart_flush(&d->uart, d->name);
	domain_put(d);
	return 0;
}

/* The home CPU reads the weight when it starts a slice: a plain store. */
int64_t domctl_set_weight(struct vcpu *v, const uint64_t args[6])
{
	if (args[1] < 1 || args[1] > KESTREL_WEIGHT_MAX)
		return -EINVAL;
	struct domain *d = domctl_managed_domain(v, args[0]);
	if (!d)
		return -ESRCH;
	__atomic_store_n(&d->weight, (unsigned)args[1], __ATOMIC_RELAXED);
	log_info("domain %u (%s): weight %u, set by domain %u\n", d->id, d->name, d->weight,
		 v->dom->id);
	domain_put(d);
	return 0;
}

int64_t domctl_pause(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = domctl_managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	domain_pause(d);
	domain_put(d);
	return 0;
}

int64_t domctl_unpause(struct vcpu *v, const uint64_t args[6])
{
	struct domain *d = domctl_managed_domain(v, args[0]);

	if (!d)
		return -ESRCH;
	domain_unpause(d);
	domain_put(d);
	return 0;
}
