#include "hv/io.h"

#include "hv/domain.h"
#include "hv/emul.h"
#include "hv/ioreq_server.h"
#include "hv/log.h"
#include "hv/testdev.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

enum io_result io_port_access(struct vcpu *v, uint16_t port, unsigned size, bool in,
			      uint32_t *val)
{
	struct domain *d = v->dom;
	uint64_t data = *val;

	if (vuart_io(&d->uart, d->name, port, in, val)) {
		vplatform_set_irq(d, VUART_IRQ, vuart_irq_level(&d->uart));
		return IO_DONE;
	}
	if (testdev_io(d, port, size, in, val) || vplatform_io(d, port, in, val))
		return IO_DONE;
	switch (ioreq_forward(v, IOREQ_TYPE_PORT, in ? IOREQ_DIR_READ : IOREQ_DIR_WRITE, port,
			      size, &data)) {
	case IOREQ_WAIT:
		return IO_WAIT;
	case IOREQ_HANDLED:
		*val = (uint32_t)data;
		return IO_DONE;
	case IOREQ_NOT_ROUTED:
		break;
	}
	/* Nothing there: reads float high, writes vanish (as on a PC bus). */
	if (in)
		*val = 0xffffffffu >> (32 - 8 * size);
	log_debug("domain %u: %s of unclaimed port %#x\n", d->id, in ? "read" : "write", port);
	return IO_DONE;
}

static uint64_t size_mask(unsigned bytes)
{
	return bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* INS/OUTS (with REP) read or write guest memory through segmentation and
 * paging: the emulator carries them out, a chunk of repetitions per exit
 * (RIP stays put until the count is done, as on hardware). */
static void string_io(struct vcpu *v)
{
	struct emul_outcome o;

	if (vcpu_emulate(v, &o) == EMUL_UNHANDLED)
		domain_kill(v->dom, "string I/O instruction the emulator does not handle "
			    "(opcode %#x at rip %#llx)", o.opcode, (unsigned long long)o.rip);
}

void io_handle_exit(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->io.string) {
		string_io(v);
		return;
	}
	uint32_t val = (uint32_t)v->regs[GPR_RAX];
	if (io_port_access(v, exit->io.port, exit->io.size, exit->io.in, &val) == IO_WAIT)
		return; /* hv/ioreq.c runs the instruction again once answered */
	if (exit->io.in) {
		uint64_t mask = size_mask(exit->io.size);
		/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
		if (exit->io.size == 4)
			v->regs[GPR_RAX] = val;
		else
			v->regs[GPR_RAX] = (v->regs[GPR_RAX] & ~mask) | (val & mask);
	}
	if (v->dom->state == DOMAIN_RUNNING)
		vcpu_skip_insn(v, exit);
}
