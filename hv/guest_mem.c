#include "hv/guest_mem.h"

#include "hv/cpuid.h"
#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/string.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

/* Copies between the hypervisor and guest RAM a page at a time, since
 * consecutive guest pages need not be consecutive host frames. */
static int guest_phys_copy(struct domain *d, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t mfn;
		size_t chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		if (!p2m_ram_mfn(&d->p2m, gpa >> PAGE_SHIFT, &mfn))
			return -EFAULT;
		if (chunk > len)
			chunk = len;
		uint8_t *host = (uint8_t *)phys_to_virt(mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
		if (write)
			memcpy(host, p, chunk);
		else
			memcpy(p, host, chunk);
		gpa += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_phys_read(struct domain *d, uint64_t gpa, void *buf, size_t len)
{
	return guest_phys_copy(d, gpa, buf, len, false);
}

int guest_phys_write(struct domain *d, uint64_t gpa, const void *buf, size_t len)
{
	return guest_phys_copy(d, gpa, (void *)buf, len, true);
}

static bool read_table_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	*val = 0;
	return guest_phys_read(ctx, gpa, val, size) == 0;
}

void vcpu_walk_env(struct vcpu *v, struct walk_env *env)
{
	uint64_t cr0 = hvm->get_cr(v, 0), cr4 = hvm->get_cr(v, 4), efer = hvm->get_efer(v);

	*env = (struct walk_env){
		.mode = !(cr0 & CR0_PG)     ? PAGING_OFF
			: (efer & EFER_LMA) ? PAGING_LONG4
			: (cr4 & CR4_PAE)   ? PAGING_PAE
					    : PAGING_32,
		.cr3 = hvm->get_cr(v, 3),
		.pse = cr4 & CR4_PSE,
		.wp = cr0 & CR0_WP,
		.nxe = efer & EFER_NXE,
		.smep = cr4 & (1ul << 20),
		.gb_pages = cpuid_guest_gb_pages(),
		.maxphyaddr = cpuid_guest_maxphyaddr(),
		.read_entry = read_table_entry,
		.ctx = v->dom,
	};
}

static enum gva_status guest_virt_copy(struct vcpu *v, uint64_t gva, void *buf, size_t len,
				       unsigned access, uint32_t *pf_error,
				       uint64_t *fault_addr, bool write)
{
	struct walk_env env;
	uint8_t *p = buf;

	vcpu_walk_env(v, &env);
	while (len) {
		uint64_t gpa;
		size_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		enum walk_status s = guest_walk(&env, gva, access, &gpa, pf_error);
		if (s == WALK_PAGE_FAULT) {
			*fault_addr = gva;
			return GVA_PAGE_FAULT;
		}
		if (s != WALK_OK || guest_phys_copy(v->dom, gpa, p, chunk, write))
			return GVA_BAD_MEMORY;
		gva += chunk;
		p += chunk;
		len -= chunk;
	}
	return GVA_OK;
}

enum gva_status guest_virt_read(struct vcpu *v, uint64_t gva, void *buf, size_t len,
				unsigned access, uint32_t *pf_error, uint64_t *fault_addr)
{
	return guest_virt_copy(v, gva, buf, len, access, pf_error, fault_addr, false);
}

enum gva_status guest_virt_write(struct vcpu *v, uint64_t gva, const void *buf, size_t len,
				 unsigned access, uint32_t *pf_error, uint64_t *fault_addr)
{
	return guest_virt_copy(v, gva, (void *)buf, len, access | PFEC_WRITE, pf_error,
			       fault_addr, true);
}
