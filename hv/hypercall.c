#include "hv/hypercall.h"

#include "hv/cpuid.h"
#include "emulate/decode.h"
#include "hv/errno.h"
#include "hv/vcpu.h"

typedef int64_t (*hypercall_fn)(struct vcpu *v, const uint64_t args[6]);

static int64_t hc_version(struct vcpu *v, const uint64_t args[6])
{
	return KESTREL_ABI_VERSION;
}

static int64_t hc_echo(struct vcpu *v, const uint64_t args[6])
{
	return (int64_t)args[0];
}

static const hypercall_fn hypercalls[] = {
	[KHC_VERSION] = hc_version,
	[KHC_ECHO] = hc_echo,
};

void hypercall_dispatch(struct vcpu *v)
{
	/* Outside 64-bit code only the low halves are the caller's. */
	uint64_t mask = vcpu_code_mode(v) == X86_MODE_64 ? ~0ull : 0xffffffffull;
	uint64_t nr = v->regs[GPR_RAX] & mask;
	const uint64_t args[6] = {
		v->regs[GPR_RDI] & mask, v->regs[GPR_RSI] & mask, v->regs[GPR_RDX] & mask,
		v->regs[GPR_R10] & mask, v->regs[GPR_R8] & mask, v->regs[GPR_R9] & mask,
	};

	if (nr >= sizeof(hypercalls) / sizeof(hypercalls[0]) || !hypercalls[nr]) {
		v->regs[GPR_RAX] = (uint64_t)-ENOSYS;
		return;
	}
	v->regs[GPR_RAX] = (uint64_t)hypercalls[nr](v, args);
}
