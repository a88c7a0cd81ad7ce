/* CPU vendor from CPUID leaf 0: it picks the hypercall instruction. */
#include "guest.h"

enum cpu_vendor cpu_vendor(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	/* The vendor string is EBX, EDX, ECX in that order. */
	if (r.ebx == 0x756E6547 && r.edx == 0x49656E69 && r.ecx == 0x6C65746E)
		return VENDOR_INTEL; /* "GenuineIntel" */
	if (r.ebx == 0x68747541 && r.edx == 0x69746E65 && r.ecx == 0x444D4163)
		return VENDOR_AMD; /* "AuthenticAMD" */
	return VENDOR_OTHER;
}

const char *cpu_vendor_name(enum cpu_vendor v)
{
	return v == VENDOR_INTEL ? "Intel" : v == VENDOR_AMD ? "AMD" : "unknown";
}
