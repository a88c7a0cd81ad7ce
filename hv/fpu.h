/*
 * The guests' x87, SSE and AVX registers and their XCR0. The hypervisor is
 * built without them (-mno-sse and friends), so a guest's state stays in
 * the CPU across its exits; hv/vcpu_switch.c saves it and loads the next
 * guest's when another vCPU enters on the CPU.
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

/* What the CPU holds into `s`, with the XCR0 it runs under (the guest's
 * own: SVM does not switch XCR0 and lets XSETBV run natively); and back. */
void fpu_save(struct fpu_state *s);
void fpu_load(const struct fpu_state *s);

/* XSETBV done for a guest whose XSETBV exits (VMX): false when it must
 * raise #GP. `v` is running, so the value goes straight into the CPU. */
bool fpu_set_xcr0(struct vcpu *v, uint64_t xcr0);

#endif
