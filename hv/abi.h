/*
 * Kestrel's guest ABI: hypercall numbers and the structures they exchange.
 * Shared verbatim by the hypervisor, dom0's kernel module and its tools, so
 * it holds only fixed-size types. docs/ABI.md is the prose version.
 *
 * Calling convention: vmcall (Intel) or vmmcall (AMD) from CPL 0; number in
 * RAX; arguments in RDI, RSI, RDX, R10, R8, R9; result in RAX, a negative
 * errno on failure. Pointers are guest-virtual addresses in the caller's
 * current page tables and must be mapped (the hypervisor walks them and
 * fails with -EFAULT otherwise: dom0's module bounces user buffers).
 */
#ifndef KESTREL_ABI_H
#define KESTREL_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* CPUID 0x40000000 signature ("KestrelHV") and 0x40000001 EAX. */
#define KESTREL_CPUID_SIGNATURE_EBX 0x7473654bu
#define KESTREL_CPUID_SIGNATURE_ECX 0x486c6572u
#define KESTREL_CPUID_SIGNATURE_EDX 0x00000056u
#define KESTREL_ABI_MAJOR 1u
#define KESTREL_ABI_MINOR 1u /* 1.1: set-weight, foreign mapping */
#define KESTREL_ABI_VERSION ((KESTREL_ABI_MAJOR << 16) | KESTREL_ABI_MINOR)

enum kestrel_hypercall {
	KHC_VERSION = 0,       /* () -> KESTREL_ABI_VERSION */
	KHC_ECHO = 1,          /* (x) -> x */
	KHC_CONSOLE_WRITE = 2, /* (const char *buf, len) -> bytes written (<= 4096 per call) */
	KHC_LOG_READ = 3,      /* (char *buf, len, uint64_t *pos) -> bytes copied; *pos advanced */
	KHC_DOMAIN_LIST = 4,   /* (struct kestrel_domain_info *out, max) -> domains (count may exceed max) */
	KHC_DOMAIN_INFO = 5,   /* (domid, struct kestrel_domain_info *out) -> 0 */
	KHC_DOMAIN_CREATE = 6, /* (const struct kestrel_domain_config *) -> new domid; created paused */
	KHC_DOMAIN_LOAD = 7,   /* (domid, const void *image, len, const char *cmdline) -> 0 */
	KHC_DOMAIN_DESTROY = 8,/* (domid) -> 0; every frame goes back to the hypervisor */
	KHC_DOMAIN_PAUSE = 9,  /* (domid) -> 0 */
	KHC_DOMAIN_UNPAUSE = 10, /* (domid) -> 0 */
	/* I/O forwarding to a device-model (service) domain; see docs/ABI.md
	 * "I/O request rings". Callers: dom0, or the client's device-model
	 * domain (struct domain.dm_domain). */
	KHC_IOREQ_SETUP = 11,  /* (client domid, gpa, size, ring_entries, event port, flags) -> 0 */
	KHC_IOREQ_ROUTE = 12,  /* (client domid, type, first, last, flags) -> 0 */
	KHC_IOREQ_COMPLETE = 13, /* (client domid, vcpu) -> 0 */
	/* Event channels: any domain, on its own ports. */
	KHC_EVENT_BIND = 14,   /* (peer domid, gsi) -> port */
	KHC_EVENT_NOTIFY = 15, /* (domid, port) -> 0 */
	KHC_EVENT_UNBIND = 16, /* (port) -> 0 */
	/* Building a domain, dom0 only: on a paused domain (set-regs: one
	 * that has not run yet, like KHC_DOMAIN_LOAD). */
	KHC_VCPU_SET_REGS = 17, /* (domid, vcpu, const struct kestrel_vcpu_regs *) -> 0 */
	KHC_MEMORY_POPULATE = 18, /* (domid, gfn, count) -> 0; zeroed RAM in a hole */
	/* dom0 only (ABI 1.1). */
	KHC_DOMAIN_SET_WEIGHT = 19, /* (domid, weight) -> 0; 1..KESTREL_WEIGHT_MAX */
	/* Foreign mapping: `count` pages of another domain's RAM from its
	 * `gfn` appear in the caller's own guest-physical space at `local_gfn`,
	 * which lies in the caller's foreign-map window (CPUID 0x40000002).
	 * The mapping keeps the target's memory alive: a target destroyed
	 * meanwhile leaves the list, but its frames go back only at unmap. */
	KHC_MEMORY_MAP_FOREIGN = 20,   /* (domid, gfn, count, local_gfn) -> 0 */
	KHC_MEMORY_UNMAP_FOREIGN = 21, /* (local_gfn) -> 0; the mapping starting there */
	KHC_COUNT
};

