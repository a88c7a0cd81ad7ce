/* Who we run on: the CPU vendor (CPUID leaf 0) picks the hypercall
 * instruction; the Kestrel signature (leaf 0x40000000) tells a test domain
 * from bare metal or a bare emulator. */
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

bool kestrel_present(void)
{
	struct cpuid_regs r = cpuid(0x40000000, 0);
	return !memcmp(&r.ebx, "Kest", 4) && !memcmp(&r.ecx, "relH", 4) && !memcmp(&r.edx, "V\0\0\0", 4);
}
