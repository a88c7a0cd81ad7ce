#include "hv/msr.h"

#include "hv/cpuid.h"
#include "hv/cr.h"
#include "hv/hvm.h"
#include "hv/vcpu.h"
#include "hv/vplatform.h"
#include "hv/x2apic.h"
#include "hv/x86.h"

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1bu
/* Microcode revision (Intel IA32_BIOS_SIGN_ID: write 0, CPUID, read the
 * revision in bits 63:32; AMD's read-only PATCH_LEVEL). Guests have no
 * microcode of their own: revision 0, and an Intel write is accepted. */
#define MSR_MICROCODE_REV 0x8bu
#define MSR_MISC_ENABLE 0x1a0u
#define MSR_PAT 0x277u
#define MSR_TSC_DEADLINE 0x6e0u
/* AMD's interrupt pending message register (BKDG for family 0Fh/10h):
 * Linux reads it on the CPU models with erratum 400 (QEMU's qemu64 is
 * one) to see whether C1E is on. A guest's HLT is the hypervisor's: C1E
 * is never on, and the register reads 0. */
#define MSR_AMD_INT_PENDING_MSG 0xc0010055u

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define MISC_ENABLE_FAST_STRINGS (1ull << 0)

static uint64_t apic_base(struct vcpu *v)
{
	return APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0) |
	       (v->x2apic_mode ? APIC_BASE_EXTD : 0);
}

/* The xAPIC stays where it is and enabled; the only change a guest may
 * make is into x2APIC mode (leaving it needs a disable, which we refuse:
 * SDM 11.12.5). */
static bool apic_base_write(struct vcpu *v, uint64_t val)
{
	uint64_t fixed = apic_base(v) & ~APIC_BASE_EXTD;

	if ((val & ~APIC_BASE_EXTD) != fixed)
		return false;
	if (v->x2apic_mode && !(val & APIC_BASE_EXTD))
		return false;
	v->x2apic_mode = val & APIC_BASE_EXTD;
	return true;
}

bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_TSC:
		*val = vplatform_guest_tsc(v->dom);
		return true;
	case MSR_APIC_BASE:
		*val = apic_base(v);
		return true;
	case MSR_MISC_ENABLE:
		*val = MISC_ENABLE_FAST_STRINGS;
		return true;
	case MSR_MICROCODE_REV:
		*val = 0;
		return true;
	case MSR_EFER:
		*val = hvm->get_efer(v);
		return true;
	case MSR_TSC_DEADLINE:
		*val = vlapic_read_tsc_deadline(&v->lapic);
		return true;
	case X2APIC_MSR_FIRST ... X2APIC_MSR_LAST:
		return x2apic_msr_read(v, msr, val);
	case MSR_AMD_INT_PENDING_MSG:
		*val = 0;
		return cpuid_vendor_amd();
	default:
		return hvm->get_hw_msr(v, msr, val);
	}
}

/* PAT entries must hold a valid memory type: 0, 1, 4, 5, 6 or 7. */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(pat >> (8 * i));
		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_TSC:
		vplatform_set_guest_tsc(v->dom, val);
		return true;
	case MSR_APIC_BASE:
		return apic_base_write(v, val);
	case MSR_MISC_ENABLE:
		return val == MISC_ENABLE_FAST_STRINGS;
	case MSR_MICROCODE_REV:
		return !cpuid_vendor_amd();
	case MSR_EFER:
		return efer_write(v, val);
	case MSR_PAT:
		return pat_valid(val) && hvm->set_hw_msr(v, msr, val);
	case MSR_TSC_DEADLINE:
		vlapic_write_tsc_deadline(&v->lapic, val);
		return true;
	case X2APIC_MSR_FIRST ... X2APIC_MSR_LAST:
		return x2apic_msr_write(v, msr, val);
	default:
		return hvm->set_hw_msr(v, msr, val);
	}
}