/* Limits of KHC_DOMAIN_CREATE and KHC_DOMAIN_LOAD. */
#define KESTREL_DOMAIN_MIN_MEM (4ull << 20)
#define KESTREL_DOMAIN_MAX_MEM (4ull << 30)
#define KESTREL_IMAGE_MAX (16u << 20)
#define KESTREL_CMDLINE_MAX 1024u

struct kestrel_domain_config {
	char name[32];      /* NUL-terminated, not empty */
	uint64_t mem_bytes; /* rounded up to 2 MiB */
	uint32_t vcpus;     /* 1 for now */
	uint32_t flags;     /* 0 */
};

enum kestrel_domain_state {
	KESTREL_DOMAIN_RUNNING = 0,
	KESTREL_DOMAIN_PAUSED = 1,
	KESTREL_DOMAIN_FINISHED = 2,
	KESTREL_DOMAIN_KILLED = 3,
};

#define KESTREL_DOMAIN_PRIVILEGED (1u << 0)

/* KHC_IOREQ_SETUP flags: what the client suffers when its service dies or
 * breaks the ring protocol. */
#define KESTREL_IOREQ_DEAD_KILL 0u  /* the client is killed */
#define KESTREL_IOREQ_DEAD_FLOAT 1u /* reads return all ones, writes vanish */

/* KHC_IOREQ_ROUTE: type is IOREQ_TYPE_PORT or IOREQ_TYPE_MMIO (hv/ioreq.h);
 * MMIO ranges are whole pages. Flags: */
#define KESTREL_ROUTE_POSTED 1u /* writes go to the posted ring (no answer) */
#define KESTREL_IOREQ_MAX_ROUTES 16u

/* Event channels: ports per domain; `gsi` is the interrupt line raised in
 * the port's owner (an IOAPIC pin, 0..23; pins 0..15 also reach the PIC). */
#define KESTREL_EVENT_PORTS 64u
#define KESTREL_EVENT_MAX_GSI 23u

struct kestrel_domain_info {
	uint32_t id;
	uint32_t state;     /* enum kestrel_domain_state */
	uint32_t flags;     /* KESTREL_DOMAIN_* */
	uint32_t vcpus;
	uint64_t mem_bytes;
	uint64_t exits;     /* VM exits so far, all vCPUs */
	char name[32];      /* NUL-terminated */
	int32_t verdict;    /* a test guest's verdict (port 0xf4), -1 if none */
	uint32_t weight;    /* scheduler weight (ABI 1.1; reserved, 0, in 1.0) */
};

/* KHC_VCPU_SET_REGS: the general-purpose registers (x86 encoding order:
 * rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15), rip and rflags. The
 * vCPU keeps its mode, segments and control registers. rflags must have
 * bit 1 set and no reserved bit (3, 5, 15, 22..63). */
struct kestrel_vcpu_regs {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
};
#define KESTREL_RFLAGS_FIXED1 0x2ull
#define KESTREL_RFLAGS_RESERVED 0xffffffffffc08028ull

_Static_assert(sizeof(struct kestrel_vcpu_regs) == 144, "struct kestrel_vcpu_regs is 144 bytes");

/* KHC_MEMORY_POPULATE: gfn + count at most this (48-bit guest-physical
 * addresses, what 4-level nested tables reach). */
#define KESTREL_GFN_LIMIT (1ull << 36)

/* KHC_DOMAIN_SET_WEIGHT: a domain's share of its home CPU (slices scale
 * with weight / KESTREL_WEIGHT_DEFAULT, hv/sched.h). */
#define KESTREL_WEIGHT_DEFAULT 256u
#define KESTREL_WEIGHT_MAX 65535u

/* CPUID 0x40000002, the caller's foreign-map window (all zero for a domain
 * that may not map others): EAX = first gfn, low 32 bits; EBX = its high
 * bits; ECX = pages in the window. The window is a hole of the caller's
 * guest-physical space (dom0: typed reserved in its e820). */
#define KESTREL_CPUID_FOREIGN_WINDOW 0x40000002u
/* Mappings one domain may hold at once, and pages in one mapping. */
#define KESTREL_FOREIGN_MAPS_MAX 64u
#define KESTREL_FOREIGN_MAP_PAGES_MAX 65536u

#endif
