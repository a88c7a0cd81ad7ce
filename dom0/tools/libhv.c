/* libhv: see libhv.h. */
#define _DEFAULT_SOURCE
#include "libhv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvdev.h"

int hv_open(void)
{
	const char *path = getenv("HV_DEVICE");
	int fd = open(path && *path ? path : HV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void hv_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int hv_hypercall(int fd, uint64_t nr, const uint64_t args[6], int64_t *result)
{
	struct hv_hypercall hc = { .nr = nr };
	int i;

	for (i = 0; i < 6; i++)
		hc.args[i] = args ? args[i] : 0;
	if (ioctl(fd, HV_IOCTL_HYPERCALL, &hc) < 0)
		return -errno;
	*result = hc.result;
	return 0;
}

int64_t hv_call(int fd, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t args[6] = { a0, a1, a2, 0, 0, 0 };
	int64_t result;
	int err = hv_hypercall(fd, nr, args, &result);

	return err ? err : result;
}

int hv_version(int fd, uint32_t *abi)
{
	int64_t r = hv_call(fd, KHC_VERSION, 0, 0, 0);

	if (r < 0)
		return (int)r;
	*abi = (uint32_t)r;
	return 0;
}

int hv_echo(int fd, uint64_t x, uint64_t *out)
{
	uint64_t args[6] = { x, 0, 0, 0, 0, 0 };
	int64_t result;
	int err = hv_hypercall(fd, KHC_ECHO, args, &result);

	if (err)
		return err;
	*out = (uint64_t)result;
	return 0;
}

int64_t hv_domain_list(int fd, struct kestrel_domain_info *out, unsigned max)
{
	if (max > HV_DOMAIN_LIST_MAX)
		max = HV_DOMAIN_LIST_MAX;
	return hv_call(fd, KHC_DOMAIN_LIST, (uintptr_t)out, max, 0);
}

int hv_domain_info(int fd, uint32_t domid, struct kestrel_domain_info *out)
{
	int64_t r = hv_call(fd, KHC_DOMAIN_INFO, domid, (uintptr_t)out, 0);

	return r < 0 ? (int)r : 0;
}

int64_t hv_domain_create(int fd, const struct kestrel_domain_config *cfg)
{
	return hv_call(fd, KHC_DOMAIN_CREATE, (uintptr_t)cfg, 0, 0);
}

int hv_domain_load(int fd, uint32_t domid, const void *image, size_t len, const char *cmdline)
{
	uint64_t args[6] = { domid, (uintptr_t)image, len, (uintptr_t)cmdline, 0, 0 };
	int64_t result;
	int err = hv_hypercall(fd, KHC_DOMAIN_LOAD, args, &result);

	if (err)
		return err;
	return result < 0 ? (int)result : 0;
}

static int domid_call(int fd, uint64_t nr, uint32_t domid)
{
	int64_t r = hv_call(fd, nr, domid, 0, 0);

	return r < 0 ? (int)r : 0;
}

int hv_domain_destroy(int fd, uint32_t domid)
{
	return domid_call(fd, KHC_DOMAIN_DESTROY, domid);
}

int hv_domain_pause(int fd, uint32_t domid)
{
	return domid_call(fd, KHC_DOMAIN_PAUSE, domid);
}

int hv_domain_unpause(int fd, uint32_t domid)
{
	return domid_call(fd, KHC_DOMAIN_UNPAUSE, domid);
}

int hv_vcpu_set_regs(int fd, uint32_t domid, uint32_t vcpu, const struct kestrel_vcpu_regs *regs)
{
	int64_t r = hv_call(fd, KHC_VCPU_SET_REGS, domid, vcpu, (uintptr_t)regs);

	return r < 0 ? (int)r : 0;
}

int hv_memory_populate(int fd, uint32_t domid, uint64_t gfn, uint64_t count)
{
	int64_t r = hv_call(fd, KHC_MEMORY_POPULATE, domid, gfn, count);

	return r < 0 ? (int)r : 0;
}

int hv_domain_set_weight(int fd, uint32_t domid, uint32_t weight)
{
	int64_t r = hv_call(fd, KHC_DOMAIN_SET_WEIGHT, domid, weight, 0);

	return r < 0 ? (int)r : 0;
}

/* Pages as a mapping length; 0 when they do not fit a size_t. */
static size_t pages_len(uint64_t count)
{
	return count > SIZE_MAX / 4096 ? 0 : (size_t)count * 4096;
}

int hv_foreign_map(int fd, uint32_t domid, uint64_t gfn, uint64_t count, void **addr,
		   const char **step)
{
	struct hv_foreign_map m = { .domid = domid, .gfn = gfn, .count = count };
	const char *dummy;
	void *p;

	if (!step)
		step = &dummy;
	*step = "KHC_MEMORY_MAP_FOREIGN";
	if (ioctl(fd, HV_IOCTL_FOREIGN_MAP, &m) < 0)
		return -errno;
	/* The module checked count, so the length fits. */
	*step = "mmap";
	p = mmap(NULL, pages_len(count), PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (p == MAP_FAILED)
		return -errno; /* the module ends the mapping when fd is closed */
	*addr = p;
	return 0;
}

int hv_foreign_unmap(void *addr, uint64_t count)
{
	return munmap(addr, pages_len(count)) < 0 ? -errno : 0;
}

static int64_t domain_make(int fd, const struct kestrel_domain_config *cfg, const void *image,
			   size_t len, const char *cmdline, const char **step, int run)
{
	const char *dummy;
	int64_t id;
	int err;

	if (!step)
		step = &dummy;
	*step = "KHC_DOMAIN_CREATE";
	id = hv_domain_create(fd, cfg);
	if (id < 0)
		return id;
	if (id > UINT32_MAX) {
		*step = "KHC_DOMAIN_CREATE (id out of range)";
		return -ERANGE;
	}
	*step = "KHC_DOMAIN_LOAD";
	err = hv_domain_load(fd, (uint32_t)id, image, len, cmdline);
	if (!err && run) {
		*step = "KHC_DOMAIN_UNPAUSE";
		err = hv_domain_unpause(fd, (uint32_t)id);
	}
	if (err) {
		hv_domain_destroy(fd, (uint32_t)id);
		return err;
	}
	return id;
}

int64_t hv_domain_start(int fd, const struct kestrel_domain_config *cfg, const void *image,
			size_t len, const char *cmdline, const char **step)
{
	return domain_make(fd, cfg, image, len, cmdline, step, 1);
}

int64_t hv_domain_build(int fd, const struct kestrel_domain_config *cfg, const void *image,
			size_t len, const char *cmdline, const char **step)
{
	return domain_make(fd, cfg, image, len, cmdline, step, 0);
}

int64_t hv_log_read(int fd, char *buf, size_t len, uint64_t *pos)
{
	if (len > HV_LOG_READ_MAX)
		len = HV_LOG_READ_MAX;
	return hv_call(fd, KHC_LOG_READ, (uintptr_t)buf, len, (uintptr_t)pos);
}

int64_t hv_console_write(int fd, const char *buf, size_t len)
{
	if (len > HV_CONSOLE_WRITE_MAX)
		len = HV_CONSOLE_WRITE_MAX;
	return hv_call(fd, KHC_CONSOLE_WRITE, (uintptr_t)buf, len, 0);
}

int64_t hv_wait_event(int fd)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));

	if (r < 0)
		return -errno;
	if (r != sizeof(n))
		return -EIO;
	return (int64_t)n;
}

