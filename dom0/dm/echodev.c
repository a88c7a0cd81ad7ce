#include "dom0/dm/echodev.h"

static uint64_t low_bytes(uint64_t v, unsigned size)
{
	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static uint64_t port_read(struct echodev *dev, uint64_t port, unsigned size)
{
	switch (port) {
	case ECHODEV_SCRATCH: return low_bytes(dev->scratch, size);
	case ECHODEV_IN_ORDER: return low_bytes(dev->in_order, size);
	case ECHODEV_OUT_OF_ORDER: return low_bytes(dev->out_of_order, size);
	case ECHODEV_SERVED: return low_bytes(dev->served, size);
	default: return low_bytes(~0ull, size);
	}
}

static void port_write(struct echodev *dev, uint64_t port, unsigned size, uint64_t data)
{
	if (port == ECHODEV_SCRATCH) {
		uint32_t keep = size >= 4 ? 0 : ~(uint32_t)low_bytes(~0ull, size);
		dev->scratch = (dev->scratch & keep) | (uint32_t)low_bytes(data, size);
	} else if (port == ECHODEV_SEQUENCE) {
		if ((uint32_t)data == dev->in_order)
			dev->in_order++;
		else
			dev->out_of_order++;
	}
}

/* Little-endian byte by byte: no alignment or host byte order assumed. */
static uint64_t mem_access(struct echodev *dev, const struct ioreq_request *req)
{
	uint64_t off = req->addr - ECHODEV_MMIO_BASE, v = 0;

	if (req->addr < ECHODEV_MMIO_BASE || off + req->size > ECHODEV_MMIO_SIZE)
		return req->dir == IOREQ_DIR_READ ? low_bytes(~0ull, req->size) : 0;
	for (unsigned i = 0; i < req->size; i++) {
		if (req->dir == IOREQ_DIR_READ)
			v |= (uint64_t)dev->mem[off + i] << (8 * i);
		else
			dev->mem[off + i] = (uint8_t)(req->data >> (8 * i));
	}
	return v;
}

uint64_t echodev_access(struct echodev *dev, const struct ioreq_request *req)
{
	unsigned size = req->size;

	dev->served++;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if (req->type == IOREQ_TYPE_MMIO)
		return mem_access(dev, req);
	if (req->dir == IOREQ_DIR_READ)
		return port_read(dev, req->addr, size);
	port_write(dev, req->addr, size, req->data);
	return 0;
}
