#include "hv/cpuid.h"

#include "emulate/decode.h"
#include "hv/domain.h"
#include "hv/hvm.h"
#include "hv/time.h"
#include "hv/vlapic.h"
#include "hv/vcpu.h"

/* Feature bits (SDM Vol. 2A, CPUID; APM Vol. 3, appendix E). */
#define L1_ECX_MONITOR (1u << 3)
#define L1_ECX_DSCPL (1u << 4)
#define L1_ECX_VMX (1u << 5)
#define L1_ECX_SMX (1u << 6)
#define L1_ECX_EST (1u << 7)
#define L1_ECX_TM2 (1u << 8)
#define L1_ECX_PDCM (1u << 15)
#define L1_ECX_PCID (1u << 17)
#define L1_ECX_X2APIC (1u << 21)
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_XSAVE (1u << 26)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EDX_MTRR (1u << 12)
#define L1_EDX_DS (1u << 21)
#define L1_EDX_ACPI (1u << 22)
#define L1_EDX_HTT (1u << 28)
#define L1_EDX_TM (1u << 29)
#define L1_EDX_PBE (1u << 31)
#define L7_EBX_FSGSBASE (1u << 0)
#define L7_EBX_SGX (1u << 2)
#define L7_EBX_HLE (1u << 4)
#define L7_EBX_SMEP (1u << 7)
#define L7_EBX_INVPCID (1u << 10)
#define L7_EBX_RTM (1u << 11)
#define L7_EBX_MPX (1u << 14)
#define L7_EBX_SMAP (1u << 20)
#define L7_EBX_PT (1u << 25)
#define L7_ECX_UMIP (1u << 2)
#define LX1_ECX_SVM (1u << 2)
#define LX1_ECX_SKINIT (1u << 12)
#define LX1_EDX_MTRR (1u << 12) /* AMD's copy of leaf 1's bit */
#define LX1_EDX_NX (1u << 20)
#define LX1_EDX_PAGE1GB (1u << 26)
#define LX1_EDX_RDTSCP (1u << 27)
#define LX1_EDX_LM (1u << 29)

/* Hidden: what the hypervisor does not virtualize (power management,
 * debug stores, nested virtualization, MTRRs: their MSRs raise #GP, and
 * Linux reads MTRRcap whenever the bit is set). */
#define L1_ECX_HIDDEN (L1_ECX_MONITOR | L1_ECX_DSCPL | L1_ECX_VMX | L1_ECX_SMX | \
		       L1_ECX_EST | L1_ECX_TM2 | L1_ECX_PDCM | L1_ECX_OSXSAVE)
/* RDTSCP: TSC_AUX is not switched per vCPU, so guests would read the
 * host's; the instruction raises #UD (SVM intercept, VMX control off). */
#define LX1_EDX_HIDDEN (LX1_EDX_MTRR | LX1_EDX_RDTSCP)
#define L1_EDX_HIDDEN (L1_EDX_MTRR | L1_EDX_DS | L1_EDX_ACPI | L1_EDX_HTT | L1_EDX_TM | L1_EDX_PBE)
#define L7_EBX_KEPT (L7_EBX_FSGSBASE | L7_EBX_SMEP | L7_EBX_SMAP | (1u << 3) /* BMI1 */ | \
		     (1u << 5) /* AVX2 */ | (1u << 8) /* BMI2 */ | (1u << 9) /* ERMS */ | \
		     (1u << 18) /* RDSEED */ | (1u << 19) /* ADX */ | (1u << 23) /* CLFLUSHOPT */)
/* AltMovCr8 too: CR8 writes may be intercepted, and the hypervisor
 * decodes MOV CR8 only in its REX.R spelling, not as LOCK MOV CR0. */
#define LX1_ECX_HIDDEN (LX1_ECX_SVM | (1u << 4) /* AltMovCr8 */ | LX1_ECX_SKINIT | \
			(1u << 13) /* WDT */ | (1u << 15) /* LWP */ | (1u << 17) /* TCE */)

#define MAX_BASIC_LEAF 0xd
#define MAX_EXTENDED_LEAF 0x80000008u

static uint32_t host_max_basic, host_max_ext;
static bool host_is_amd;
static struct cpuid_regs host_leaf1, host_leaf7, host_ext1;
static unsigned host_maxphyaddr;

void cpuid_policy_init(void)
{
	struct cpuid_regs vendor = cpuid(0, 0);
	host_max_basic = vendor.eax;
	host_is_amd = vendor.ebx == 0x68747541; /* "Auth"enticAMD */
	host_max_ext = cpuid(0x80000000u, 0).eax;
	host_leaf1 = cpuid(1, 0);
	host_leaf7 = host_max_basic >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };
	host_ext1 = host_max_ext >= 0x80000001u ? cpuid(0x80000001u, 0) : (struct cpuid_regs){ 0 };
	/* Without leaf 0x80000008, 36 bits (SDM Vol. 3A, 4.1.4). */
	host_maxphyaddr = host_max_ext >= 0x80000008u ? cpuid(0x80000008u, 0).eax & 0xff : 36;
}

static struct cpuid_regs leaf1(struct vcpu *v)
{
	struct cpuid_regs r = host_leaf1;

	/* EBX: initial APIC ID, logical processors, CLFLUSH line size. */
	r.ebx = (v->id << 24) | (v->dom->nr_vcpus << 16) | (r.ebx & 0xff00);
	/* The vLAPIC has TSC-deadline mode and x2APIC whatever the host has. */
	r.ecx = (r.ecx & ~L1_ECX_HIDDEN) | L1_ECX_HYPERVISOR | L1_ECX_TSC_DEADLINE | L1_ECX_X2APIC;
	if (hvm->get_cr(v, 4) & CR4_OSXSAVE)
		r.ecx |= L1_ECX_OSXSAVE;
	r.edx &= ~L1_EDX_HIDDEN;
	return r;
}

