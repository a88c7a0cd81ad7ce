#include "hv/vpic.h"

#include "hv/string.h"

#define ICW1_ICW4 0x01
#define ICW1_SINGLE 0x02
#define ICW1_INIT 0x10
#define ICW4_AUTO_EOI 0x02
#define OCW_IS_OCW3 0x08
#define OCW3_READ 0x02
#define OCW3_READ_ISR 0x01
#define OCW3_SPECIAL_MASK 0x40
#define OCW3_SMM_VALID 0x20
#define CASCADE_LINE 2

void vpic_init(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		p->chip[i].imr = 0xff;
		p->chip[i].lowest_priority = 7;
	}
	p->chip[0].vector_base = 0x08;
	p->chip[1].vector_base = 0x70;
}

/* Priority order of line `irq` (0 = highest) given the rotation. */
static unsigned priority_of(const struct vpic_chip *c, unsigned irq)
{
	return (irq - c->lowest_priority - 1) & 7;
}

/* The highest-priority line set in `bits`, or -1. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	int best = -1;
	for (unsigned irq = 0; irq < 8; irq++)
		if ((bits & (1u << irq)) && (best < 0 || priority_of(c, irq) < priority_of(c, (unsigned)best)))
			best = (int)irq;
	return best;
}

/* The line that would interrupt now: requested, unmasked and of higher
 * priority than everything in service (special mask mode ignores masked
 * in-service lines). */
static int chip_pending(const struct vpic_chip *c)
{
	int req = highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t in_service = c->special_mask ? c->isr & ~c->imr : c->isr;
	int svc = highest(c, in_service);
	if (svc >= 0 && priority_of(c, (unsigned)svc) <= priority_of(c, (unsigned)req))
		return -1;
	return req;
}

static void chip_set_line(struct vpic_chip *c, unsigned line, bool level)
{
	uint8_t bit = (uint8_t)(1u << line);
	bool was = c->lines & bit;

	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !was) {
		c->irr |= bit; /* edge: latched on the rising edge */
	}
}

/* The slave's INT output drives the master's cascade line. */
static void update_cascade(struct vpic *p)
{
	chip_set_line(&p->chip[0], CASCADE_LINE, chip_pending(&p->chip[1]) >= 0);
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq >= 16)
		return;
	if (irq >= 8)
		chip_set_line(&p->chip[1], irq - 8, level);
	else
		chip_set_line(&p->chip[0], irq, level);
	update_cascade(p);
}

bool vpic_has_interrupt(const struct vpic *p)
{
	return chip_pending(&p->chip[0]) >= 0;
}

/* Moves `line` from requested to in service (unless auto-EOI). */
static void chip_ack(struct vpic_chip *c, unsigned line)
{
	uint8_t bit = (uint8_t)(1u << line);

	if (!c->auto_eoi)
		c->isr |= bit;
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

uint8_t vpic_acknowledge(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
	int line = chip_pending(m);

	if (line < 0)
		return m->vector_base + 7; /* spurious IRQ 7 */
	chip_ack(m, (unsigned)line);
	if (line != CASCADE_LINE || m->single)
		return m->vector_base + (uint8_t)line;
	int sl = chip_pending(s);
	uint8_t vec = sl < 0 ? s->vector_base + 7 : s->vector_base + (uint8_t)sl;
	if (sl >= 0)
		chip_ack(s, (unsigned)sl);
	update_cascade(p);
	return vec;
}

static void chip_eoi(struct vpic_chip *c, int line, bool rotate)
{
	if (line < 0)
		line = highest(c, c->isr);
	if (line < 0)
		return;
	c->isr &= (uint8_t)~(1u << line);
	if (rotate)
		c->lowest_priority = (uint8_t)line;
}

/* OCW2 (bits 7:5 = R, SL, EOI), SDM-era 8259A datasheet table. */
static void chip_ocw2(struct vpic_chip *c, uint8_t v)
{
	unsigned level = v & 7;
	switch (v >> 5) {
	case 1: chip_eoi(c, -1, false); break;           /* non-specific EOI */
	case 3: chip_eoi(c, (int)level, false); break;   /* specific EOI */
	case 5: chip_eoi(c, -1, true); break;            /* rotate on non-specific EOI */
	case 6: c->lowest_priority = (uint8_t)level; break; /* set priority */
	case 7: chip_eoi(c, (int)level, true); break;    /* rotate on specific EOI */
	default: break;                                  /* rotate-in-AEOI: ignored */
	}
}

static void chip_write_command(struct vpic_chip *c, uint8_t v)
{
	if (v & ICW1_INIT) {
		uint8_t elcr = c->elcr, lines = c->lines;
		memset(c, 0, sizeof(*c));
		c->elcr = elcr;
		c->lines = lines;
		c->lowest_priority = 7;
		c->icw4_needed = v & ICW1_ICW4;
		c->single = v & ICW1_SINGLE;
		c->init_step = 1;
		return;
	}
	if (v & OCW_IS_OCW3) {
		if (v & OCW3_READ)
			c->read_isr = v & OCW3_READ_ISR;
		if (v & OCW3_SMM_VALID)
			c->special_mask = v & OCW3_SPECIAL_MASK;
		return;
	}
	chip_ocw2(c, v);
}

static void chip_write_data(struct vpic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 1:
		c->vector_base = v & 0xf8;
		c->init_step = c->single ? (c->icw4_needed ? 3 : 0) : 2;
		break;
	case 2: /* ICW3: cascade wiring, fixed on a PC */
		c->init_step = c->icw4_needed ? 3 : 0;
		break;
	case 3:
		c->auto_eoi = v & ICW4_AUTO_EOI;
		c->init_step = 0;
		break;
	default:
		c->imr = v;
		break;
	}
}

bool vpic_io(struct vpic *p, uint16_t port, bool in, uint32_t *val)
{
	struct vpic_chip *c;

	switch (port) {
	case 0x20: case 0x21: c = &p->chip[0]; break;
	case 0xa0: case 0xa1: c = &p->chip[1]; break;
	case 0x4d0: case 0x4d1:
		c = &p->chip[port - 0x4d0];
		if (in) {
			*val = c->elcr;
			return true;
		}
		/* IRQ 0, 1, 2, 8 and 13 are edge-only on a PIIX. */
		c->elcr = (uint8_t)*val & (port == 0x4d0 ? 0xf8 : 0xde);
		return true;
	default:
		return false;
	}
	bool data = port & 1;
	if (in)
		*val = data ? c->imr : (c->read_isr ? c->isr : c->irr);
	else if (data)
		chip_write_data(c, (uint8_t)*val);
	else
		chip_write_command(c, (uint8_t)*val);
	update_cascade(p);
	return true;
}
