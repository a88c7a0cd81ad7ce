/* cpuid: the CPUID a Kestrel guest sees (README.md "CPUID"): hypervisor
 * bit and signature, ABI version, SVM/VMX/MONITOR hidden, topology fields
 * that agree with one vCPU with APIC ID 0. */
#include "guest.h"

const char guest_name[] = "cpuid";

enum {
	FAIL_MAX_BASIC = 1,
	FAIL_VENDOR,
	FAIL_HV_BIT,
	FAIL_VMX_VISIBLE,
	FAIL_MONITOR_VISIBLE,
	FAIL_APIC_ID,
	FAIL_LOGICAL_COUNT,
	FAIL_MAX_EXTENDED,
	FAIL_SVM_VISIBLE,
	FAIL_HV_MAX_LEAF,
	FAIL_SIGNATURE,
	FAIL_ABI_VERSION,
	FAIL_LEAF4_TOPOLOGY,
	FAIL_LEAFB_TOPOLOGY,
	FAIL_AMD_CORE_COUNT,
	FAIL_MTRR_VISIBLE,
	FAIL_RDTSCP,
};

#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_VMX (1u << 5)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_MTRR (1u << 12)
#define LEAF1_EDX_HTT (1u << 28)
#define EXT1_ECX_SVM (1u << 2)
#define EXT1_EDX_MTRR (1u << 12)
#define EXT1_EDX_RDTSCP (1u << 27)
#define UD_VECTOR 6

/* Leaf 1 EBX (SDM Vol. 2A CPUID): [31:24] initial APIC ID, [23:16] maximum
 * addressable logical processor IDs in the package (valid when EDX.HTT). */
static uint32_t apic_id, logical_count;
static bool htt;

static void check_basic(uint32_t max_basic)
{
	struct cpuid_regs r = cpuid(1, 0);
	apic_id = r.ebx >> 24;
	logical_count = (r.ebx >> 16) & 0xFF;
	htt = r.edx & LEAF1_EDX_HTT;
	check(r.ecx & LEAF1_ECX_HYPERVISOR, FAIL_HV_BIT, "leaf 1 ECX[31] hypervisor present (ecx 0x%08x)",
	      r.ecx);
	check(!(r.ecx & LEAF1_ECX_VMX), FAIL_VMX_VISIBLE, "leaf 1 ECX[5] VMX hidden");
	check(!(r.ecx & LEAF1_ECX_MONITOR), FAIL_MONITOR_VISIBLE, "leaf 1 ECX[3] MONITOR/MWAIT hidden");
	/* No MTRR MSRs behind it: a kernel that saw the bit would read them. */
	check(!(r.edx & LEAF1_EDX_MTRR), FAIL_MTRR_VISIBLE, "leaf 1 EDX[12] MTRR hidden (edx 0x%08x)",
	      r.edx);
	check(apic_id == 0, FAIL_APIC_ID, "leaf 1 EBX[31:24] initial APIC ID is 0 (got %u)", apic_id);
	check(logical_count >= 1, FAIL_LOGICAL_COUNT,
	      "leaf 1 EBX[23:16] logical processor count >= 1 (got %u, HTT %u)", logical_count, htt);

	/* Leaf 4 subleaf 0, if it describes a cache (type != 0): EAX[31:26] + 1
	 * addressable core IDs can never exceed the logical IDs of leaf 1, and
	 * without HTT the package has one logical processor. */
	if (max_basic >= 4) {
		r = cpuid(4, 0);
		if (r.eax & 0x1F) {
			uint32_t cores = (r.eax >> 26) + 1;
			bool ok = htt ? cores <= logical_count : cores == 1;
			check(ok, FAIL_LEAF4_TOPOLOGY,
			      "leaf 4 cores per package %u agrees with leaf 1 (logical %u, HTT %u)", cores,
			      logical_count, htt);
		} else {
			note("leaf 4 describes no cache; skipped");
		}
	}
	/* Leaf 0xB subleaf 0, if valid (EBX != 0): the SMT level (ECX[15:8] = 1)
	 * and an x2APIC ID equal to the initial APIC ID. */
	if (max_basic >= 0xB) {
		r = cpuid(0xB, 0);
		if (r.ebx & 0xFFFF) {
			uint32_t type = (r.ecx >> 8) & 0xFF;
			check(type == 1 && r.edx == apic_id, FAIL_LEAFB_TOPOLOGY,
			      "leaf 0xB subleaf 0: level type %u (want 1 = SMT), x2APIC ID %u (want %u)", type,
			      r.edx, apic_id);
		} else {
			note("leaf 0xB not enumerated (EBX 0); skipped");
		}
	}
}

