/* Hypercalls (docs/ABI.md): vmcall/vmmcall, number in RAX, arguments in
 * RDI, RSI, RDX, R10, R8, R9, result in RAX (negative errno on failure). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

enum hypercall_nr {
	HC_VERSION = 0,
	HC_ECHO = 1,
};

struct vcpu;

void hypercall_dispatch(struct vcpu *v);

#endif
