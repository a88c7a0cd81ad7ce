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
 * block. Events are edges on one interrupt line of dom0 (the module
 * parameter hvdev.gsi), which every event port the module binds raises;
 * every open file sees every event (there is no per-port pending state in
 * the ABI, so a woken reader checks its own ring).
 *
 * ioctl(fd, HV_IOCTL_IOREQ_SETUP, &s) makes this file the device model of
 * client domain s.client: the module allocates s.size bytes of zeroed,
 * physically contiguous dom0 memory, binds an event port (peer s.client,
 * on hvdev.gsi) and calls KHC_IOREQ_SETUP. mmap(fd, offset 0, MAP_SHARED,
 * at most s.size bytes) then maps that page set (hv/ioreq.h layout). One
 * setup per file. Returns 0 when the hypercalls were made: s.failed is 0
 * on success, else the number of the hypercall that failed (KHC_EVENT_BIND
 * or KHC_IOREQ_SETUP) with its result in s.result (nothing is kept then).
 * Returns -1 with errno when the module refused first: EINVAL (geometry or
 * flags), EBUSY (this file already serves a client), ENODEV (no event
 * interrupt: hvdev.gsi could not be requested), ENOMEM, EFAULT, EPERM.
 * When the file is closed while the client still exists, the hypervisor
 * may still write the pages: they stay allocated (and the port bound)
 * until the client is destroyed, then the module frees them.
 * KHC_VCPU_SET_REGS bounces its struct kestrel_vcpu_regs (EFAULT when it
 * is not readable); KHC_MEMORY_POPULATE takes numbers only.
 * KHC_IOREQ_ROUTE, KHC_IOREQ_COMPLETE, KHC_EVENT_NOTIFY and
 * KHC_DOMAIN_SET_WEIGHT take no pointers and go through HV_IOCTL_HYPERCALL;
 * KHC_IOREQ_SETUP (a physical address), KHC_EVENT_BIND and KHC_EVENT_UNBIND
 * (the module owns its ports and its interrupt line), KHC_MEMORY_MAP_FOREIGN
 * and KHC_MEMORY_UNMAP_FOREIGN (the module owns dom0's foreign-map window)
 * are refused there with EINVAL.
 *
 * Foreign mappings, another domain's RAM in this process, in two steps:
 * ioctl(fd, HV_IOCTL_FOREIGN_MAP, &m) takes m.count pages of the module's
 * foreign-map window (CPUID 0x40000002, a hole of dom0's physical space)
 * and makes KHC_MEMORY_MAP_FOREIGN(m.domid, m.gfn, m.count, window page),
 * then returns 0 with m.offset set; mmap(NULL, m.count * 4096,
 * PROT_READ|PROT_WRITE, MAP_SHARED, fd, m.offset) maps those pages, once
 * (a second mmap of the offset: EBUSY; another length: EINVAL; never
 * executable, never copied on fork, never split or grown: munmap or
 * mprotect of part of it fails with EINVAL). munmap of the whole mapping
 * (or exit) ends it: once the last page table entry is gone the module
 * makes KHC_MEMORY_UNMAP_FOREIGN and frees the window pages. A mapping
 * made by the ioctl but never mmapped ends when the file is closed. The
 * ioctl returns -1 with errno: EINVAL (flags not 0, count 0 or over
 * KESTREL_FOREIGN_MAP_PAGES_MAX, gfn + count over KESTREL_GFN_LIMIT; or
 * the hypervisor's: a page that is not the domain's RAM), ESRCH (the
 * hypervisor's: no such domain, dom0 itself, a privileged domain), ENOSPC
 * (no room in the window, or the hypervisor's limit of
 * KESTREL_FOREIGN_MAPS_MAX mappings), ENODEV (the hypervisor gives dom0
 * no window), ENOMEM, EFAULT, EPERM. Offsets of foreign mappings are
 * HV_FOREIGN_MMAP_BASE and up; offset 0 stays the I/O ring's page set.
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

struct hv_ioreq_setup {
	__u32 client;       /* in: the client domain */
	__u32 vcpus;        /* in: its vCPUs (one slot each), 1..IOREQ_MAX_VCPUS */
	__u32 ring_entries; /* in: posted entries, a power of two, 2..IOREQ_MAX_RING_ENTRIES */
	__u32 flags;        /* in: KESTREL_IOREQ_DEAD_KILL or KESTREL_IOREQ_DEAD_FLOAT */
	__u32 port;         /* out: the event port (peer: client) the ring announces on */
	__u32 size;         /* out: bytes of the page set (whole pages): what to mmap */
	__u64 gpa;          /* out: its guest-physical (= host-physical) address */
	__u64 failed;       /* out: 0, or the hypercall that failed */
	__s64 result;       /* out: that hypercall's result (a negative errno) */
};

#define HV_IOCTL_IOREQ_SETUP _IOWR(HV_IOCTL_MAGIC, 0xe1, struct hv_ioreq_setup)

struct hv_foreign_map {
	__u32 domid;  /* in: the domain whose memory is mapped */
	__u32 flags;  /* in: 0 */
	__u64 gfn;    /* in: its first guest page */
	__u64 count;  /* in: pages, 1..KESTREL_FOREIGN_MAP_PAGES_MAX */
	__u64 offset; /* out: the mmap offset of the mapping */
};

#define HV_IOCTL_FOREIGN_MAP _IOWR(HV_IOCTL_MAGIC, 0xe2, struct hv_foreign_map)
#define HV_FOREIGN_MMAP_BASE 0x100000000ull /* first mmap offset of a foreign mapping */

/* Limits of the bounce buffers (per call); KHC_DOMAIN_LOAD's are
 * KESTREL_IMAGE_MAX and KESTREL_CMDLINE_MAX (hv/abi.h). */
#define HV_CONSOLE_WRITE_MAX 4096u  /* bytes, KHC_CONSOLE_WRITE */
#define HV_LOG_READ_MAX 65536u      /* bytes, KHC_LOG_READ */
#define HV_DOMAIN_LIST_MAX 256u     /* entries, KHC_DOMAIN_LIST */

#endif
