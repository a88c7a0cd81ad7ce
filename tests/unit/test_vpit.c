#include "check.h"
#include "hv/vpit.h"

static struct vpit pit;

static void out(uint64_t now, uint16_t port, uint8_t v)
{
	uint32_t val = v;
	CHECK(vpit_io(&pit, now, port, false, &val));
}

static uint8_t in(uint64_t now, uint16_t port)
{
	uint32_t val = 0;
	CHECK(vpit_io(&pit, now, port, true, &val));
	return (uint8_t)val;
}

#define MS 1000000ull

static void test_periodic_irq0(void)
{
	vpit_init(&pit);
	CHECK(!vpit_irq0_due(&pit, 10 * MS));
	CHECK_EQ(vpit_next_deadline(&pit), 0);
	out(0, 0x43, 0x34);                       /* ch0 lo/hi mode 2 */
	out(0, 0x40, 1193 & 0xff);
	out(0, 0x40, 1193 >> 8);                  /* 1 kHz */
	CHECK(!vpit_irq0_due(&pit, MS / 2));
	CHECK(vpit_irq0_due(&pit, MS + 1000));
	CHECK(!vpit_irq0_due(&pit, MS + 2000));  /* once per period */
	CHECK(vpit_irq0_due(&pit, 2 * MS + 1000));
	/* a long gap collapses into one interrupt */
	CHECK(vpit_irq0_due(&pit, 50 * MS + 1000));
	CHECK(!vpit_irq0_due(&pit, 50 * MS + 2000));
	uint64_t next = vpit_next_deadline(&pit);
	CHECK(next > 50 * MS && next <= 51 * MS + 1000);
}

static void test_oneshot_and_reading(void)
{
	vpit_init(&pit);
	out(0, 0x43, 0x30);                       /* ch0 lo/hi mode 0 */
	out(0, 0x40, 0x00);
	out(0, 0x40, 0x10);                       /* 4096 ticks = 3.43 ms */
	out(MS, 0x43, 0x00);                      /* latch ch0 at 1 ms: ~1193 ticks gone */
	uint16_t count = in(MS, 0x40);
	count |= (uint16_t)(in(5 * MS, 0x40) << 8); /* latched: time of read irrelevant */
	CHECK(count > 4096 - 1193 - 2 && count < 4096 - 1193 + 2);
	CHECK(!vpit_irq0_due(&pit, 3 * MS));
	CHECK(vpit_irq0_due(&pit, 4 * MS));
	CHECK(!vpit_irq0_due(&pit, 100 * MS));   /* one-shot */
	CHECK_EQ(vpit_next_deadline(&pit), 0);
}

static void test_channel2_gate_and_port61(void)
{
	vpit_init(&pit);
	out(0, 0x61, 0x00);
	out(0, 0x43, 0xb0);                       /* ch2 lo/hi mode 0 */
	out(0, 0x42, 0xff);
	out(0, 0x42, 0x20);
	CHECK_EQ(in(10 * MS, 0x61) & 0x20, 0);   /* gate low: not counting */
	out(10 * MS, 0x61, 0x01);                 /* gate up: counting starts now */
	CHECK_EQ(in(11 * MS, 0x61) & 0x21, 0x01);
	CHECK_EQ(in(20 * MS, 0x61) & 0x20, 0x20); /* 0x20ff ticks = 7 ms later */
	/* refresh bit toggles */
	CHECK((in(0, 0x61) & 0x10) != (in(15000, 0x61) & 0x10));
}

static void test_access_modes_and_readback(void)
{
	vpit_init(&pit);
	out(0, 0x43, 0x14);                       /* ch0 lobyte only, mode 2 */
	out(0, 0x40, 100);
	CHECK(vpit_irq0_due(&pit, 100 * MS / 1000 + 84000));
	out(0, 0x43, 0x24);                       /* hibyte only */
	out(0, 0x40, 0x01);                       /* 256 */
	uint8_t hi = in(0, 0x40);
	CHECK_EQ(hi, 0x01);
	out(0, 0x43, 0xc2);                       /* read-back: latch ch0 count */
	CHECK_EQ(in(0, 0x40), 0x01);
	out(0, 0x43, 0x3e);                       /* mode 7 aliases mode 3 */
	CHECK_EQ(pit.ch[0].mode, 3);
	out(0, 0x40, 0);
	out(0, 0x40, 0);                          /* 0 means 65536 */
	CHECK_EQ(pit.ch[0].reload, 65536);
	CHECK_EQ(in(0, 0x43), 0xff);
	CHECK(!vpit_io(&pit, 0, 0x44, true, NULL));
}

int main(void)
{
	RUN(test_periodic_irq0);
	RUN(test_oneshot_and_reading);
	RUN(test_channel2_gate_and_port61);
	RUN(test_access_modes_and_readback);
	return check_summary();
}
