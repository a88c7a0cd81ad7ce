/*
 * Guest writes to CR0, CR4 and EFER, checked the way the SDM's MOV to CR
 * and WRMSR pages say (#GP for reserved bits and invalid combinations)
 * before anything reaches the hardware. Emulators (QEMU TCG) do not all
 * check these themselves, and a bad value can make VM entry fail.
 */
#ifndef HV_CR_H
#define HV_CR_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Each returns false when the write must raise #GP (nothing changed). */
bool cr_write(struct vcpu *v, unsigned cr, uint64_t val);
bool efer_write(struct vcpu *v, uint64_t val);

#endif
