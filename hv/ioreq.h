/*
 * I/O request rings: the memory shared between the hypervisor (producer of
 * requests) and a device-model service domain (dom0's hvdm, the consumer),
 * per ../shared/DESIGN.md "I/O forwarding: request rings". docs/ABI.md
 * "I/O request rings" is the prose version, with every offset.
 *
 * One page set per client domain:
 *   header          magic, ABI version, geometry (written once by the hypervisor)
 *   posted indices  producer (hypervisor) and consumer (service), one cache line each
 *   slots           one synchronous request per vCPU:
 *                   FREE -> PENDING -> PROCESSING -> DONE -> FREE
 *   posted ring     writes that need no answer (UART output ...), a power
 *                   of two of entries, free-running 32-bit indices
 *
 * The header is shared verbatim with dom0's kernel module and tools, so the
 * layout uses fixed-size types only. Everything the service can write is
 * hostile to the hypervisor: the producer side reads each shared word once,
 * never indexes with a shared value, and returns IOREQ_EPROTO when the
 * service broke the protocol (the caller then applies its policy: kill the
 * client or drop the service).
 */
#ifndef KESTREL_IOREQ_H
#define KESTREL_IOREQ_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#define IOREQ_MAGIC 0x5152494bu /* "KIRQ" little-endian */
#define IOREQ_VERSION_MAJOR 1u
#define IOREQ_VERSION_MINOR 0u
#define IOREQ_VERSION ((IOREQ_VERSION_MAJOR << 16) | IOREQ_VERSION_MINOR)

/* Limits of the geometry (the hypervisor keeps private state per slot). */
#define IOREQ_MAX_VCPUS 64u
#define IOREQ_MAX_RING_ENTRIES 4096u

/*
 * Results. Linux errno values, negated, so that they pass through
 * hypercalls and dom0's module unchanged.
 */
#define IOREQ_OK 0
#define IOREQ_EINVAL (-22)  /* bad argument from the caller (not the peer) */
#define IOREQ_EBUSY (-16)   /* the vCPU already has a request in flight */
#define IOREQ_EAGAIN (-11)  /* not yet: still in flight, or ring empty */
#define IOREQ_ENOSPC (-28)  /* posted ring full: fall back to a slot, or wait */
#define IOREQ_ENODATA (-61) /* nothing outstanding to complete */
#define IOREQ_ESTALE (-116) /* DONE, but for another sequence number */
#define IOREQ_EPROTO (-71)  /* the peer broke the protocol */

enum ioreq_state {
	IOREQ_STATE_FREE = 0,       /* hypervisor owns the slot */
	IOREQ_STATE_PENDING = 1,    /* submitted, waiting for the service */
	IOREQ_STATE_PROCESSING = 2, /* the service took it */
	IOREQ_STATE_DONE = 3,       /* the service answered (data, done_seq) */
};

enum ioreq_type { IOREQ_TYPE_PORT = 0, IOREQ_TYPE_MMIO = 1 };
enum ioreq_dir { IOREQ_DIR_WRITE = 0, IOREQ_DIR_READ = 1 };

/* One access, as the guest made it (32 bytes; also a posted ring entry). */
struct ioreq_request {
	uint64_t addr;  /* port number, or guest-physical address */
	uint64_t data;  /* value written; for reads, the answer (low `size` bytes) */
	uint32_t count; /* repetitions (rep string I/O), at least 1 */
	uint8_t type;   /* enum ioreq_type */
	uint8_t dir;    /* enum ioreq_dir */
	uint8_t size;   /* 1, 2, 4 or 8 bytes (ports: at most 4) */
	uint8_t flags;  /* 0 */
	uint64_t reserved;
};

/* One synchronous slot per vCPU, a cache line each (64 bytes). */
struct ioreq_slot {
	uint32_t state;    /* enum ioreq_state; see the ownership rules above */
	uint32_t seq;      /* hypervisor: sequence number of the request */
	uint32_t done_seq; /* service: the seq it answers, written before DONE */
	uint32_t reserved0;
	struct ioreq_request req;
	uint64_t reserved1[2];
};

struct ioreq_header {
	uint32_t magic;        /* IOREQ_MAGIC */
	uint32_t version;      /* IOREQ_VERSION: major << 16 | minor */
	uint32_t vcpu_slots;   /* number of slots */
	uint32_t ring_entries; /* posted ring entries, a power of two */
	uint32_t slots_offset; /* bytes from the start of the page set */
	uint32_t ring_offset;  /* bytes from the start of the page set */
	uint32_t total_size;   /* bytes of the page set in use */
	uint32_t reserved[9];
};

/* Producer and consumer indices on separate cache lines (no false sharing). */
struct ioreq_ring_index {
	uint32_t value;
	uint32_t reserved[15];
};

