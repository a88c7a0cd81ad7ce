/* Handling generic VM exits, whichever backend produced them. */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "hv/hvm.h"

struct vcpu;

void exit_dispatch(struct vcpu *v, struct vm_exit *exit);

#endif
