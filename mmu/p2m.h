/*
 * The physical-to-machine map of one domain: what each guest-physical page
 * is. A sorted array of ranges, each of one type; RAM ranges are backed by
 * contiguous host frames. NPT and EPT tables are built from it, and every
 * hypervisor access to guest memory goes through it.
 */
#ifndef MMU_P2M_H
#define MMU_P2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum p2m_type {
	P2M_HOLE = 0,     /* nothing: a guest access kills the domain */
	P2M_RAM,          /* guest RAM backed by host frames */
	P2M_MMIO_EMUL,    /* emulated in the hypervisor */
	P2M_MMIO_FORWARD, /* forwarded to a device model in dom0 */
};

struct p2m_range {
	uint64_t gfn, count;
	uint64_t mfn; /* RAM: first backing frame */
	enum p2m_type type;
	bool owned;   /* the frames are the domain's and freed with it */
	bool foreign; /* RAM of another domain, mapped by this one (hv/foreign.c) */
};

struct p2m {
	struct p2m_range *ranges;
	size_t count, capacity;
};

/* RAM that is the domain's own, not another's it maps: what the
 * hypervisor may keep using (a ring) or hand on (a foreign mapping). */
static inline bool p2m_is_own_ram(const struct p2m_range *r)
{
	return r && r->type == P2M_RAM && !r->foreign;
}

/* Adds a range; fails with -EEXIST on overlap, -ENOMEM when out of memory,
 * -EINVAL for an empty or wrapping range. */
int p2m_add(struct p2m *p, const struct p2m_range *r);

/* Removes every range inside [gfn, gfn + count) (their frames are the
 * caller's business): the number removed, or -EINVAL when a range lies
 * only partly inside (nothing is removed then). */
int p2m_remove(struct p2m *p, uint64_t gfn, uint64_t count);

/* Whether any range meets [gfn, gfn + count). */
bool p2m_overlaps(const struct p2m *p, uint64_t gfn, uint64_t count);

/* The range holding gfn, or NULL for a hole. */
const struct p2m_range *p2m_lookup(const struct p2m *p, uint64_t gfn);

/* The host frame behind a RAM gfn in *mfn; false when gfn is not RAM.
 * (Frame 0 is a valid answer: dom0's first page is the machine's.) */
bool p2m_ram_mfn(const struct p2m *p, uint64_t gfn, uint64_t *mfn);

/* Drops every range; `free_frames` is called for owned RAM. */
void p2m_destroy(struct p2m *p, void (*free_frames)(uint64_t mfn, uint64_t count));

#endif
