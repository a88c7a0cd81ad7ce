/*
 * The guest page-table walker: translates a guest-virtual address the way
 * the CPU would in each paging mode (SDM Vol. 3A, 4.3-4.5), with the same
 * permission checks and #PF error codes. Guest tables are read through a
 * callback, so this is pure logic, shared by the hypervisor's guest-memory
 * accessors (nested paging), shadow paging, and host unit tests.
 */
#ifndef MMU_WALK_H
#define MMU_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum paging_mode {
	PAGING_OFF,
	PAGING_32,    /* two-level, 32-bit entries (CR4.PSE for 4 MiB pages) */
	PAGING_PAE,   /* three-level, PDPTEs from CR3 */
	PAGING_LONG4, /* four-level */
};

/* #PF error code bits (SDM Vol. 3A, 4.7). */
#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE (1u << 1)
#define PFEC_USER (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_FETCH (1u << 4)

struct walk_env {
	enum paging_mode mode;
	uint64_t cr3;
	bool pse;      /* CR4.PSE (32-bit paging only) */
	bool wp;       /* CR0.WP */
	bool nxe;      /* EFER.NXE */
	bool smep;     /* CR4.SMEP */
	bool gb_pages; /* 1 GiB pages exist (CPUID) */
	unsigned maxphyaddr;
	/* Reads a naturally aligned 4- or 8-byte table entry at guest-physical
	 * gpa; false when gpa is not readable guest RAM. */
	bool (*read_entry)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	void *ctx;
};

/* Access bits: what the access is (PFEC_WRITE | PFEC_USER | PFEC_FETCH). */
enum walk_status {
	WALK_OK = 0,
	WALK_PAGE_FAULT, /* *error holds the #PF error code */
	WALK_BAD_TABLE,  /* a table lies outside guest RAM */
};

enum walk_status guest_walk(const struct walk_env *env, uint64_t gva,
			    unsigned access, uint64_t *gpa, uint32_t *error);

#endif
