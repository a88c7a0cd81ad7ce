#include "hv/x2apic.h"

#include "hv/time.h"
#include "hv/vcpu.h"

#define MSR_ID 0x802u
#define MSR_TPR 0x808u
#define MSR_EOI 0x80bu
#define MSR_LDR 0x80du
#define MSR_ICR 0x830u
#define MSR_SELF_IPI 0x83fu
#define ICR_HIGH_OFFSET 0x310u

/* The xAPIC offset behind an x2APIC MSR, if the register exists there. */
static bool offset_of(uint32_t msr, uint32_t *offset)
{
	uint32_t off = (msr - X2APIC_MSR_FIRST) << 4;

	/* DFR (0xe0) and the ICR's high half have no x2APIC MSR. */
	if (off == 0xe0 || off == ICR_HIGH_OFFSET || off >= 0x400)
		return false;
	*offset = off;
	return true;
}

bool x2apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	uint32_t off;

	if (!v->x2apic_mode || msr == MSR_EOI || msr == MSR_SELF_IPI || !offset_of(msr, &off))
		return false;
	if (msr == MSR_ID) {
		*val = v->lapic.id; /* the full 32-bit x2APIC ID */
		return true;
	}
	if (msr == MSR_LDR) {
		/* Logical ID derived from the x2APIC ID (11.12.10.2). */
		*val = ((v->lapic.id >> 4) << 16) | (1u << (v->lapic.id & 0xf));
		return true;
	}
	*val = vlapic_read(&v->lapic, off, time_now_ns());
	if (msr == MSR_ICR)
		*val |= (uint64_t)vlapic_read(&v->lapic, ICR_HIGH_OFFSET, time_now_ns()) << 32;
	return true;
}

bool x2apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint32_t off;

	if (!v->x2apic_mode)
		return false;
	if (msr == MSR_SELF_IPI) {
		if ((val & 0xff) < 16 || val >> 8)
			return false;
		vlapic_accept(&v->lapic, (uint8_t)val, false);
		return true;
	}
	if (!offset_of(msr, &off) || msr == MSR_ID || msr == MSR_LDR)
		return false; /* read-only in x2APIC mode */
	if (msr == MSR_ICR) {
		/* x2APIC destinations are 32 bits; ours fit the xAPIC's 8. */
		vlapic_write(&v->lapic, ICR_HIGH_OFFSET, (uint32_t)((val >> 32) << 24), time_now_ns());
	} else if (val >> 32) {
		return false; /* reserved upper half */
	}
	vlapic_write(&v->lapic, off, (uint32_t)val, time_now_ns());
	return true;
}
