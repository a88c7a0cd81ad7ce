#include "hv/testdev.h"

#include "hv/domain.h"
#include "hv/layout.h"
#include "hv/string.h"
#include "hv/vcpu.h"

static uint8_t fifo_pop(struct testdev *t)
{
	if (!t->count)
		return 0xff;
	uint8_t b = t->fifo[t->head];
	t->head = (t->head + 1) % TESTDEV_FIFO_SIZE;
	t->count--;
	return b;
}

static void fifo_push(struct testdev *t, uint8_t b)
{
	if (t->count == TESTDEV_FIFO_SIZE)
		return;
	t->fifo[(t->head + t->count) % TESTDEV_FIFO_SIZE] = b;
	t->count++;
}

static void echo_data(struct testdev *t, unsigned size, bool in, uint32_t *val)
{
	if (in) {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)fifo_pop(t) << (8 * i);
		*val = v;
		return;
	}
	for (unsigned i = 0; i < size; i++)
		fifo_push(t, (uint8_t)(*val >> (8 * i)));
}

bool testdev_io(struct domain *d, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	struct testdev *t = &d->testdev;

	switch (port) {
	case TESTDEV_VERDICT_PORT:
		if (in) {
			*val = 0xffffffff;
			return true;
		}
		d->verdict = (int)(*val & 0x7fffffff);
		domain_finish(d, "verdict %d", d->verdict);
		return true;
	case TESTDEV_ECHO_DATA_PORT:
		echo_data(t, size, in, val);
		return true;
	case TESTDEV_IRQ_PORT:
		if (in)
			*val = 0xffffffff;
		else if ((*val & 0xff) >= 32)
			vcpu_raise_irq(d->vcpus[0], (uint8_t)*val);
		return true;
	case TESTDEV_ISA_IRQ_PORT:
		/* A level-triggered source for interrupt controller tests. */
		if (in)
			*val = 0xffffffff;
		else
			vplatform_set_irq(d, *val & 0xf, (*val >> 8) & 1);
		return true;
	case TESTDEV_ECHO_COUNT_PORT:
		if (in)
			*val = t->count;
		else
			t->head = t->count = 0;
		return true;
	default:
		return false;
	}
}

static uint64_t mmio_read(void *ctx, uint64_t offset, unsigned size)
{
	struct testdev *t = ctx;
	uint64_t val = 0;

	if (offset + size <= TESTDEV_MMIO_STORE) {
		t->mmio_accesses++;
		t->mmio_last_size = size;
		memcpy(&val, t->mmio_store + offset, size);
		return val;
	}
	if (offset == TESTDEV_MMIO_ACCESSES && size == 8)
		return t->mmio_accesses;
	if (offset == TESTDEV_MMIO_LAST_SIZE && size == 8)
		return t->mmio_last_size;
	return ~0ull >> (64 - 8 * size);
}

static void mmio_write(void *ctx, uint64_t offset, unsigned size, uint64_t val)
{
	struct testdev *t = ctx;

	if (offset + size > TESTDEV_MMIO_STORE)
		return;
	t->mmio_accesses++;
	t->mmio_last_size = size;
	memcpy(t->mmio_store + offset, &val, size);
}

int testdev_mmio_register(struct domain *d)
{
	static const struct mmio_ops ops = { mmio_read, mmio_write };
	return mmio_register(d, TESTDEV_MMIO_BASE, PAGE_SIZE, &ops, &d->testdev);
}
