#include "hv/vplatform.h"

#include "hv/domain.h"
#include "hv/time.h"

void vplatform_init(struct vplatform *p)
{
	vpic_init(&p->pic);
	vpit_init(&p->pit);
}

bool vplatform_io(struct domain *d, uint16_t port, bool in, uint32_t *val)
{
	struct vplatform *p = &d->platform;

	if (vpic_io(&p->pic, port, in, val))
		return true;
	return vpit_io(&p->pit, time_now_ns(), port, in, val);
}

void vplatform_update(struct domain *d)
{
	struct vplatform *p = &d->platform;

	if (vpit_irq0_due(&p->pit, time_now_ns())) {
		vpic_set_irq(&p->pic, 0, true);
		vpic_set_irq(&p->pic, 0, false);
	}
}

uint64_t vplatform_next_deadline(struct domain *d)
{
	return vpit_next_deadline(&d->platform.pit);
}

void vplatform_set_irq(struct domain *d, unsigned irq, bool level)
{
	vpic_set_irq(&d->platform.pic, irq, level);
}

bool vplatform_irq_pending(struct domain *d)
{
	return vpic_has_interrupt(&d->platform.pic);
}

uint8_t vplatform_irq_acknowledge(struct domain *d)
{
	return vpic_acknowledge(&d->platform.pic);
}