/* The fixed start of every page set; slots and ring follow at their offsets. */
struct ioreq_shared {
	struct ioreq_header header;            /* 0x000 */
	struct ioreq_ring_index posted_prod;   /* 0x040, written by the hypervisor */
	struct ioreq_ring_index posted_cons;   /* 0x080, written by the service */
	uint8_t reserved[64];                  /* 0x0c0 */
};

#define IOREQ_SLOTS_OFFSET 0x100u

/* Compile-time checks that the layout is the documented one. */
_Static_assert(sizeof(struct ioreq_request) == 32, "ioreq_request layout");
_Static_assert(sizeof(struct ioreq_slot) == 64, "ioreq_slot layout");
_Static_assert(sizeof(struct ioreq_header) == 64, "ioreq_header layout");
_Static_assert(sizeof(struct ioreq_shared) == IOREQ_SLOTS_OFFSET, "ioreq_shared layout");

/* Bytes of a page set with this geometry, 0 if the geometry is invalid. */
uint32_t ioreq_layout_size(uint32_t vcpu_slots, uint32_t ring_entries);

/*
 * Hypervisor side (the producer). Its private view: geometry and indices
 * are kept here, never re-read from shared memory, so no shared value can
 * steer an index.
 */
struct ioreq_slot_track {
	uint32_t seq;  /* sequence number of the last submission */
	uint8_t busy;  /* a request is outstanding */
	uint8_t dir;   /* its direction and size, to interpret the answer */
	uint8_t size;
	uint8_t reserved;
};

struct ioreq_channel {
	struct ioreq_shared *shared;
	struct ioreq_slot *slots;
	struct ioreq_request *ring;
	uint32_t vcpu_slots;
	uint32_t ring_entries;
	uint32_t posted_prod;      /* what we last published */
	uint32_t posted_cons_seen; /* the consumer index as last validated */
	struct ioreq_slot_track track[IOREQ_MAX_VCPUS];
};

/* Lays out a zeroed page set of `size` bytes at `base` and binds `ch` to it. */
int ioreq_channel_init(struct ioreq_channel *ch, void *base, uint32_t size,
		       uint32_t vcpu_slots, uint32_t ring_entries);

/* Publishes `req` in vCPU `vcpu`'s slot (FREE only); *seq gets its number. */
int ioreq_slot_submit(struct ioreq_channel *ch, uint32_t vcpu,
		      const struct ioreq_request *req, uint32_t *seq);

/*
 * Takes the service's answer for `vcpu`: IOREQ_OK (then *data holds a read's
 * value, zero-extended from its size, and the slot is FREE again), or
 * IOREQ_EAGAIN (still in flight), IOREQ_ESTALE (DONE for another seq),
 * IOREQ_EPROTO (impossible state), IOREQ_ENODATA (nothing outstanding).
 * On any error the request stays outstanding: nothing is lost.
 */
int ioreq_slot_complete_check(struct ioreq_channel *ch, uint32_t vcpu, uint64_t *data);

/* Whether `vcpu` has a request outstanding. */
bool ioreq_slot_busy(const struct ioreq_channel *ch, uint32_t vcpu);

/*
 * Abandons `vcpu`'s outstanding request (service dead or misbehaving):
 * the slot becomes FREE and a late answer to it will be refused as stale.
 */
int ioreq_slot_cancel(struct ioreq_channel *ch, uint32_t vcpu);

/* Appends a write to the posted ring; IOREQ_ENOSPC when full. */
int ioreq_posted_push(struct ioreq_channel *ch, const struct ioreq_request *req);

/*
 * Service side (dom0's device model, and the tests). The hypervisor is
 * trusted here, but the geometry is still checked against the mapping.
 */
struct ioreq_service {
	struct ioreq_shared *shared;
	struct ioreq_slot *slots;
	struct ioreq_request *ring;
	uint32_t vcpu_slots;
	uint32_t ring_entries;
};

/* Binds `svc` to a mapped page set of `size` bytes after checking its header. */
int ioreq_service_attach(struct ioreq_service *svc, void *base, uint32_t size);

/* PENDING -> PROCESSING; copies the request and its sequence number out. */
int ioreq_slot_take(struct ioreq_service *svc, uint32_t vcpu,
		    struct ioreq_request *req, uint32_t *seq);

/* PROCESSING -> DONE with `data` (ignored for writes) for request `seq`. */
int ioreq_slot_finish(struct ioreq_service *svc, uint32_t vcpu, uint32_t seq, uint64_t data);

/* Takes the oldest posted write; IOREQ_EAGAIN when the ring is empty. */
int ioreq_posted_pop(struct ioreq_service *svc, struct ioreq_request *req);

#endif
