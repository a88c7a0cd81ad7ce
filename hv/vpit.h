/*
 * The 8254 programmable interval timer of a PC, per domain: channel 0
 * drives IRQ 0, channel 2 the speaker gate at port 0x61 (which Linux uses
 * to calibrate the TSC). Counters are derived from a nanosecond clock the
 * caller passes in, so this is pure logic.
 */
#ifndef HV_VPIT_H
#define HV_VPIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_FREQ_HZ 1193182u

struct vpit_channel {
	uint8_t mode;        /* 0-5 */
	uint8_t access;      /* 1 lobyte, 2 hibyte, 3 lo then hi */
	bool write_hi_next, read_hi_next;
	bool latched;
	uint16_t latch;
	uint16_t reload_low; /* first byte of a lo/hi write */
	uint32_t reload;     /* 1..65536 */
	bool armed;          /* a count has been written */
	bool counting;       /* ... and the gate has let it start */
	bool gate;
	uint64_t start_ns;   /* when counting (re)started */
	uint64_t next_irq_ns;/* channel 0: when OUT next rises; 0: never */
};

struct vpit {
	struct vpit_channel ch[3];
	bool speaker;        /* port 0x61 bit 1 */
};

void vpit_init(struct vpit *p);
/* Ports 0x40-0x43 and 0x61; false if not ours. */
bool vpit_io(struct vpit *p, uint64_t now_ns, uint16_t port, bool in, uint32_t *val);
/* True (once per period) when channel 0's output has risen since the last
 * call: the caller raises an edge on IRQ 0. */
bool vpit_irq0_due(struct vpit *p, uint64_t now_ns);
/* When channel 0 next fires (0: not armed). */
uint64_t vpit_next_deadline(const struct vpit *p);

#endif