static struct cpuid_regs basic_leaf(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	switch (leaf) {
	case 0:
		r = cpuid(0, 0);
		if (r.eax > MAX_BASIC_LEAF)
			r.eax = MAX_BASIC_LEAF;
		return r;
	case 1:
		return leaf1(v);
	case 4:
		/* Cache parameters, with one core and one thread per cache. */
		r = cpuid(4, subleaf);
		r.eax &= 0x3fff;
		return r;
	case 7:
		if (subleaf != 0)
			return (struct cpuid_regs){ 0 };
		return (struct cpuid_regs){ 0, host_leaf7.ebx & L7_EBX_KEPT, 0, 0 };
	case 0xd:
		r = cpuid(leaf, subleaf);
		/* XSAVES/XRSTORS need IA32_XSS and a VMX control we do not give
		 * guests: hide them (subleaf 1 EAX bit 3, and the XSS bits). */
		if (subleaf == 1) {
			r.eax &= ~(1u << 3);
			r.ecx = r.edx = 0;
		}
		return r;
	case 2:
		return cpuid(leaf, subleaf);
	default:
		/* Power, performance monitoring, topology (0xb): nothing. */
		return (struct cpuid_regs){ 0 };
	}
}

static struct cpuid_regs extended_leaf(uint32_t leaf)
{
	struct cpuid_regs r;

	switch (leaf) {
	case 0x80000000u:
		r = cpuid(leaf, 0);
		if (r.eax > MAX_EXTENDED_LEAF)
			r.eax = MAX_EXTENDED_LEAF;
		return r;
	case 0x80000001u:
		r = host_ext1;
		r.ecx &= ~LX1_ECX_HIDDEN;
		r.edx &= ~LX1_EDX_HIDDEN;
		return r;
	case 0x80000002u:
	case 0x80000003u:
	case 0x80000004u:
	case 0x80000005u:
	case 0x80000006u:
	case 0x80000008u:
		r = cpuid(leaf, 0);
		if (leaf == 0x80000008u)
			r.ecx = 0; /* one core */
		return r;
	default:
		return (struct cpuid_regs){ 0 };
	}
}

/* The hypervisor leaves: "KestrelHV" and the ABI version (docs/ABI.md). */
static struct cpuid_regs hypervisor_leaf(const struct vcpu *v, uint32_t leaf)
{
	const struct foreign_maps *f = &v->dom->foreign;

	switch (leaf) {
	case KESTREL_CPUID_BASE:
		return (struct cpuid_regs){ KESTREL_CPUID_MAX, KESTREL_CPUID_SIGNATURE_EBX,
					    KESTREL_CPUID_SIGNATURE_ECX, KESTREL_CPUID_SIGNATURE_EDX };
	case KESTREL_CPUID_BASE + 1:
		return (struct cpuid_regs){ KESTREL_ABI_VERSION, 0, 0, 0 };
	case KESTREL_CPUID_FOREIGN_WINDOW:
		return (struct cpuid_regs){ (uint32_t)f->window_gfn, (uint32_t)(f->window_gfn >> 32),
					    (uint32_t)f->window_pages, 0 };
	case KESTREL_CPUID_TIMING:
		return (struct cpuid_regs){ (uint32_t)time_tsc_khz(), 1000000u / VLAPIC_BUS_NS, 0, 0 };
	default:
		return (struct cpuid_regs){ 0 };
	}
}

struct cpuid_regs cpuid_guest(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	if (leaf <= MAX_BASIC_LEAF && leaf <= host_max_basic)
		return basic_leaf(v, leaf, subleaf);
	if (leaf >= 0x40000000u && leaf < 0x40000100u)
		return hypervisor_leaf(v, leaf);
	if (leaf >= 0x80000000u && leaf <= MAX_EXTENDED_LEAF && leaf <= host_max_ext)
		return extended_leaf(leaf);
	return (struct cpuid_regs){ 0 };
}

bool cpuid_vendor_amd(void)
{
	return host_is_amd;
}

unsigned cpuid_decode_options(void)
{
	return cpuid_vendor_amd() ? X86_DECODE_AMD : 0;
}

uint64_t cpuid_guest_cr4_allowed(void)
{
	uint64_t allowed = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE |
			   CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (host_leaf1.ecx & L1_ECX_PCID)
		allowed |= 1ul << 17;
	if (host_leaf1.ecx & L1_ECX_XSAVE)
		allowed |= CR4_OSXSAVE;
	if (host_leaf7.ebx & L7_EBX_FSGSBASE)
		allowed |= 1ul << 16;
	if (host_leaf7.ebx & L7_EBX_SMEP)
		allowed |= 1ul << 20;
	if (host_leaf7.ebx & L7_EBX_SMAP)
		allowed |= 1ul << 21;
	return allowed;
}

bool cpuid_guest_gb_pages(void)
{
	return host_ext1.edx & LX1_EDX_PAGE1GB; /* passed through */
}

unsigned cpuid_guest_maxphyaddr(void)
{
	return host_maxphyaddr;
}

uint64_t cpuid_guest_efer_allowed(void)
{
	uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA;

	if (host_ext1.edx & LX1_EDX_NX)
		allowed |= EFER_NXE;
	return allowed;
}
