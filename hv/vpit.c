#include "hv/vpit.h"

#include "hv/string.h"

static uint64_t ticks_since(const struct vpit_channel *c, uint64_t now_ns)
{
	uint64_t ns = now_ns > c->start_ns ? now_ns - c->start_ns : 0;
	/* ns * 1193182 overflows 64 bits only after ~4.9 hours; fold first. */
	uint64_t secs = ns / 1000000000u, rem = ns % 1000000000u;
	return secs * PIT_FREQ_HZ + rem * PIT_FREQ_HZ / 1000000000u;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks * 1000000000u / PIT_FREQ_HZ;
}

static bool periodic(uint8_t mode)
{
	return mode == 2 || mode == 3;
}

/* The current count, as a read would see it (8254 datasheet, modes 0-5). */
static uint16_t current_count(const struct vpit_channel *c, uint64_t now_ns)
{
	if (!c->armed)
		return 0;
	if (!c->counting)
		return (uint16_t)c->reload;
	uint64_t t = ticks_since(c, now_ns);
	if (periodic(c->mode)) {
		uint64_t step = c->mode == 3 ? 2 : 1; /* mode 3 counts by twos */
		return (uint16_t)(c->reload - (t * step) % c->reload);
	}
	return (uint16_t)(c->reload - t); /* modes 0/1/4/5 wrap after 0 */
}

/* The OUT pin (channel 2 is read back at port 0x61 bit 5). */
static bool output(const struct vpit_channel *c, uint64_t now_ns)
{
	if (!c->armed || !c->counting)
		return c->mode != 0;
	uint64_t t = ticks_since(c, now_ns);
	switch (c->mode) {
	case 0: return t >= c->reload;            /* high at terminal count, stays */
	case 2: return (t % c->reload) != c->reload - 1; /* low for one tick */
	case 3: return (t % c->reload) < (c->reload + 1) / 2;
	default: return t != c->reload;           /* 1, 4, 5: low pulse at terminal count */
	}
}

static void start_counting(struct vpit_channel *c, uint64_t now_ns)
{
	c->counting = true;
	c->start_ns = now_ns;
	c->next_irq_ns = now_ns + ticks_to_ns(c->reload);
}

void vpit_init(struct vpit *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 3; i++) {
		p->ch[i].access = 3;
		p->ch[i].reload = 65536;
		p->ch[i].gate = i != 2;
	}
}

static void write_control(struct vpit *p, uint64_t now_ns, uint8_t v)
{
	unsigned sel = v >> 6;

	if (sel == 3) {
		/* Read-back: latch the counts of the selected channels. */
		for (unsigned i = 0; i < 3; i++) {
			if ((v & (2u << i)) && !(v & 0x20) && !p->ch[i].latched) {
				p->ch[i].latch = current_count(&p->ch[i], now_ns);
				p->ch[i].latched = true;
			}
		}
		return;
	}
	struct vpit_channel *c = &p->ch[sel];
	unsigned access = (v >> 4) & 3;
	if (access == 0) { /* counter latch command */
		if (!c->latched) {
			c->latch = current_count(c, now_ns);
			c->latched = true;
		}
		return;
	}
	c->access = (uint8_t)access;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6 and 7 alias 2 and 3 */
	c->write_hi_next = c->read_hi_next = false;
	c->armed = c->counting = false;
	c->next_irq_ns = 0;
}

static void write_count(struct vpit_channel *c, uint64_t now_ns, uint8_t v)
{
	uint32_t count;

	if (c->access == 3 && !c->write_hi_next) {
		c->reload_low = v;
		c->write_hi_next = true;
		return;
	}
	if (c->access == 3)
		count = c->reload_low | ((uint32_t)v << 8);
	else if (c->access == 1)
		count = v;
	else
		count = (uint32_t)v << 8;
	c->write_hi_next = false;
	c->reload = count ? count : 65536;
	c->armed = true;
	c->counting = false;
	if (c->gate)
		start_counting(c, now_ns);
}

static uint8_t read_count(struct vpit_channel *c, uint64_t now_ns)
{
	uint16_t count = c->latched ? c->latch : current_count(c, now_ns);
	bool hi = c->access == 2 || (c->access == 3 && c->read_hi_next);

	if (c->access == 3)
		c->read_hi_next = !c->read_hi_next;
	if (c->latched && (c->access != 3 || !c->read_hi_next))
		c->latched = false;
	return hi ? (uint8_t)(count >> 8) : (uint8_t)count;
}

static void write_port61(struct vpit *p, uint64_t now_ns, uint8_t v)
{
	struct vpit_channel *c = &p->ch[2];
	bool gate = v & 1;

	/* A rising gate restarts the count in every mode Linux uses. */
	if (gate && !c->gate && c->armed)
		start_counting(c, now_ns);
	c->gate = gate;
	p->speaker = v & 2;
}

static uint8_t read_port61(struct vpit *p, uint64_t now_ns)
{
	/* Bit 4 toggles with DRAM refresh (every 15 us); some code waits on it. */
	bool refresh = (now_ns / 15000) & 1;
	return (uint8_t)(p->ch[2].gate | (p->speaker << 1) | (refresh << 4) |
			 (output(&p->ch[2], now_ns) << 5));
}

bool vpit_io(struct vpit *p, uint64_t now_ns, uint16_t port, bool in, uint32_t *val)
{
	switch (port) {
	case 0x40: case 0x41: case 0x42: {
		struct vpit_channel *c = &p->ch[port - 0x40];
		if (in)
			*val = read_count(c, now_ns);
		else
			write_count(c, now_ns, (uint8_t)*val);
		return true;
	}
	case 0x43:
		if (in)
			*val = 0xff;
		else
			write_control(p, now_ns, (uint8_t)*val);
		return true;
	case 0x61:
		if (in)
			*val = read_port61(p, now_ns);
		else
			write_port61(p, now_ns, (uint8_t)*val);
		return true;
	default:
		return false;
	}
}

bool vpit_irq0_due(struct vpit *p, uint64_t now_ns)
{
	struct vpit_channel *c = &p->ch[0];

	if (!c->counting || !c->next_irq_ns || now_ns < c->next_irq_ns)
		return false;
	if (periodic(c->mode)) {
		/* Missed periods collapse into one interrupt, as on real hardware
		 * when the CPU does not take them. */
		uint64_t period = ticks_to_ns(c->reload);
		uint64_t late = now_ns - c->next_irq_ns;
		c->next_irq_ns += period * (late / period + 1);
	} else {
		c->next_irq_ns = 0; /* one-shot */
	}
	return true;
}

uint64_t vpit_next_deadline(const struct vpit *p)
{
	return p->ch[0].counting ? p->ch[0].next_irq_ns : 0;
}
