#include "check.h"
#include "hv/vioapic.h"

static struct vioapic io;
static unsigned sent;
static uint64_t last;

static void deliver(void *ctx, uint64_t rte)
{
	(void)ctx;
	sent++;
	last = rte;
}

static void reset(void)
{
	io.deliver = deliver;
	io.ctx = 0;
	vioapic_init(&io, VIOAPIC_ID);
	sent = 0;
	last = 0;
}

static uint32_t rd(uint8_t index)
{
	vioapic_write(&io, 0x00, 4, index);
	return vioapic_read(&io, 0x10, 4);
}

static void wr(uint8_t index, uint32_t val)
{
	vioapic_write(&io, 0x00, 4, index);
	vioapic_write(&io, 0x10, 4, val);
}

static void test_identity(void)
{
	reset();
	CHECK_EQ(rd(0x00), VIOAPIC_ID << 24);
	CHECK_EQ(rd(0x01), 0x00170011);
	CHECK_EQ(rd(0x02), VIOAPIC_ID << 24);
	wr(0x00, 0x0f000000 | 0xffffff);
	CHECK_EQ(rd(0x00), 0x0f000000);
	wr(0x01, 0);                     /* read-only */
	CHECK_EQ(rd(0x01), 0x00170011);
	CHECK_EQ(rd(0x50), 0);           /* past the table */
	CHECK_EQ(vioapic_read(&io, 0x00, 1), 0x50);
	CHECK_EQ(vioapic_read(&io, 0x20, 4), 0);
	for (unsigned p = 0; p < VIOAPIC_PINS; p++)
		CHECK_EQ(rd((uint8_t)(0x10 + 2 * p)), 0x10000); /* masked at reset */
}

static void test_rte_bits(void)
{
	reset();
	wr(0x10 + 2 * 3, 0xffffffff);
	wr(0x11 + 2 * 3, 0xffffffff);
	/* delivery status, remote IRR and reserved bits stay clear */
	CHECK_EQ(rd(0x10 + 2 * 3), 0x1afff);
	CHECK_EQ(rd(0x11 + 2 * 3), 0xff000000);
	/* byte-sized and unaligned IOWIN writes are ignored */
	vioapic_write(&io, 0x00, 4, 0x10 + 2 * 3);
	vioapic_write(&io, 0x10, 1, 0);
	vioapic_write(&io, 0x11, 4, 0);
	CHECK_EQ(rd(0x10 + 2 * 3), 0x1afff);
	CHECK_EQ(vioapic_read(&io, 0x11, 1), 0xaf);
}

static void test_edge(void)
{
	reset();
	vioapic_set_irq(&io, 2, true);   /* masked: lost */
	vioapic_set_irq(&io, 2, false);
	wr(0x10 + 4, 0x30);              /* pin 2: vector 0x30, edge, unmasked */
	wr(0x11 + 4, 0x01000000);
	CHECK_EQ(sent, 0);
	vioapic_set_irq(&io, 2, true);
	CHECK_EQ(sent, 1);
	CHECK_EQ(last, 0x0100000000000030ull);
	vioapic_set_irq(&io, 2, true);   /* no new edge */
	CHECK_EQ(sent, 1);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	CHECK_EQ(sent, 2);
	CHECK_EQ(rd(0x10 + 4) & IOAPIC_RTE_REMOTE_IRR, 0);
	vioapic_eoi(&io, 0x30);          /* EOI means nothing to an edge pin */
	CHECK_EQ(sent, 2);
	vioapic_set_irq(&io, 99, true);  /* no such pin */
	CHECK_EQ(sent, 2);
}

