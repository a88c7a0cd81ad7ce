/*
 * Registers a vCPU leaves in the CPU across its exits, because the
 * hypervisor never uses them and VMCS/VMCB do not switch them: x87/SSE/AVX
 * and XCR0 (hv/fpu.h), DR0-DR3 and DR6 (hv/debugreg.h). They are saved, and
 * the next vCPU's loaded, only when another vCPU enters on the CPU; each
 * CPU knows whose they hold (percpu.state_owner). vCPUs never move between
 * CPUs, so saved registers are only loaded back where they were saved.
 */
#ifndef HV_VCPU_SWITCH_H
#define HV_VCPU_SWITCH_H

struct vcpu;

/* Before `v` enters: its registers in the CPU, the previous owner's saved. */
void vcpu_switch_to(struct vcpu *v);
/* `v` leaves this CPU for good (its domain is going): whatever of it the
 * CPU holds is dropped. */
void vcpu_switch_forget(struct vcpu *v);

#endif
