/*
 * Running one guest instruction in the emulator (emulate/): the vCPU's
 * state goes in, the emulator's callbacks reach guest memory (RAM through
 * the p2m, emulated devices through hv/mmio.c), ports, control registers
 * and MSRs through the same policies as the exit handlers, and the result
 * comes back as the vCPU's new state or an exception to deliver.
 */
#include "hv/emul.h"

#include "emulate/emulate.h"
#include "hv/cpuid.h"
#include "hv/cr.h"
#include "hv/domain.h"
#include "hv/guest_mem.h"
#include "hv/io.h"
#include "hv/ioreq_server.h"
#include "hv/mmio.h"
#include "hv/msr.h"
#include "hv/string.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

/* The emulator's view of guest memory: RAM through the p2m, MMIO through
 * its device model, anything else ends the domain. */
struct emu_ctx {
	struct vcpu *v;
	bool bad_access;
	uint64_t bad_gpa;
};

static int translate(struct emu_ctx *c, uint64_t linear, unsigned flags, uint64_t *gpa,
		     struct x86_fault *fault)
{
	struct walk_env env;
	uint32_t error = 0;
	unsigned access = ((flags & X86_MEM_WRITE) ? PFEC_WRITE : 0) |
			  ((flags & X86_MEM_FETCH) ? PFEC_FETCH : 0) |
			  ((flags & X86_MEM_USER) ? PFEC_USER : 0);

	vcpu_walk_env(c->v, &env);
	enum walk_status s = guest_walk(&env, linear, access, gpa, &error);
	if (s == WALK_PAGE_FAULT) {
		*fault = (struct x86_fault){ 14, true, error, linear };
		return X86_EMU_FAULT;
	}
	if (s != WALK_OK) {
		c->bad_access = true;
		c->bad_gpa = linear;
		return X86_EMU_UNHANDLED;
	}
	return X86_EMU_OK;
}

/* MMIO of a service domain's device: one request per access (the page
 * split in emulate/ keeps accesses within a page). */
static int forwarded_access(struct emu_ctx *c, uint64_t gpa, void *data, unsigned size,
			    bool write)
{
	uint64_t val = 0;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		c->bad_access = true;
		c->bad_gpa = gpa;
		return X86_EMU_UNHANDLED;
	}
	if (write)
		memcpy(&val, data, size);
	switch (ioreq_forward(c->v, IOREQ_TYPE_MMIO, write ? IOREQ_DIR_WRITE : IOREQ_DIR_READ,
			      gpa, size, &val)) {
	case IOREQ_WAIT:
		return X86_EMU_DEFER;
	case IOREQ_HANDLED:
		if (!write)
			memcpy(data, &val, size);
		return X86_EMU_OK;
	default:
		c->bad_access = true;
		c->bad_gpa = gpa;
		return X86_EMU_UNHANDLED;
	}
}

static int emu_access(void *ctx, uint64_t linear, void *data, unsigned size, unsigned flags,
		      struct x86_fault *fault)
{
	struct emu_ctx *c = ctx;
	uint64_t gpa;
	int st = translate(c, linear, flags, &gpa, fault);
	bool write = flags & X86_MEM_WRITE;

	if (st != X86_EMU_OK)
		return st;
	const struct mmio_region *r = mmio_find_region(c->v->dom, gpa, size);
	if (r && !r->ops)
		return forwarded_access(c, gpa, data, size, write);
	if (r) {
		uint64_t val = 0;
		if (write) {
			memcpy(&val, data, size);
			r->ops->write(r->ctx, gpa - r->base, size, val);
		} else {
			val = r->ops->read(r->ctx, gpa - r->base, size);
			memcpy(data, &val, size);
		}
		return X86_EMU_OK;
	}
	int err = write ? guest_phys_write(c->v->dom, gpa, data, size)
			: guest_phys_read(c->v->dom, gpa, data, size);
	if (err) {
		c->bad_access = true;
		c->bad_gpa = gpa;
		return X86_EMU_UNHANDLED;
	}
	return X86_EMU_OK;
}

static int emu_read_mem(void *ctx, uint64_t linear, void *data, unsigned size, unsigned flags,
			struct x86_fault *fault)
{
	return emu_access(ctx, linear, data, size, flags & ~X86_MEM_WRITE, fault);
}

static int emu_write_mem(void *ctx, uint64_t linear, const void *data, unsigned size,
			 unsigned flags, struct x86_fault *fault)
{
	return emu_access(ctx, linear, (void *)data, size, flags | X86_MEM_WRITE, fault);
}

static int emu_io_in(void *ctx, uint16_t port, unsigned size, uint32_t *val, struct x86_fault *f)
{
	struct emu_ctx *c = ctx;
	return io_port_access(c->v, port, size, true, val) == IO_WAIT ? X86_EMU_DEFER : X86_EMU_OK;
}

static int emu_io_out(void *ctx, uint16_t port, unsigned size, uint32_t val, struct x86_fault *f)
{
	struct emu_ctx *c = ctx;
	return io_port_access(c->v, port, size, false, &val) == IO_WAIT ? X86_EMU_DEFER : X86_EMU_OK;
}

static bool emu_rep_yield(void *ctx)
{
	struct emu_ctx *c = ctx;
	return ioreq_forwarded_this_run(c->v);
}

static int gp_fault(struct x86_fault *f)
{
	*f = (struct x86_fault){ 13, true, 0, 0 };
	return X86_EMU_FAULT;
}

