/*
 * A guest's DR0-DR3 and DR6. Neither VMCS nor VMCB holds the breakpoint
 * addresses (the VMCB has DR6 and DR7, the VMCS only DR7), and MOV DR does
 * not exit, so they stay in the CPU across exits like the FPU registers and
 * are switched with them (hv/vcpu_switch.c).
 */
#ifndef HV_DEBUGREG_H
#define HV_DEBUGREG_H

#include <stdint.h>

struct debugreg_state {
	uint64_t dr[4];
	uint64_t dr6;
};

/* DR0-DR3 zero, DR6 0xffff0ff0 (SDM Vol. 3A, table 10-1). */
void debugreg_state_init(struct debugreg_state *s);
void debugreg_save(struct debugreg_state *s);
void debugreg_load(const struct debugreg_state *s);

#endif