static void check_extended(enum cpu_vendor vendor)
{
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	if (!check(max_ext >= 0x80000001 && max_ext < 0x80010000, FAIL_MAX_EXTENDED,
		   "max extended leaf 0x%08x >= 0x80000001", max_ext))
		return;
	struct cpuid_regs r = cpuid(0x80000001, 0);
	check(!(r.ecx & EXT1_ECX_SVM), FAIL_SVM_VISIBLE, "leaf 0x80000001 ECX[2] SVM hidden (ecx 0x%08x)",
	      r.ecx);
	check(!(r.edx & EXT1_EDX_MTRR), FAIL_MTRR_VISIBLE, "leaf 0x80000001 EDX[12] MTRR hidden");
	/* Hidden, and really not there: TSC_AUX would be the host's. */
	exc_expect(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xf9" /* rdtscp */ ::: "eax", "ecx", "edx", "memory");
	struct exc_record e = exc_caught();
	check(!(r.edx & EXT1_EDX_RDTSCP) && e.vector == UD_VECTOR, FAIL_RDTSCP,
	      "leaf 0x80000001 EDX[27] RDTSCP hidden (edx 0x%08x), and RDTSCP raises #UD (vector %d)",
	      r.edx, e.vector);
	/* AMD APM Vol. 3 E.4.7: 0x80000008 ECX[7:0] NC = cores in the package - 1. */
	if (vendor == VENDOR_AMD && max_ext >= 0x80000008) {
		uint32_t cores = (cpuid(0x80000008, 0).ecx & 0xFF) + 1;
		bool ok = htt ? cores <= logical_count : cores == 1;
		check(ok, FAIL_AMD_CORE_COUNT,
		      "leaf 0x80000008 ECX[7:0] cores %u agrees with leaf 1 (logical %u, HTT %u)", cores,
		      logical_count, htt);
	}
}

static void check_hypervisor_leaves(void)
{
	struct cpuid_regs r = cpuid(0x40000000, 0);
	char sig[13];
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7E))
			sig[i] = '?';
	/* The range 0x40000000-0x400000FF is the hypervisor's; later ABI
	 * versions may add leaves, so only the floor is fixed. */
	check(r.eax >= 0x40000001 && r.eax <= 0x400000FF, FAIL_HV_MAX_LEAF,
	      "leaf 0x40000000 EAX highest hypervisor leaf 0x%08x in 0x40000001..0x400000ff", r.eax);
	check(!memcmp(&r.ebx, "Kest", 4) && !memcmp(&r.ecx, "relH", 4) && !memcmp(&r.edx, "V\0\0\0", 4),
	      FAIL_SIGNATURE, "leaf 0x40000000 signature \"%s\" is \"KestrelHV\"", sig);
	uint32_t version = cpuid(0x40000001, 0).eax;
	check(version >> 16 == HC_ABI_VERSION >> 16, FAIL_ABI_VERSION,
	      "leaf 0x40000001 EAX ABI version 0x%08x has major 1", version);
}

void guest_main(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	enum cpu_vendor vendor = cpu_vendor();
	check(r.eax >= 1, FAIL_MAX_BASIC, "max basic leaf 0x%x >= 1", r.eax);
	check(vendor != VENDOR_OTHER, FAIL_VENDOR, "vendor is Intel or AMD (%s)", cpu_vendor_name(vendor));
	if (r.eax >= 1)
		check_basic(r.eax);
	check_extended(vendor);
	check_hypervisor_leaves();
}
