/*
 * The virtual local APIC of a vCPU (SDM Vol. 3A, chapter 11): xAPIC
 * registers through MMIO at 0xfee00000, interrupt acceptance with IRR/ISR/
 * TMR and the TPR/PPR priority rules, EOI, the spurious vector, LVT entries,
 * the timer in one-shot, periodic and TSC-deadline modes, and self-directed
 * IPIs through the ICR. Pure logic: time comes in as arguments.
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_BASE 0xfee00000ull
/* The timer counts at 1 GHz before the divider (as KVM's does). */
#define VLAPIC_BUS_NS 1

struct vlapic {
	uint32_t id;
	uint32_t regs[1024];   /* the 4 KiB register page, as 32-bit words */
	uint64_t timer_start_ns;
	uint64_t timer_deadline_ns; /* next expiry, 0 if none */
	uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE */
	bool nmi_pending;
	/* Where ICR writes go: the domain's IPI router (hv/ipi.c). */
	void (*send_ipi)(void *ctx, uint32_t icr_low, uint32_t icr_high);
	void *ipi_ctx;
};

void vlapic_init(struct vlapic *a, uint32_t id);
uint32_t vlapic_read(struct vlapic *a, uint32_t offset, uint64_t now_ns);
void vlapic_write(struct vlapic *a, uint32_t offset, uint32_t val, uint64_t now_ns);

/* Raises `vector` (fixed delivery), edge- or level-triggered. */
void vlapic_accept(struct vlapic *a, uint8_t vector, bool level);
/* Fires the timer if it is due (now in ns; tsc for TSC-deadline mode). */
void vlapic_update(struct vlapic *a, uint64_t now_ns, uint64_t tsc);
/* The next time (ns) the timer needs attention, 0 if none; TSC-deadline
 * mode reports through *deadline_tsc instead (0 if none). */
uint64_t vlapic_next_deadline(const struct vlapic *a, uint64_t *deadline_tsc);

/* Highest-priority deliverable vector, or -1. */
int vlapic_pending(const struct vlapic *a);
/* Interrupt acknowledge: IRR -> ISR for the pending vector. */
int vlapic_acknowledge(struct vlapic *a);

/* The EOI broadcast: an EOI that ends a level-triggered vector (its TMR
 * bit set) is passed on to the I/O APICs through this handler, one for
 * all vLAPICs (set by the platform; it survives vlapic_init). */
void vlapic_set_level_eoi_handler(void (*fn)(struct vlapic *a, uint8_t vector));

/* CR8 is the TPR's priority class, TPR[7:4] (SDM Vol. 3A, 11.8.6.1): the
 * backends keep the guest's CR8 in it. A CR8 write clears TPR[3:0]. */
uint8_t vlapic_get_cr8(const struct vlapic *a);
void vlapic_set_cr8(struct vlapic *a, uint8_t cr8);
/* Whether the highest requested vector waits because of the TPR alone's
 * class (lowering CR8 could make it deliverable): a backend that lets the
 * guest write CR8 without an exit must then intercept CR8 writes. */
bool vlapic_tpr_masks_irr(const struct vlapic *a);

uint64_t vlapic_read_tsc_deadline(const struct vlapic *a);
void vlapic_write_tsc_deadline(struct vlapic *a, uint64_t tsc);

#endif
