#include "check.h"
#include "hv/vpic.h"

static struct vpic pic;

static void out(uint16_t port, uint8_t v)
{
	uint32_t val = v;
	CHECK(vpic_io(&pic, port, false, &val));
}

static uint8_t in(uint16_t port)
{
	uint32_t val = 0;
	CHECK(vpic_io(&pic, port, true, &val));
	return (uint8_t)val;
}

/* The initialisation Linux and BIOSes do: vectors 0x20/0x28, cascade on 2. */
static void init_pair(uint8_t icw4)
{
	vpic_init(&pic);
	out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, icw4);
	out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, icw4);
	out(0x21, 0x00);
	out(0xa1, 0x00);
}

static void edge(unsigned irq)
{
	vpic_set_irq(&pic, irq, true);
	vpic_set_irq(&pic, irq, false);
}

static void test_masking_and_vectors(void)
{
	vpic_init(&pic);
	edge(0);
	CHECK(!vpic_has_interrupt(&pic));      /* masked after reset */
	init_pair(0x01);
	CHECK_EQ(in(0x21), 0);
	edge(3);
	CHECK(vpic_has_interrupt(&pic));
	CHECK_EQ(vpic_acknowledge(&pic), 0x23);
	CHECK(!vpic_has_interrupt(&pic));
	out(0x21, 0x01);                         /* mask IRQ0 */
	edge(0);
	CHECK(!vpic_has_interrupt(&pic));
	out(0x21, 0x00);                         /* unmask: the latched edge fires */
	CHECK(vpic_has_interrupt(&pic));
}

static void test_priority_and_eoi(void)
{
	init_pair(0x01);
	edge(5);
	CHECK_EQ(vpic_acknowledge(&pic), 0x25);
	edge(6);
	CHECK(!vpic_has_interrupt(&pic));        /* lower priority than in-service 5 */
	edge(1);
	CHECK(vpic_has_interrupt(&pic));         /* higher priority nests */
	CHECK_EQ(vpic_acknowledge(&pic), 0x21);
	out(0x20, 0x0b);                          /* OCW3: read ISR */
	CHECK_EQ(in(0x20), (1 << 1) | (1 << 5));
	out(0x20, 0x20);                          /* non-specific EOI: clears 1 */
	CHECK_EQ(in(0x20), 1 << 5);
	CHECK(!vpic_has_interrupt(&pic));
	out(0x20, 0x65);                          /* specific EOI for 5 */
	CHECK(vpic_has_interrupt(&pic));
	CHECK_EQ(vpic_acknowledge(&pic), 0x26);
	out(0x20, 0x0a);                          /* back to reading IRR */
	CHECK_EQ(in(0x20), 0);
}

static void test_cascade(void)
{
	init_pair(0x01);
	edge(12);
	CHECK(vpic_has_interrupt(&pic));
	CHECK_EQ(vpic_acknowledge(&pic), 0x2c);
	edge(13);
	CHECK(!vpic_has_interrupt(&pic));        /* slave line 4 blocks 5 */
	out(0xa0, 0x20);                          /* EOI the slave... */
	CHECK(!vpic_has_interrupt(&pic));        /* ...master's cascade still in service */
	out(0x20, 0x20);
	CHECK(vpic_has_interrupt(&pic));
	CHECK_EQ(vpic_acknowledge(&pic), 0x2d);
	out(0xa1, 0x10);                          /* masked on the slave */
	out(0xa0, 0x20);
	out(0x20, 0x20);
	edge(12);
	CHECK(!vpic_has_interrupt(&pic));
}

static void test_level_and_auto_eoi(void)
{
	init_pair(0x03);                          /* auto-EOI */
	uint32_t elcr = 0x20;                     /* IRQ5 level */
	CHECK(vpic_io(&pic, 0x4d0, false, &elcr));
	CHECK_EQ(in(0x4d0), 0x20);
	vpic_set_irq(&pic, 5, true);
	CHECK_EQ(vpic_acknowledge(&pic), 0x25);
	CHECK(vpic_has_interrupt(&pic));         /* still asserted, no ISR (AEOI) */
	vpic_set_irq(&pic, 5, false);
	CHECK(!vpic_has_interrupt(&pic));
	elcr = 0xff;                              /* IRQ 0-2 cannot be level */
	CHECK(vpic_io(&pic, 0x4d0, false, &elcr));
	CHECK_EQ(in(0x4d0), 0xf8);
}

static void test_spurious_and_rotation(void)
{
	init_pair(0x01);
	CHECK_EQ(vpic_acknowledge(&pic), 0x27);  /* nothing pending: spurious 7 */
	out(0x20, 0xc4);                          /* set priority: IRQ4 lowest */
	edge(3);
	edge(6);
	CHECK_EQ(vpic_acknowledge(&pic), 0x26);  /* 5 is now highest, then 6 */
	CHECK(!vpic_io(&pic, 0x60, true, NULL)); /* not a PIC port */
}

int main(void)
{
	RUN(test_masking_and_vectors);
	RUN(test_priority_and_eoi);
	RUN(test_cascade);
	RUN(test_level_and_auto_eoi);
	RUN(test_spurious_and_rotation);
	return check_summary();
}
