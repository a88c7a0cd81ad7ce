/* Hypercalls (docs/ABI.md): vmcall/vmmcall, number in RAX, arguments in
 * RDI, RSI, RDX, R10, R8, R9, result in RAX (negative errno on failure). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "hv/abi.h"

struct vcpu;

void hypercall_dispatch(struct vcpu *v);

#endif