static int emu_write_cr(void *ctx, unsigned cr, uint64_t val, struct x86_fault *f)
{
	struct emu_ctx *c = ctx;
	if (cr == 0 || cr == 4)
		return cr_write(c->v, cr, val) ? X86_EMU_OK : gp_fault(f);
	if (cr == 2 || cr == 3) {
		hvm->set_cr(c->v, cr, val);
		return X86_EMU_OK;
	}
	return X86_EMU_UNHANDLED;
}

static int emu_read_msr(void *ctx, uint32_t msr, uint64_t *val, struct x86_fault *f)
{
	struct emu_ctx *c = ctx;
	return msr_read(c->v, msr, val) ? X86_EMU_OK : gp_fault(f);
}

static int emu_write_msr(void *ctx, uint32_t msr, uint64_t val, struct x86_fault *f)
{
	struct emu_ctx *c = ctx;
	return msr_write(c->v, msr, val) ? X86_EMU_OK : gp_fault(f);
}

static void emu_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct emu_ctx *c = ctx;
	struct cpuid_regs r = cpuid_guest(c->v, leaf, subleaf);
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

static void emu_invlpg(void *ctx, uint64_t linear)
{
	struct emu_ctx *c = ctx;
	hvm->flush_guest_tlb(c->v);
}

/* Our segment attributes keep AVL/L/DB/G in bits 15:12, the emulator (like
 * the VMCB) in 11:8. */
static struct x86_segment to_emu_segment(const struct segment *s)
{
	return (struct x86_segment){ s->selector, (uint16_t)((s->attr & 0xff) | ((s->attr >> 4) & 0xf00)),
				     s->limit, s->base };
}

static struct segment from_emu_segment(const struct x86_segment *s)
{
	return (struct segment){ s->sel, (uint16_t)((s->attr & 0xff) | ((s->attr & 0xf00) << 4)),
				 s->limit, s->base };
}

static void load_state(struct vcpu *v, struct x86_cpu_state *st)
{
	struct segment seg;
	struct dtable dt;

	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, v->regs, sizeof(st->gpr));
	st->rip = hvm->get_rip(v);
	st->rflags = hvm->get_rflags(v);
	for (enum seg_reg s = SEG_ES; s <= SEG_GS; s++) {
		hvm->get_segment(v, s, &seg);
		st->seg[s] = to_emu_segment(&seg);
	}
	hvm->get_segment(v, SEG_LDTR, &seg);
	st->ldtr = to_emu_segment(&seg);
	hvm->get_gdt(v, &dt);
	st->gdtr = (struct x86_dtable){ dt.base, dt.limit };
	hvm->get_idt(v, &dt);
	st->idtr = (struct x86_dtable){ dt.base, dt.limit };
	st->cr0 = hvm->get_cr(v, 0);
	st->cr2 = hvm->get_cr(v, 2);
	st->cr3 = hvm->get_cr(v, 3);
	st->cr4 = hvm->get_cr(v, 4);
	st->efer = hvm->get_efer(v);
	st->cpl = (uint8_t)hvm->get_cpl(v);
	st->mode = (uint8_t)vcpu_code_mode(v);
	st->decode_options = cpuid_decode_options();
}

static void store_state(struct vcpu *v, const struct x86_cpu_state *st)
{
	memcpy(v->regs, st->gpr, sizeof(v->regs));
	hvm->set_rip(v, st->rip);
	hvm->set_rflags(v, st->rflags);
	for (enum seg_reg s = SEG_ES; s <= SEG_GS; s++) {
		struct segment seg = from_emu_segment(&st->seg[s]);
		hvm->set_segment(v, s, &seg);
	}
}

enum emul_status vcpu_emulate(struct vcpu *v, struct emul_outcome *out)
{
	static const struct x86_emu_ops ops_template = {
		.read_mem = emu_read_mem, .write_mem = emu_write_mem,
		.io_in = emu_io_in, .io_out = emu_io_out, .write_cr = emu_write_cr,
		.read_msr = emu_read_msr, .write_msr = emu_write_msr,
		.cpuid = emu_cpuid, .invlpg = emu_invlpg, .rep_yield = emu_rep_yield,
	};
	struct emu_ctx c = { v, false, 0 };
	struct x86_emu_ops ops = ops_template;
	struct x86_cpu_state st;
	struct x86_emu_result res;

	ops.ctx = &c;
	load_state(v, &st);
	ioreq_emulation_begin(v);
	int status = x86_emulate(&st, &ops, &res);
	ioreq_emulation_end(v, status == X86_EMU_DEFER);
	*out = (struct emul_outcome){ st.rip, res.insn.map, res.insn.opcode };
	switch (status) {
	case X86_EMU_OK:
	case X86_EMU_DEFER: /* RIP stays; completed REP iterations count */
		store_state(v, &st);
		return EMUL_DONE;
	case X86_EMU_FAULT:
		store_state(v, &st); /* the REP iterations before the fault count */
		if (res.fault.vector == 14)
			vcpu_inject_page_fault(v, res.fault.cr2, res.fault.error_code);
		else
			vcpu_inject_exception(v, res.fault.vector, res.fault.has_error_code,
					      res.fault.error_code);
		return EMUL_DONE;
	default:
		if (!c.bad_access)
			return EMUL_UNHANDLED;
		domain_kill(v->dom, "instruction at rip %#llx touched %#llx, which is neither "
			    "RAM nor a device", (unsigned long long)st.rip,
			    (unsigned long long)c.bad_gpa);
		return EMUL_DONE;
	}
}