static void test_level(void)
{
	reset();
	wr(0x10 + 2 * 5, 0x18041);       /* pin 5: vector 0x41, level, masked */
	vioapic_set_irq(&io, 5, true);
	CHECK_EQ(sent, 0);
	wr(0x10 + 2 * 5, 0x8041);        /* unmask with the line up: delivered */
	CHECK_EQ(sent, 1);
	CHECK(last & IOAPIC_RTE_LEVEL);
	CHECK(rd(0x10 + 2 * 5) & IOAPIC_RTE_REMOTE_IRR);
	vioapic_set_irq(&io, 5, true);   /* Remote IRR holds it */
	CHECK_EQ(sent, 1);
	vioapic_eoi(&io, 0x42);          /* another vector: no effect */
	CHECK_EQ(sent, 1);
	vioapic_eoi(&io, 0x41);          /* still asserted: again */
	CHECK_EQ(sent, 2);
	CHECK(rd(0x10 + 2 * 5) & IOAPIC_RTE_REMOTE_IRR);
	vioapic_set_irq(&io, 5, false);
	vioapic_eoi(&io, 0x41);          /* dropped: Remote IRR clears, nothing sent */
	CHECK_EQ(sent, 2);
	CHECK_EQ(rd(0x10 + 2 * 5) & IOAPIC_RTE_REMOTE_IRR, 0);
	vioapic_set_irq(&io, 5, true);
	CHECK_EQ(sent, 3);
	/* Linux's way out without an EOI register: edge, then level again */
	wr(0x10 + 2 * 5, 0x10041);
	CHECK_EQ(rd(0x10 + 2 * 5) & IOAPIC_RTE_REMOTE_IRR, 0);
	vioapic_set_irq(&io, 5, false);
	wr(0x10 + 2 * 5, 0x8041);
	CHECK_EQ(sent, 3);
}

static void test_shared_vector(void)
{
	reset();
	wr(0x10 + 2 * 9, 0x8050);
	wr(0x10 + 2 * 10, 0x8050);
	vioapic_set_irq(&io, 9, true);
	vioapic_set_irq(&io, 10, true);
	CHECK_EQ(sent, 2);
	vioapic_set_irq(&io, 10, false);
	vioapic_eoi(&io, 0x50);          /* both IRRs clear, pin 9 comes back */
	CHECK_EQ(sent, 3);
	CHECK_EQ(rd(0x10 + 2 * 10) & IOAPIC_RTE_REMOTE_IRR, 0);
}

static void test_delivery_modes_pass_through(void)
{
	reset();
	wr(0x11 + 2 * 1, 0x03000000);
	wr(0x10 + 2 * 1, 0x0000 | (4 << 8) | IOAPIC_RTE_LOGICAL | IOAPIC_RTE_ACTIVE_LOW);
	vioapic_set_irq(&io, 1, true);
	CHECK_EQ(sent, 1);
	CHECK_EQ(IOAPIC_RTE_DELMODE(last), 4);
	CHECK(last & IOAPIC_RTE_LOGICAL);
	CHECK_EQ(last >> 56, 3);
	/* a reset keeps the wiring, drops the state */
	vioapic_init(&io, 2);
	CHECK(io.deliver == deliver);
	CHECK_EQ(io.line, 0);
	CHECK_EQ(rd(0x00), 2u << 24);
}

/* Whatever is written, wherever: nothing breaks, reads stay in range. */
static void test_garbage(void)
{
	uint32_t x = 12345;
	reset();
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		unsigned size = 1u << ((x >> 8) & 3);
		uint64_t off = (x >> 12) & 0xfff;
		if (x & 1)
			vioapic_write(&io, off, size, x * 2654435761u);
		else
			(void)vioapic_read(&io, off, size);
		if ((x & 0xff) == 7)
			vioapic_set_irq(&io, (x >> 20) & 31, x & 0x100);
		if ((x & 0xff) == 9)
			vioapic_eoi(&io, (uint8_t)(x >> 16));
	}
	for (unsigned p = 0; p < VIOAPIC_PINS; p++)
		CHECK_EQ(io.rte[p] & ~0xff0000000001efffull, 0);
}

int main(void)
{
	RUN(test_identity);
	RUN(test_rte_bits);
	RUN(test_edge);
	RUN(test_level);
	RUN(test_shared_vector);
	RUN(test_delivery_modes_pass_through);
	RUN(test_garbage);
	return check_summary();
}