int hv_ioreq_setup(int fd, struct hv_ioreq_setup *s, const char **step)
{
	const char *dummy;

	if (!step)
		step = &dummy;
	*step = "/dev/hv";
	if (ioctl(fd, HV_IOCTL_IOREQ_SETUP, s) < 0)
		return -errno;
	if (s->failed == 0)
		return 0;
	*step = s->failed == KHC_EVENT_BIND ? "KHC_EVENT_BIND" : "KHC_IOREQ_SETUP";
	return s->result < 0 ? (int)s->result : -EIO;
}

static int small_call(int fd, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4)
{
	uint64_t args[6] = { a0, a1, a2, a3, a4, 0 };
	int64_t result;
	int err = hv_hypercall(fd, nr, args, &result);

	if (err)
		return err;
	return result < 0 ? (int)result : 0;
}

int hv_ioreq_route(int fd, uint32_t client, uint32_t type, uint64_t first, uint64_t last,
		   uint32_t flags)
{
	return small_call(fd, KHC_IOREQ_ROUTE, client, type, first, last, flags);
}

int hv_ioreq_complete(int fd, uint32_t client, uint32_t vcpu)
{
	return small_call(fd, KHC_IOREQ_COMPLETE, client, vcpu, 0, 0, 0);
}

int hv_event_notify(int fd, uint32_t domid, uint32_t port)
{
	return small_call(fd, KHC_EVENT_NOTIFY, domid, port, 0, 0, 0);
}
