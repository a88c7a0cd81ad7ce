/*
 * The guests' x87, SSE and AVX registers and their XCR0. The hypervisor is
 * built without them (-mno-sse and friends), so a guest's state stays in
 * the CPU across its exits; it is saved, and the next guest's loaded, only
 * when another vCPU enters on this CPU. Each CPU knows whose state it holds
 * (percpu.fpu_owner); vCPUs never move between CPUs, so a saved state is
 * only ever loaded back where it was saved.
 */
#ifndef HV_FPU_H
#define HV_FPU_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct fpu_state {
	void *mem;     /* the allocation; `area` is inside it, 64-byte aligned */
	uint8_t *area; /* XSAVE image (FXSAVE image without XSAVE) */
	uint64_t xcr0; /* the guest's XCR0 while its state is out of the CPU */
};

/* Lets this CPU save and load the state: CR0.EM/TS clear, CR4.OSFXSR and,
 * with XSAVE, CR4.OSXSAVE. After the backend enabled itself (VMX checks
 * CR0 and CR4 against its fixed bits). */
void fpu_cpu_init(void);

/* The state after reset: x87 initialized, SSE registers zero, MXCSR
 * 0x1f80, XCR0 = x87 only. */
int fpu_state_init(struct fpu_state *s);
void fpu_state_free(struct fpu_state *s);

/* Before `v` enters: puts its state (and XCR0) in this CPU, saving the
 * previous owner's. Nothing to do when v owned it already. */
void fpu_switch_to(struct vcpu *v);
/* `v` leaves this CPU for good (its domain is going): its state in the
 * CPU, if any, is dropped. */
void fpu_forget(struct vcpu *v);

/* XSETBV done for a guest whose XSETBV exits (VMX): false when it must
 * raise #GP. `v` is running, so the value goes straight into the CPU. */
bool fpu_set_xcr0(struct vcpu *v, uint64_t xcr0);

#endif
