/*
 * /dev/hv: the user-space interface of dom0's hvdev module (uapi). Shared
 * by dom0/kmod/hvdev and dom0/tools; docs/DOM0.md is the prose version.
 *
 * ioctl(fd, HV_IOCTL_HYPERCALL, &hc) issues hypercall hc.nr (hv/abi.h) with
 * hc.args[]; pointer arguments are user-space addresses, which the module
 * copies through kernel buffers (the hypervisor only sees kernel memory).
 * The ioctl returns 0 when the hypercall was made: its result (a negative
 * errno from the hypervisor on failure) is then in hc.result. It returns -1
 * with errno set when the module refused before making it:
 *   EFAULT  a user pointer (or &hc itself) is not readable/writable
 *   EINVAL  unknown hypercall number, or a length over the limits below
 *   E2BIG   KHC_DOMAIN_LOAD: an image over KESTREL_IMAGE_MAX, or a command
 *           line with no NUL in its first KESTREL_CMDLINE_MAX bytes (the
 *           hypervisor's own answer to an image over the limit)
 *   ENOMEM  no memory for the bounce buffer
 *   EPERM   the caller lacks CAP_SYS_ADMIN
 * The module loads only under Kestrel, so /dev/hv exists only there.
 *
 * read(fd, &u64, 8) blocks until the hypervisor has signalled at least one
 * event since this file's last read, then returns the number of events
 * (O_NONBLOCK: EAGAIN when none). poll() reports POLLIN when read would not
 * block. Events arrive by a virtual interrupt (event channels, issue 7);
 * until then nothing raises them and readers sleep.
 */
#ifndef KESTREL_HVDEV_H
#define KESTREL_HVDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HV_DEVICE_PATH "/dev/hv"

struct hv_hypercall {
	__u64 nr;      /* enum kestrel_hypercall */
	__u64 args[6]; /* RDI, RSI, RDX, R10, R8, R9 */
	__s64 result;  /* RAX after the call */
};

#define HV_IOCTL_MAGIC 'K'
#define HV_IOCTL_HYPERCALL _IOWR(HV_IOCTL_MAGIC, 0xe0, struct hv_hypercall)

/* Limits of the bounce buffers (per call); KHC_DOMAIN_LOAD's are
 * KESTREL_IMAGE_MAX and KESTREL_CMDLINE_MAX (hv/abi.h). */
#define HV_CONSOLE_WRITE_MAX 4096u  /* bytes, KHC_CONSOLE_WRITE */
#define HV_LOG_READ_MAX 65536u      /* bytes, KHC_LOG_READ */
#define HV_DOMAIN_LIST_MAX 256u     /* entries, KHC_DOMAIN_LIST */

#endif
