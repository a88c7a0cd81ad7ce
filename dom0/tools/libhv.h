/*
 * libhv: dom0 user space's access to the Kestrel hypervisor, through the
 * hvdev module's /dev/hv (dom0/include/hvdev.h). Every function returns 0
 * or a count on success and a negative errno on failure: either the
 * module's refusal (errno of the ioctl) or the hypervisor's own result.
 */
#ifndef KESTREL_LIBHV_H
#define KESTREL_LIBHV_H

#include <stddef.h>
#include <stdint.h>

#include "hv/abi.h"

/* Opens /dev/hv (or $HV_DEVICE when set); returns the fd or -errno. */
int hv_open(void);
void hv_close(int fd);

/* Raw hypercall: 0 and *result set when it was made, -errno when the
 * module refused (the ioctl failed). */
int hv_hypercall(int fd, uint64_t nr, const uint64_t args[6], int64_t *result);

/* Like hv_hypercall, but folds both failure kinds into one -errno. */
int64_t hv_call(int fd, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* KHC_VERSION: *abi = major << 16 | minor. */
int hv_version(int fd, uint32_t *abi);
/* KHC_ECHO: *out = x. */
int hv_echo(int fd, uint64_t x, uint64_t *out);
/* KHC_DOMAIN_LIST: fills up to max entries; returns the number of domains
 * (which may exceed max). */
int64_t hv_domain_list(int fd, struct kestrel_domain_info *out, unsigned max);
/* KHC_DOMAIN_INFO */
int hv_domain_info(int fd, uint32_t domid, struct kestrel_domain_info *out);
/* KHC_DOMAIN_CREATE: returns the new domain's id (created paused). */
int64_t hv_domain_create(int fd, const struct kestrel_domain_config *cfg);
/* KHC_DOMAIN_LOAD: a multiboot1 ELF32 kernel of len bytes (at most
 * KESTREL_IMAGE_MAX), its command line (NUL-terminated, at most
 * KESTREL_CMDLINE_MAX bytes with the NUL; NULL for none). */
int hv_domain_load(int fd, uint32_t domid, const void *image, size_t len, const char *cmdline);
/* KHC_DOMAIN_DESTROY, KHC_DOMAIN_PAUSE, KHC_DOMAIN_UNPAUSE */
int hv_domain_destroy(int fd, uint32_t domid);
int hv_domain_pause(int fd, uint32_t domid);
int hv_domain_unpause(int fd, uint32_t domid);
/* KHC_VCPU_SET_REGS: a paused domain that has not run yet (-EBUSY
 * otherwise); rflags with bit 1 set and no reserved bit (-EINVAL). */
int hv_vcpu_set_regs(int fd, uint32_t domid, uint32_t vcpu, const struct kestrel_vcpu_regs *regs);
/* KHC_MEMORY_POPULATE: zeroed RAM at guest pages [gfn, gfn + count) of a
 * paused domain; -EEXIST when any of them is RAM or MMIO already. */
int hv_memory_populate(int fd, uint32_t domid, uint64_t gfn, uint64_t count);
/* KHC_DOMAIN_SET_WEIGHT: another, unprivileged domain's scheduler weight,
 * 1..KESTREL_WEIGHT_MAX (-EINVAL otherwise, -ESRCH for dom0). */
int hv_domain_set_weight(int fd, uint32_t domid, uint32_t weight);
/* A foreign mapping (HV_IOCTL_FOREIGN_MAP, then mmap): count pages of
 * domain domid's RAM from its page gfn, readable and writable at *addr
 * until hv_foreign_unmap. On failure -errno, and *step (when not NULL)
 * says where: "KHC_MEMORY_MAP_FOREIGN" (the module's or the hypervisor's
 * refusal, hvdev.h) or "mmap". */
int hv_foreign_map(int fd, uint32_t domid, uint64_t gfn, uint64_t count, void **addr,
		   const char **step);
/* Ends a mapping of count pages at addr: the module unmaps it in the
 * hypervisor once the pages are gone from this process. */
int hv_foreign_unmap(void *addr, uint64_t count);
/* create + load + unpause: the new id, or -errno with the half-made domain
 * destroyed again; *step names the call that failed ("KHC_DOMAIN_CREATE",
 * ...) when step is not NULL. */
int64_t hv_domain_start(int fd, const struct kestrel_domain_config *cfg, const void *image,
			size_t len, const char *cmdline, const char **step);
/* create + load, left paused: the same, without the unpause. */
int64_t hv_domain_build(int fd, const struct kestrel_domain_config *cfg, const void *image,
			size_t len, const char *cmdline, const char **step);
/* KHC_LOG_READ: copies log bytes from *pos on; returns the count (0 at the
 * end of the log) and advances *pos. */
int64_t hv_log_read(int fd, char *buf, size_t len, uint64_t *pos);
/* KHC_CONSOLE_WRITE */
int64_t hv_console_write(int fd, const char *buf, size_t len);

/* Events (read on /dev/hv): blocks until at least one, returns how many. */
int64_t hv_wait_event(int fd);

struct hv_ioreq_setup;
/* HV_IOCTL_IOREQ_SETUP: makes fd the device model of s->client (see
 * hvdev.h). Returns 0, or -errno: the module's refusal (*step "/dev/hv"),
 * or the failed hypercall's result (*step "KHC_EVENT_BIND" or
 * "KHC_IOREQ_SETUP"). */
int hv_ioreq_setup(int fd, struct hv_ioreq_setup *s, const char **step);
/* KHC_IOREQ_ROUTE: type IOREQ_TYPE_PORT or IOREQ_TYPE_MMIO, first..last
 * inclusive, flags KESTREL_ROUTE_POSTED or 0. */
int hv_ioreq_route(int fd, uint32_t client, uint32_t type, uint64_t first, uint64_t last,
		   uint32_t flags);
/* KHC_IOREQ_COMPLETE: vCPU vcpu's slot is answered (state DONE). */
int hv_ioreq_complete(int fd, uint32_t client, uint32_t vcpu);
/* KHC_EVENT_NOTIFY */
int hv_event_notify(int fd, uint32_t domid, uint32_t port);

#endif
