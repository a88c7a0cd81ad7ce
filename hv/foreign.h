/*
 * Foreign mapping: a privileged domain sees pages of another domain's RAM
 * in a window of its own guest-physical space (KHC_MEMORY_MAP_FOREIGN), as
 * a device model or a domain builder in dom0 needs to.
 */
#ifndef HV_FOREIGN_H
#define HV_FOREIGN_H

#include <stdint.h>

struct domain;
struct vcpu;

/* One mapping: [local_gfn, local_gfn + count) of the mapper shows the
 * target's RAM; the reference on the target keeps that RAM allocated. */
struct foreign_map {
	uint64_t local_gfn, count;
	struct domain *target;
};

struct foreign_maps {
	uint64_t window_gfn, window_pages; /* 0 pages: may not map */
	struct foreign_map *maps;          /* KESTREL_FOREIGN_MAPS_MAX, from the first map */
	unsigned count;
};

/* Gives privileged domain `d` its window: the first 1 GiB-aligned hole
 * above its RAM, clear of the local APIC and IOAPIC pages below 4 GiB.
 * Called once its RAM is laid out; the window's first gfn. */
uint64_t foreign_window_place(struct domain *d);

int64_t foreign_hc_map(struct vcpu *v, const uint64_t args[6]);
int64_t foreign_hc_unmap(struct vcpu *v, const uint64_t args[6]);

/* The mapper is freed: its mappings' references go (a target destroyed
 * while mapped is freed now). */
void foreign_release_all(struct domain *d);

#endif
