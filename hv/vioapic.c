#include "hv/vioapic.h"

#include "hv/string.h"

/* Register indices behind IOWIN (datasheet 3.2). */
enum { IOAPICID = 0x00, IOAPICVER = 0x01, IOAPICARB = 0x02, IOREDTBL = 0x10 };
enum { OFF_IOREGSEL = 0x00, OFF_IOWIN = 0x10 };
enum { MODE_FIXED = 0, MODE_LOWEST = 1, MODE_SMI = 2, MODE_NMI = 4, MODE_INIT = 5,
       MODE_EXTINT = 7 };

/* What software may change in an entry: vector, delivery mode, destination
 * mode, polarity, trigger mode, mask, destination. Delivery status and
 * Remote IRR are read-only; bits 55:17 are reserved and read as zero. */
#define RTE_WRITABLE (0xffull << IOAPIC_RTE_DEST_SHIFT | IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | \
		      IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LOGICAL | 0x7ffull)

void vioapic_init(struct vioapic *io, uint32_t id)
{
	void (*deliver)(void *, uint64_t) = io->deliver;
	void *ctx = io->ctx;

	memset(io, 0, sizeof(*io));
	io->deliver = deliver; /* wiring survives a reset, state does not */
	io->ctx = ctx;
	io->id = id & 0xf;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
}

static bool is_level(uint64_t e)
{
	return e & IOAPIC_RTE_LEVEL;
}

/* Sends pin's message. A level interrupt sets Remote IRR and is not sent
 * again until the EOI: the source stays asserted meanwhile. */
static void send(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];

	if (e & IOAPIC_RTE_MASKED)
		return;
	if (is_level(e)) {
		if (e & IOAPIC_RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	if (io->deliver)
		io->deliver(io->ctx, e);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted)
{
	if (pin >= VIOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin;
	bool was = io->line & bit;

	io->line = asserted ? io->line | bit : io->line & ~bit;
	if (!asserted)
		return;
	/* Edge: a rising edge on an unmasked pin (a masked pin's edges are
	 * lost, 3.2.4 "Interrupt Mask"). Level: asserted is enough. */
	if (is_level(io->rte[pin]) || !was)
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		if ((e & IOAPIC_RTE_VECTOR) != vector || !is_level(e) || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		if (io->line & (1u << pin))
			send(io, pin);
	}
}

static uint32_t read_index(const struct vioapic *io, uint8_t index)
{
	switch (index) {
	case IOAPICID:
	case IOAPICARB: /* the arbitration ID is loaded from the ID */
		return io->id << 24;
	case IOAPICVER:
		return (uint32_t)(VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION;
	default:
		break;
	}
	if (index >= IOREDTBL && index < IOREDTBL + 2 * VIOAPIC_PINS) {
		uint64_t e = io->rte[(index - IOREDTBL) / 2];
		return (index & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0; /* unimplemented registers */
}

static void write_rte(struct vioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t old = io->rte[pin];
	uint64_t e = high ? (old & 0xffffffffull) | (uint64_t)val << 32
			  : (old & ~0xffffffffull) | val;

	e = (e & RTE_WRITABLE) | (old & IOAPIC_RTE_REMOTE_IRR);
	/* An edge entry has no Remote IRR: switching to edge and back is how
	 * Linux clears a stuck one on IOAPICs without an EOI register. */
	if (!is_level(e))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* A level source asserted while masked is delivered on unmask. */
	if (is_level(e) && !(e & IOAPIC_RTE_MASKED) && (io->line & (1u << pin)))
		send(io, pin);
}

static void write_index(struct vioapic *io, uint8_t index, uint32_t val)
{
	if (index == IOAPICID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (index >= IOREDTBL && index < IOREDTBL + 2 * VIOAPIC_PINS)
		write_rte(io, (unsigned)(index - IOREDTBL) / 2, index & 1, val);
	/* version and arbitration are read-only */
}

/* Registers are 32 bits wide; narrower reads see the addressed bytes,
 * and only aligned 32-bit writes to IOWIN take effect (the datasheet asks
 * for dword accesses; anything else is ignored rather than guessed at). */
uint32_t vioapic_read(struct vioapic *io, uint64_t offset, unsigned size)
{
	uint32_t v;
	if (offset < OFF_IOREGSEL + 4)
		v = io->ioregsel;
	else if (offset >= OFF_IOWIN && offset < OFF_IOWIN + 4)
		v = read_index(io, io->ioregsel);
	else
		return 0;
	v >>= 8 * (offset & 3);
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

void vioapic_write(struct vioapic *io, uint64_t offset, unsigned size, uint32_t val)
{
	if (offset == OFF_IOREGSEL)
		io->ioregsel = (uint8_t)val;
	else if (offset == OFF_IOWIN && size == 4)
		write_index(io, io->ioregsel, val);
}
