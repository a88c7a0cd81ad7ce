#include "mmu/walk.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

/* Permissions accumulated over the levels: an access needs all of them. */
struct rights {
	bool write, user, exec;
};

static uint64_t addr_bits(unsigned maxphyaddr)
{
	return ((1ull << maxphyaddr) - 1) & ~0xfffull;
}

/* Bits that must be zero in a 64-bit entry at `level` (SDM 3A, 4.4.2, 4.5.4):
 * physical-address bits from MAXPHYADDR up (bits 62:52 too under PAE, which
 * has no ignored high bits), NX without EFER.NXE, and misplaced PS. */
static uint64_t reserved_mask(const struct walk_env *env, unsigned level, uint64_t e)
{
	uint64_t rsvd = ((1ull << 52) - 1) & ~((1ull << env->maxphyaddr) - 1);
	if (env->mode == PAGING_PAE)
		rsvd |= 0x7ff0000000000000ull;
	if (!env->nxe)
		rsvd |= PTE_NX;
	if (level == 4)
		rsvd |= PTE_PS;
	if (level == 3 && (e & PTE_PS))
		rsvd |= env->gb_pages ? 0x3fffe000ull : PTE_PS;
	if (level == 2 && (e & PTE_PS))
		rsvd |= 0x1fe000ull; /* bits 20:13 of a 2 MiB leaf */
	return rsvd;
}

static enum walk_status fault(uint32_t *error, unsigned access, uint32_t bits)
{
	*error = (access & (PFEC_WRITE | PFEC_USER | PFEC_FETCH)) | bits;
	return WALK_PAGE_FAULT;
}

static void restrict_rights(struct rights *r, uint64_t e, bool nx_enabled)
{
	r->write &= !!(e & PTE_W);
	r->user &= !!(e & PTE_U);
	if (nx_enabled)
		r->exec &= !(e & PTE_NX);
}

/* Checks the accumulated rights against the access (SDM 3A, 4.6). */
static enum walk_status check_rights(const struct walk_env *env, const struct rights *r,
				     unsigned access, uint32_t *error)
{
	bool user = access & PFEC_USER;

	if (user && !r->user)
		return fault(error, access, PFEC_PRESENT);
	if ((access & PFEC_WRITE) && !r->write && (user || env->wp))
		return fault(error, access, PFEC_PRESENT);
	if (access & PFEC_FETCH) {
		if (!r->exec || (!user && env->smep && r->user))
			return fault(error, access, PFEC_PRESENT);
	}
	return WALK_OK;
}

static enum walk_status walk_32bit(const struct walk_env *env, uint64_t gva, unsigned access,
				   uint64_t *gpa, uint32_t *error)
{
	struct rights r = { true, true, true };
	uint64_t pde, pte;
	uint32_t va = (uint32_t)gva;

	if (!env->read_entry(env->ctx, (env->cr3 & 0xfffff000u) + ((va >> 22) * 4), 4, &pde))
		return WALK_BAD_TABLE;
	if (!(pde & PTE_P))
		return fault(error, access, 0);
	restrict_rights(&r, pde, false);
	if ((pde & PTE_PS) && env->pse) {
		/* PSE-36: bits 20:13 of the PDE are physical bits 39:32. */
		uint64_t high = ((pde >> 13) & 0xff) << 32;
		if (pde & (1u << 21))
			return fault(error, access, PFEC_PRESENT | PFEC_RSVD);
		enum walk_status s = check_rights(env, &r, access, error);
		*gpa = high | (pde & 0xffc00000u) | (va & 0x3fffff);
		return s;
	}
	if (!env->read_entry(env->ctx, (pde & 0xfffff000u) + (((va >> 12) & 0x3ff) * 4), 4, &pte))
		return WALK_BAD_TABLE;
	if (!(pte & PTE_P))
		return fault(error, access, 0);
	restrict_rights(&r, pte, false);
	enum walk_status s = check_rights(env, &r, access, error);
	*gpa = (pte & 0xfffff000u) | (va & 0xfff);
	return s;
}

/* PAE and four-level paging share the 64-bit entry format. */
static enum walk_status walk_64bit_entries(const struct walk_env *env, uint64_t gva,
					   unsigned access, uint64_t *gpa, uint32_t *error)
{
	struct rights r = { true, true, true };
	unsigned level = env->mode == PAGING_LONG4 ? 4 : 2;
	uint64_t table, e;

	if (env->mode == PAGING_PAE) {
		uint64_t pdpte_gpa = (env->cr3 & 0xffffffe0u) + ((gva >> 30) & 3) * 8;
		if (!env->read_entry(env->ctx, pdpte_gpa, 8, &e))
			return WALK_BAD_TABLE;
		if (!(e & PTE_P))
			return fault(error, access, 0);
		/* PDPTE bits 2:1, 8:5 and 63 (NX) are reserved (SDM 3A, 4.4.1). */
		if (e & (0x1e6ull | PTE_NX | ~((1ull << env->maxphyaddr) - 1)))
			return fault(error, access, PFEC_PRESENT | PFEC_RSVD);
		table = e & addr_bits(env->maxphyaddr);
	} else {
		table = env->cr3 & addr_bits(env->maxphyaddr);
	}

	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		if (!env->read_entry(env->ctx, table + ((gva >> shift) & 511) * 8, 8, &e))
			return WALK_BAD_TABLE;
		if (!(e & PTE_P))
			return fault(error, access, 0);
		if (e & reserved_mask(env, level, e))
			return fault(error, access, PFEC_PRESENT | PFEC_RSVD);
		restrict_rights(&r, e, env->nxe);
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			uint64_t page_mask = (1ull << shift) - 1;
			enum walk_status s = check_rights(env, &r, access, error);
			*gpa = (e & addr_bits(env->maxphyaddr) & ~page_mask) | (gva & page_mask);
			return s;
		}
		table = e & addr_bits(env->maxphyaddr);
	}
}

enum walk_status guest_walk(const struct walk_env *env, uint64_t gva,
			    unsigned access, uint64_t *gpa, uint32_t *error)
{
	switch (env->mode) {
	case PAGING_OFF:
		*gpa = gva;
		return WALK_OK;
	case PAGING_32:
		return walk_32bit(env, gva, access, gpa, error);
	default:
		return walk_64bit_entries(env, gva, access, gpa, error);
	}
}
