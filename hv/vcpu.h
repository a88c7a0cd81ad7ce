/* A virtual CPU: registers the hypervisor keeps, and its run loop. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/debugreg.h"
#include "hv/fpu.h"
#include "hv/hvm.h"
#include "hv/ioreq.h"
#include "hv/vlapic.h"

struct domain;
struct x86_insn;

struct vcpu_stats {
	uint64_t exits;
	uint64_t exits_by_reason[EXIT_UNHANDLED + 1];
};

/* Accesses one instruction made to a service domain's device (hv/ioreq.c):
 * while one waits for its answer the vCPU is not scheduled; the answered
 * ones are replayed when the instruction runs again. */
#define VCPU_IO_REPLAY_MAX 4
struct vcpu_io {
	bool waiting;             /* set by this CPU, cleared by the completer */
	uint8_t replay_count;     /* answered accesses of the current instruction */
	uint8_t replay_next;      /* the next one a re-run takes */
	bool forwarded;           /* this run forwarded an access (REP yields) */
	struct ioreq_request inflight;
	struct ioreq_request replay[VCPU_IO_REPLAY_MAX];
};

struct vcpu {
	struct domain *dom;
	unsigned id;
	/* All sixteen GPRs; the backend keeps RAX and RSP in sync with its
	 * control block around every entry. */
	uint64_t regs[GPR_COUNT];
	void *arch;              /* the backend's per-vCPU state */
	struct event pending;    /* delivered at the next entry */
	/* One external interrupt waiting for the guest to accept it; the
	 * virtual interrupt controllers will feed this. */
	bool irq_waiting;
	uint8_t irq_vector;
	struct vlapic lapic;
	bool blocked;            /* halted until an interrupt is pending */
	bool x2apic_mode;        /* IA32_APIC_BASE.EXTD set by the guest */
	bool wait_for_sipi;      /* an AP after INIT, before its start-up IPI */
	bool stopped;            /* halted with interrupts off: never runs again */
	struct vcpu_io io;
	struct vcpu_stats stats;
	unsigned nested_gen;     /* the domain's nested_gen it last flushed for */
	/* While another vCPU holds the CPU (hv/vcpu_switch.h): */
	struct fpu_state fpu;    /* x87/SSE/AVX and XCR0 */
	struct debugreg_state dr; /* DR0-DR3, DR6 */
};

/* Asks for external interrupt `vector` to be delivered as soon as the
 * guest accepts interrupts. */
void vcpu_raise_irq(struct vcpu *v, uint8_t vector);

/* True when an external interrupt waits for this vCPU. */
bool vcpu_irq_pending(struct vcpu *v);

/* INIT: the vCPU stops and waits for a start-up IPI. */
void vcpu_init_signal(struct vcpu *v);
/* SIPI: a waiting vCPU starts in real mode at vector * 4 KiB. */
void vcpu_startup_signal(struct vcpu *v, uint8_t vector);
/* What boot protocols hand a kernel: flat 4 GiB 32-bit code at `code_sel`
 * and data at the next selector, protected mode without paging, interrupts
 * off, registers zero (the caller then sets its arguments). */
void vcpu_set_flat_entry(struct vcpu *v, uint16_t code_sel, uint64_t entry);
/* Whether the scheduler may give the vCPU the CPU at all. */
bool vcpu_alive(const struct vcpu *v);

/* Readies the vCPU for its next entry (see hv/sched.c). */
void vcpu_prepare_entry(struct vcpu *v, uint64_t slice_end_ns);

/* Moves RIP past the instruction that caused `exit`, decoding it if the
 * hardware did not give its length. False if it could not be decoded (the
 * domain has been killed then). */
bool vcpu_skip_insn(struct vcpu *v, const struct vm_exit *exit);

/* Fetches and decodes the instruction at CS:RIP. 0 on success; otherwise
 * an exception has been queued or the domain killed. */
int vcpu_decode_current(struct vcpu *v, struct x86_insn *insn);

/* Queues a hardware exception for the next entry (a second exception while
 * one is pending becomes #DF, a third a triple fault, as on hardware). */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void vcpu_inject_gp(struct vcpu *v);
void vcpu_inject_ud(struct vcpu *v);
void vcpu_inject_page_fault(struct vcpu *v, uint64_t addr, uint32_t error);

/* The CPU mode of the code at CS:RIP, for the decoder (an enum x86_mode). */
int vcpu_code_mode(struct vcpu *v);

#endif
