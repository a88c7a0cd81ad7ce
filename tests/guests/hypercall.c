/* hypercall: the hypercall ABI (README.md "Hypercalls") from 32-bit
 * protected mode and from long mode: HC_VERSION, HC_ECHO with edge values
 * and every other register preserved, -ENOSYS for unknown numbers. */
#include "guest.h"

const char guest_name[] = "hypercall";

enum {
	FAIL_NO_HYPERCALL = 1,
	FAIL_VERSION,
	FAIL_ECHO,
	FAIL_ECHO_REGS,
	FAIL_ENOSYS,
	/* 6..9 come from hypercall_long.asm */
	FAIL_LONG_VERSION = 6,
	FAIL_LONG_ECHO,
	FAIL_LONG_REGS,
	FAIL_LONG_ENOSYS,
};

uint32_t hc_echo_clobbers32(uint32_t use_vmmcall, uint32_t value);
uint32_t hc_long_checks(uint32_t use_vmmcall);

static const uint32_t echo_values[] = { 0, 1, 0x7FFFFFFF, 0x80000000, 0xDEADBEEF, 0xFFFFFFFF };
/* Far from the numbers in use (hv/abi.h: 0..5 today, 2..5 dom0-only). */
static const uint32_t unknown_numbers[] = { 0x1000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF };

void guest_main(void)
{
	enum cpu_vendor vendor = cpu_vendor();
	uint32_t amd = vendor == VENDOR_AMD, r;
	note("vendor %s: hypercalls use %s", cpu_vendor_name(vendor), amd ? "vmmcall" : "vmcall");
	bool ok = hypercall(HC_VERSION, 0, 0, 0, &r);
	if (!ok) {
		check(false, FAIL_NO_HYPERCALL, "HC_VERSION does not return: %s %u",
		      vendor == VENDOR_OTHER ? "unknown vendor" : "exception vector", r);
		return;
	}
	check(r == HC_ABI_VERSION, FAIL_VERSION, "HC_VERSION = 0x%08x (want 0x%08x)", r, HC_ABI_VERSION);

	for (unsigned i = 0; i < ARRAY_SIZE(echo_values); i++) {
		uint32_t v = echo_values[i];
		ok = hypercall(HC_ECHO, v, 0x12345678, 0x9ABCDEF0, &r);
		check(ok && r == v, FAIL_ECHO, "HC_ECHO(0x%08x) = 0x%08x", v, r);
		uint32_t clobbered = hc_echo_clobbers32(amd, v);
		check(clobbered == 0, FAIL_ECHO_REGS,
		      "HC_ECHO(0x%08x) keeps EBX ECX EDX ESI EDI EBP (changed mask 0x%x: bit 0 EAX, 1 EBX, 2 ECX, "
		      "3 EDX, 4 ESI, 5 EDI, 6 EBP)",
		      v, clobbered);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(unknown_numbers); i++) {
		uint32_t nr = unknown_numbers[i];
		ok = hypercall(nr, 1, 2, 3, &r);
		check(ok && r == HC_ENOSYS, FAIL_ENOSYS, "hypercall 0x%x = %d (want -38, -ENOSYS)", nr, (int32_t)r);
	}

	note("entering long mode for the 64-bit checks");
	uint32_t code = longmode_call(hc_long_checks, amd);
	check(code == 0, code, "long mode: HC_VERSION, HC_ECHO of 64-bit values with RBX..R15 preserved, -ENOSYS "
			       "sign-extended to 64 bits");
}
