/* Running the guest instruction at RIP in the emulator (hv/emul.c). */
#ifndef HV_EMUL_H
#define HV_EMUL_H

#include <stdint.h>

struct vcpu;

enum emul_status {
	EMUL_DONE,      /* executed, or an exception queued, or the domain killed */
	EMUL_UNHANDLED, /* the emulator does not know the instruction: nothing changed */
};

/* What was run, for the caller's messages. */
struct emul_outcome {
	uint64_t rip;
	uint8_t map, opcode;
};

enum emul_status vcpu_emulate(struct vcpu *v, struct emul_outcome *out);

#endif
