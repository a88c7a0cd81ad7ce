#include "hv/io.h"

#include "emulate/decode.h"
#include "hv/domain.h"
#include "hv/guest_mem.h"
#include "hv/log.h"
#include "hv/testdev.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

/* Repetitions done per exit before letting the guest (and interrupts) in. */
#define STRING_IO_BATCH 1024

void io_port_access(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	struct domain *d = v->dom;

	if (vuart_io(&d->uart, d->name, port, in, val)) {
		vplatform_set_irq(d, VUART_IRQ, vuart_irq_level(&d->uart));
		return;
	}
	if (testdev_io(d, port, size, in, val))
		return;
	if (vplatform_io(d, port, in, val))
		return;
	/* Nothing there: reads float high, writes vanish (as on a PC bus). */
	if (in)
		*val = 0xffffffffu >> (32 - 8 * size);
	log_debug("domain %u: %s of unclaimed port %#x\n", d->id, in ? "read" : "write", port);
}

static uint64_t size_mask(unsigned bytes)
{
	return bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* The guest's view of a string operand: segment base + index register,
 * both wrapped to the address size, which the decoder tells us. */
struct string_io {
	unsigned size, addr_size;
	int index_reg;        /* RSI for OUTS, RDI for INS */
	uint64_t seg_base;
	bool rep, in;
	int64_t step;
};

static bool string_io_setup(struct vcpu *v, const struct vm_exit *exit, struct string_io *s)
{
	struct x86_insn insn;
	struct segment seg;

	if (vcpu_decode_current(v, &insn))
		return false;
	s->size = exit->io.size;
	s->addr_size = insn.addrsize;
	s->in = exit->io.in;
	s->rep = insn.rep != 0;
	s->index_reg = s->in ? GPR_RDI : GPR_RSI;
	/* INS always writes ES:rDI; OUTS reads DS:rSI unless overridden. */
	enum seg_reg sr = s->in ? SEG_ES : (insn.seg != X86_SEG_NONE ? (enum seg_reg)insn.seg : SEG_DS);
	hvm->get_segment(v, sr, &seg);
	bool long_mode = vcpu_code_mode(v) == X86_MODE_64;
	s->seg_base = long_mode && sr < SEG_FS ? 0 : seg.base;
	s->step = (hvm->get_rflags(v) & (1ul << 10)) ? -(int64_t)s->size : (int64_t)s->size;
	return true;
}

/* One element: false when the instruction stops here (fault queued). */
static bool string_io_one(struct vcpu *v, struct string_io *s, uint16_t port)
{
	uint64_t mask = size_mask(s->addr_size);
	uint64_t index = v->regs[s->index_reg] & mask;
	uint64_t linear = s->seg_base + index;
	unsigned access = hvm->get_cpl(v) == 3 ? PFEC_USER : 0;
	uint32_t val = 0, pf_error = 0;
	uint64_t fault_addr = 0;
	enum gva_status st;

	if (vcpu_code_mode(v) != X86_MODE_64)
		linear &= 0xffffffffu;
	if (s->in) {
		io_port_access(v, port, s->size, true, &val);
		st = guest_virt_write(v, linear, &val, s->size, access, &pf_error, &fault_addr);
	} else {
		st = guest_virt_read(v, linear, &val, s->size, access, &pf_error, &fault_addr);
		if (st == GVA_OK)
			io_port_access(v, port, s->size, false, &val);
	}
	if (st == GVA_PAGE_FAULT) {
		vcpu_inject_page_fault(v, fault_addr, pf_error);
		return false;
	}
	if (st != GVA_OK) {
		domain_kill(v->dom, "string I/O on port %#x to memory that is not RAM (%llx)",
			    port, (unsigned long long)linear);
		return false;
	}
	uint64_t next = (index + (uint64_t)s->step) & mask;
	v->regs[s->index_reg] = (v->regs[s->index_reg] & ~mask) | next;
	return true;
}

static void string_io(struct vcpu *v, const struct vm_exit *exit)
{
	struct string_io s;

	if (!string_io_setup(v, exit, &s))
		return;
	uint64_t cmask = size_mask(s.addr_size);
	for (unsigned done = 0; done < STRING_IO_BATCH; done++) {
		if (s.rep && (v->regs[GPR_RCX] & cmask) == 0)
			break;
		if (!string_io_one(v, &s, exit->io.port) || v->dom->state != DOMAIN_RUNNING)
			return;
		if (!s.rep) {
			vcpu_skip_insn(v, exit);
			return;
		}
		uint64_t count = ((v->regs[GPR_RCX] & cmask) - 1) & cmask;
		v->regs[GPR_RCX] = (v->regs[GPR_RCX] & ~cmask) | count;
	}
	/* Finished, or a batch done: RIP stays put so the instruction resumes. */
	if ((v->regs[GPR_RCX] & cmask) == 0)
		vcpu_skip_insn(v, exit);
}

void io_handle_exit(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->io.string) {
		string_io(v, exit);
		return;
	}
	uint32_t val = (uint32_t)v->regs[GPR_RAX];
	io_port_access(v, exit->io.port, exit->io.size, exit->io.in, &val);
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
