#include "hv/ipi.h"

#include "hv/domain.h"
#include "hv/time.h"
#include "hv/vcpu.h"

#define APIC_LDR 0xd0
#define DELIVERY_MODE(low) (((low) >> 8) & 7)
#define LOGICAL_DEST (1u << 11)
#define LEVEL_ASSERT (1u << 14)
#define TRIGGER_LEVEL (1u << 15)
#define SHORTHAND(low) (((low) >> 18) & 3)

enum { MODE_FIXED = 0, MODE_LOWEST = 1, MODE_SMI = 2, MODE_NMI = 4, MODE_INIT = 5, MODE_SIPI = 6 };
enum { TO_DEST = 0, TO_SELF = 1, TO_ALL = 2, TO_OTHERS = 3 };

static bool is_target(struct vcpu *from, struct vcpu *to, uint32_t low, uint32_t high)
{
	uint8_t dest = (uint8_t)(high >> 24);

	switch (SHORTHAND(low)) {
	case TO_SELF: return to == from;
	case TO_ALL: return true;
	case TO_OTHERS: return to != from;
	default: break;
	}
	if (low & LOGICAL_DEST) /* flat model: a bit per APIC in the LDR */
		return (vlapic_read(&to->lapic, APIC_LDR, 0) >> 24) & dest;
	return dest == 0xff || dest == to->lapic.id;
}

static void deliver(struct vcpu *from, struct vcpu *to, uint32_t low)
{
	switch (DELIVERY_MODE(low)) {
	case MODE_FIXED:
	case MODE_LOWEST:
		vlapic_accept(&to->lapic, (uint8_t)low, low & TRIGGER_LEVEL);
		break;
	case MODE_NMI:
		to->lapic.nmi_pending = true;
		break;
	case MODE_INIT:
		/* The level-deassert form only matters to 82489DX APICs. */
		if (to != from && (!(low & TRIGGER_LEVEL) || (low & LEVEL_ASSERT)))
			vcpu_init_signal(to);
		break;
	case MODE_SIPI:
		vcpu_startup_signal(to, (uint8_t)low);
		break;
	default: /* SMI and reserved modes: nothing to do */
		break;
	}
}

void ipi_send(void *ctx, uint32_t low, uint32_t high)
{
	struct vcpu *from = ctx;
	struct domain *d = from->dom;

	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *to = d->vcpus[i];
		if (!is_target(from, to, low, high))
			continue;
		deliver(from, to, low);
		if (DELIVERY_MODE(low) == MODE_LOWEST)
			return; /* one target is enough */
	}
}
