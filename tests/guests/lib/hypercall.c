/* Hypercalls from 32-bit code: vmmcall on AMD, vmcall on Intel. Without a
 * hypervisor both raise #UD; the capture turns that into a clean failure. */
#include "guest.h"

bool hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t *result)
{
	static enum cpu_vendor vendor = VENDOR_OTHER;
	if (vendor == VENDOR_OTHER)
		vendor = cpu_vendor();
	if (vendor == VENDOR_OTHER) {
		*result = 0;
		return false;
	}
	/* Both instructions are 3 bytes: 0F 01 D9 and 0F 01 C1. */
	exc_expect(3);
	uint32_t r = vendor == VENDOR_AMD ? hc_vmmcall(nr, a0, a1, a2) : hc_vmcall(nr, a0, a1, a2);
	struct exc_record e = exc_caught();
	if (e.vector >= 0) {
		*result = (uint32_t)e.vector;
		return false;
	}
	*result = r;
	return true;
}

#ifdef __x86_64__
int64_t hypercall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5)
{
	return cpu_vendor() == VENDOR_AMD ? hc6_vmmcall(nr, a0, a1, a2, a3, a4, a5)
					  : hc6_vmcall(nr, a0, a1, a2, a3, a4, a5);
}
#endif
