#include "hv/vplatform.h"

#include "hv/domain.h"
#include "hv/serial.h"
#include "hv/time.h"

void vplatform_init(struct vplatform *p)
{
	vpic_init(&p->pic);
	vpit_init(&p->pit);
}

/* The two ways a PC resets itself (8042 pulse-reset command, PIIX reset
 * control register): the domain ends, saying so. */
static bool reset_port(struct domain *d, uint16_t port, bool in, uint32_t *val)
{
	if (port != 0x64 && port != 0xcf9)
		return false;
	if (in) {
		*val = port == 0x64 ? 0x1c : 0; /* 8042 status: input buffer empty */
		return true;
	}
	if ((port == 0x64 && (*val & 0xff) == 0xfe) || (port == 0xcf9 && (*val & 0x04)))
		domain_finish(d, "reset requested by the guest (port %#x)", port);
	return true;
}

bool vplatform_io(struct domain *d, uint16_t port, bool in, uint32_t *val)
{
	struct vplatform *p = &d->platform;

	if (reset_port(d, port, in, val))
		return true;

	if (vpic_io(&p->pic, port, in, val))
		return true;
	return vpit_io(&p->pit, time_now_ns(), port, in, val);
}

/* The console domain reads the hypervisor's serial port: polled, since
 * the host UART's interrupt is not wired up. */
static void poll_console_input(struct domain *d)
{
	int c;

	if (!d->uart.console)
		return;
	while (d->uart.rx_count < VUART_RX_FIFO && (c = serial_getc()) >= 0)
		vuart_receive(&d->uart, (uint8_t)c);
	vplatform_set_irq(d, VUART_IRQ, vuart_irq_level(&d->uart));
}

void vplatform_update(struct domain *d)
{
	struct vplatform *p = &d->platform;

	poll_console_input(d);

	if (vpit_irq0_due(&p->pit, time_now_ns())) {
		vpic_set_irq(&p->pic, 0, true);
		vpic_set_irq(&p->pic, 0, false);
	}
}

#define CONSOLE_POLL_NS 10000000ull /* 10 ms: typing feels immediate */

uint64_t vplatform_next_deadline(struct domain *d)
{
	uint64_t pit = vpit_next_deadline(&d->platform.pit);

	if (!d->uart.console)
		return pit;
	uint64_t poll = time_now_ns() + CONSOLE_POLL_NS;
	return pit && pit < poll ? pit : poll;
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
