#include "hv/cr.h"

#include "hv/cpuid.h"
#include "hv/hvm.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

#define CR4_PCIDE (1ul << 17)

static bool in_long_mode(struct vcpu *v)
{
	return hvm->get_efer(v) & EFER_LMA;
}

/* SDM Vol. 2B, MOV to CR0: the cases that raise #GP(0). */
static bool cr0_write(struct vcpu *v, uint64_t val)
{
	uint64_t old = hvm->get_cr(v, 0);
	uint64_t efer = hvm->get_efer(v);

	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) &&
	    !(hvm->get_cr(v, 4) & CR4_PAE))
		return false;
	if (!(val & CR0_PG) && (old & CR0_PG) && in_long_mode(v)) {
		struct segment cs;
		hvm->get_segment(v, SEG_CS, &cs);
		if (cs.attr & SEG_ATTR_L)
			return false; /* paging cannot be turned off from 64-bit code */
	}
	/* ET is hardwired to 1 on everything since the i486. */
	hvm->set_cr(v, 0, val | CR0_ET);

	/* Long mode becomes active (or inactive) with paging (SDM 3A, 9.8.5). */
	if ((val ^ old) & CR0_PG) {
		if ((val & CR0_PG) && (efer & EFER_LME))
			hvm->set_efer(v, efer | EFER_LMA);
		else if (!(val & CR0_PG))
			hvm->set_efer(v, efer & ~EFER_LMA);
	}
	if ((val ^ old) & (CR0_PG | CR0_WP))
		hvm->flush_guest_tlb(v);
	return true;
}

/* SDM Vol. 2B, MOV to CR4. */
static bool cr4_write(struct vcpu *v, uint64_t val)
{
	uint64_t old = hvm->get_cr(v, 4);

	if (val & ~cpuid_guest_cr4_allowed())
		return false;
	if (in_long_mode(v) && !(val & CR4_PAE))
		return false;
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
	    (!in_long_mode(v) || (hvm->get_cr(v, 3) & 0xfff)))
		return false;
	hvm->set_cr(v, 4, val);
	if ((val ^ old) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_PCIDE | (1ul << 20) | (1ul << 21)))
		hvm->flush_guest_tlb(v);
	return true;
}

/* CR8 is the vLAPIC's task priority; bits 63:4 are reserved (SDM Vol. 3A,
 * 11.8.6.1). The backends enter with it (VMX: CR8 exits, SVM: V_TPR). */
static bool cr8_write(struct vcpu *v, uint64_t val)
{
	if (val >> 4)
		return false;
	vlapic_set_cr8(&v->lapic, (uint8_t)val);
	return true;
}

bool cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	switch (cr) {
	case 0: return cr0_write(v, val);
	case 4: return cr4_write(v, val);
	case 8: return cr8_write(v, val);
	default: return false;
	}
}

/* SDM Vol. 4, IA32_EFER; APM Vol. 2, 3.1.7. LMA is read-only: writes must
 * leave it as it is. LME cannot change while paging is on. */
bool efer_write(struct vcpu *v, uint64_t val)
{
	uint64_t old = hvm->get_efer(v);

	if (val & ~cpuid_guest_efer_allowed())
		return false;
	if ((val ^ old) & EFER_LMA)
		val = (val & ~EFER_LMA) | (old & EFER_LMA);
	if (((val ^ old) & EFER_LME) && (hvm->get_cr(v, 0) & CR0_PG))
		return false;
	hvm->set_efer(v, val);
	return true;
}
