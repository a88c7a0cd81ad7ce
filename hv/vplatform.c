#include "hv/vplatform.h"

#include "hv/domain.h"
#include "hv/ipi.h"
#include "hv/percpu.h"
#include "hv/serial.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

/* An IOAPIC message goes where the same fields in an ICR would send it:
 * the redirection entry's low half is laid out as the ICR's (vector,
 * delivery mode, destination mode, trigger mode) and its destination byte
 * as ICR_HIGH's, so the IPI router does the destination matching. ExtINT
 * and SMI go nowhere: the vPIC reaches vCPU 0 by itself. */
static void ioapic_deliver(void *ctx, uint64_t rte)
{
	struct domain *d = ctx;
	uint32_t low = (uint32_t)rte & (uint32_t)(IOAPIC_RTE_VECTOR | 0x700 | IOAPIC_RTE_LOGICAL |
						  IOAPIC_RTE_LEVEL);

	if (d->nr_vcpus && d->vcpus[0])
		ipi_send(d->vcpus[0], low, (uint32_t)(rte >> 32));
}

/* The EOI broadcast of a level-triggered vector, from any vLAPIC. */
static void level_eoi(struct vlapic *a, uint8_t vector)
{
	struct vcpu *v = (struct vcpu *)((char *)a - __builtin_offsetof(struct vcpu, lapic));
	vioapic_eoi(&v->dom->platform.ioapic, vector);
}

void vplatform_init(struct vplatform *p)
{
	struct domain *d = (struct domain *)((char *)p - __builtin_offsetof(struct domain, platform));

	vpic_init(&p->pic);
	vpit_init(&p->pit);
	p->ioapic.deliver = ioapic_deliver;
	p->ioapic.ctx = d;
	vioapic_init(&p->ioapic, VIOAPIC_ID);
	p->pm = (struct acpi_pm){ 0, 0 };
	/* The guest's TSC starts at 0 with its domain, as a machine's does at
	 * power-on, whatever the host's has counted since it booted. */
	p->tsc_offset = 0 - rdtsc();
	vlapic_set_level_eoi_handler(level_eoi);
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
	bool poweroff;
	if (acpi_pm_io(&p->pm, port, in, val, &poweroff)) {
		if (poweroff)
			domain_finish(d, "powered off through ACPI (S5)");
		return true;
	}

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

	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vlapic_update(&d->vcpus[i]->lapic, time_now_ns(), vplatform_guest_tsc(d));
	if (vpit_irq0_due(&p->pit, time_now_ns())) {
		vplatform_set_irq(d, 0, true);
		vplatform_set_irq(d, 0, false);
	}
}

#define CONSOLE_POLL_NS 10000000ull /* 10 ms: typing feels immediate */

uint64_t vplatform_tsc_offset(const struct domain *d)
{
	return d->platform.tsc_offset;
}

uint64_t vplatform_guest_tsc(const struct domain *d)
{
	return rdtsc() + d->platform.tsc_offset;
}

void vplatform_set_guest_tsc(struct domain *d, uint64_t tsc)
{
	d->platform.tsc_offset = tsc - rdtsc();
}

/* A guest TSC value (a TSC-deadline) as hypervisor time; one already in
 * the past is due now. */
static uint64_t guest_tsc_to_ns(const struct domain *d, uint64_t guest_tsc)
{
	uint64_t now = vplatform_guest_tsc(d);
	uint64_t host = guest_tsc > now ? rdtsc() + (guest_tsc - now) : rdtsc();
	return mul_div_u64(host, 1000000u, time_tsc_khz());
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

uint64_t vplatform_next_deadline(struct domain *d)
{
	uint64_t next = vpit_next_deadline(&d->platform.pit);

	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		uint64_t tsc_deadline;
		next = earliest(next, vlapic_next_deadline(&d->vcpus[i]->lapic, &tsc_deadline));
		if (tsc_deadline)
			next = earliest(next, guest_tsc_to_ns(d, tsc_deadline));
	}
	if (d->uart.console)
		next = earliest(next, time_now_ns() + CONSOLE_POLL_NS);
	return next;
}

/* The xAPIC page: every vCPU sees its own APIC at the same address, so
 * the registers are those of the vCPU making the access. */
static struct vlapic *accessing_lapic(struct domain *d)
{
	struct vcpu *v = this_cpu()->current;
	return &(v && v->dom == d ? v : d->vcpus[0])->lapic;
}

static uint64_t lapic_read(void *ctx, uint64_t offset, unsigned size)
{
	return vlapic_read(accessing_lapic(ctx), (uint32_t)offset, time_now_ns());
}

static void lapic_write(void *ctx, uint64_t offset, unsigned size, uint64_t val)
{
	vlapic_write(accessing_lapic(ctx), (uint32_t)offset, (uint32_t)val, time_now_ns());
}

static uint64_t ioapic_read(void *ctx, uint64_t offset, unsigned size)
{
	struct domain *d = ctx;
	return vioapic_read(&d->platform.ioapic, offset, size);
}

static void ioapic_write(void *ctx, uint64_t offset, unsigned size, uint64_t val)
{
	struct domain *d = ctx;
	vioapic_write(&d->platform.ioapic, offset, size, (uint32_t)val);
}

int vplatform_register_mmio(struct domain *d)
{
	static const struct mmio_ops lapic_ops = { lapic_read, lapic_write };
	static const struct mmio_ops ioapic_ops = { ioapic_read, ioapic_write };
	int err = mmio_register(d, VLAPIC_BASE, 0x1000, &lapic_ops, d);
	return err ? err : mmio_register(d, VIOAPIC_BASE, 0x1000, &ioapic_ops, d);
}

/* ISA IRQ 0 is on IOAPIC pin 2 (pin 0 is the 8259's ExtINT on PCs); ISA
 * IRQ 2 is the 8259 cascade and reaches no IOAPIC pin. */
void vplatform_set_irq(struct domain *d, unsigned irq, bool level)
{
	if (irq >= 16)
		return;
	vpic_set_irq(&d->platform.pic, irq, level);
	if (irq != 2)
		vioapic_set_irq(&d->platform.ioapic, irq == 0 ? 2 : irq, level);
}

bool vplatform_irq_pending(struct domain *d)
{
	return vpic_has_interrupt(&d->platform.pic);
}

uint8_t vplatform_irq_acknowledge(struct domain *d)
{
	return vpic_acknowledge(&d->platform.pic);
}
