/* The generic exit handlers: one per `enum exit_reason`. */
#include "hv/exit.h"

#include "emulate/decode.h"
#include "hv/cpuid.h"
#include "hv/cr.h"
#include "hv/domain.h"
#include "hv/hypercall.h"
#include "hv/io.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mmio.h"
#include "hv/msr.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

static void handle_cpuid(struct vcpu *v, struct vm_exit *e)
{
	struct cpuid_regs r = cpuid_guest(v, (uint32_t)v->regs[GPR_RAX], (uint32_t)v->regs[GPR_RCX]);

	v->regs[GPR_RAX] = r.eax;
	v->regs[GPR_RBX] = r.ebx;
	v->regs[GPR_RCX] = r.ecx;
	v->regs[GPR_RDX] = r.edx;
	vcpu_skip_insn(v, e);
}

static void handle_msr(struct vcpu *v, struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->regs[GPR_RCX];
	uint64_t val = 0;

	if (e->reason == EXIT_MSR_READ) {
		if (!msr_read(v, msr, &val)) {
			vcpu_inject_gp(v);
			return;
		}
		v->regs[GPR_RAX] = (uint32_t)val;
		v->regs[GPR_RDX] = val >> 32;
	} else {
		val = (uint32_t)v->regs[GPR_RAX] | (v->regs[GPR_RDX] << 32);
		if (!msr_write(v, msr, val)) {
			vcpu_inject_gp(v);
			return;
		}
	}
	vcpu_skip_insn(v, e);
}

static void handle_hlt(struct vcpu *v, struct vm_exit *e)
{
	/* Nothing can wake a vCPU that halts with interrupts off: there are no
	 * NMI sources yet, so it would sleep forever. */
	if (!(hvm->get_rflags(v) & RFLAGS_IF)) {
		/* Only this vCPU stops; the domain ends with its last one. */
		v->stopped = true;
		for (unsigned i = 0; i < v->dom->nr_vcpus; i++)
			if (vcpu_alive(v->dom->vcpus[i]))
				return;
		domain_finish(v->dom, "halted with interrupts disabled");
		return;
	}
	if (!vcpu_skip_insn(v, e))
		return;
	if (!vcpu_irq_pending(v))
		v->blocked = true;
}

static void handle_hypercall(struct vcpu *v, struct vm_exit *e)
{
	/* Hypercalls are for kernels: user mode gets #UD, as on bare metal. */
	if (hvm->get_cpl(v) != 0) {
		vcpu_inject_ud(v);
		return;
	}
	if (!vcpu_skip_insn(v, e))
		return;
	hypercall_dispatch(v);
}

/* MOV to CR0/CR4, CLTS and LMSW, decoded here (no decode assists). */
static void handle_cr_write(struct vcpu *v, struct vm_exit *e)
{
	struct x86_insn insn;
	uint64_t val;
	unsigned cr;

	if (vcpu_decode_current(v, &insn))
		return;
	if (insn.map == X86_MAP_0F && insn.opcode == 0x22) {
		cr = insn.reg;
		val = v->regs[insn.rm & 15];
		if (insn.mode != X86_MODE_64)
			val &= 0xffffffffu;
	} else if (insn.map == X86_MAP_0F && insn.opcode == 0x06) {
		cr = 0;
		val = hvm->get_cr(v, 0) & ~CR0_TS;
	} else if (insn.map == X86_MAP_0F && insn.opcode == 0x01 && (insn.reg & 7) == 6 &&
		   insn.mod == 3) {
		/* LMSW sets PE, MP, EM, TS but can never clear PE. */
		uint64_t old = hvm->get_cr(v, 0);
		cr = 0;
		val = (old & ~0xeull) | (v->regs[insn.rm & 15] & 0xf) | (old & CR0_PE);
	} else {
		domain_kill(v->dom, "CR%u write by an instruction the hypervisor does not emulate "
			    "(map %u opcode %#x)", e->cr, insn.map, insn.opcode);
		return;
	}
	if (!cr_write(v, cr, val)) {
		vcpu_inject_gp(v);
		return;
	}
	vcpu_skip_insn(v, e);
}

/* First touch of RAM in a lazily populated domain: map the 2 MiB block
 * around it when the p2m range covers it, else the page. The guest retries
 * the access (an event it was delivering is re-injected). */
static bool map_on_demand(struct domain *d, const struct p2m_range *r, uint64_t gpa)
{
	uint64_t gfn = gpa >> PAGE_SHIFT, block = gfn & ~511ull;
	bool large = block >= r->gfn && block + 512 <= r->gfn + r->count &&
		     !((r->mfn + (block - r->gfn)) & 511);
	uint64_t first = large ? block : gfn, count = large ? 512 : 1;

	return hvm_nested_map(&d->npt, first << PAGE_SHIFT,
			      (r->mfn + (first - r->gfn)) << PAGE_SHIFT, count << PAGE_SHIFT) == 0;
}

static void handle_nested_fault(struct vcpu *v, struct vm_exit *e)
{
	const struct p2m_range *r = p2m_lookup(&v->dom->p2m, e->gpa >> PAGE_SHIFT);

	if (r && r->type == P2M_MMIO_EMUL) {
		mmio_emulate(v, e->gpa);
		return;
	}
	if (r && r->type == P2M_RAM && v->dom->lazy_nested && map_on_demand(v->dom, r, e->gpa))
		return;
	domain_kill(v->dom, "access to guest-physical %#llx, which is not RAM (%s%s, rip %#llx)",
		    (unsigned long long)e->gpa,
		    (e->qual & NESTED_FAULT_FETCH) ? "fetch" :
		    (e->qual & NESTED_FAULT_WRITE) ? "write" : "read",
		    (e->qual & NESTED_FAULT_PRESENT) ? ", mapped" : "",
		    (unsigned long long)hvm->get_rip(v));
}

static void handle_irq_window(struct vcpu *v, struct vm_exit *e)
{
	hvm->request_irq_window(v, false);
}

void exit_dispatch(struct vcpu *v, struct vm_exit *e)
{
	/* An event cut short by the exit is delivered again first; a handler
	 * that raises another exception merges with it (#DF rules). */
	if (e->vectoring.valid)
		v->pending = e->vectoring;

	switch (e->reason) {
	case EXIT_CPUID: handle_cpuid(v, e); break;
	case EXIT_IO: io_handle_exit(v, e); break;
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE: handle_msr(v, e); break;
	case EXIT_HLT: handle_hlt(v, e); break;
	case EXIT_HYPERCALL: handle_hypercall(v, e); break;
	case EXIT_CR_WRITE: handle_cr_write(v, e); break;
	case EXIT_NESTED_FAULT: handle_nested_fault(v, e); break;
	case EXIT_IRQ_WINDOW: handle_irq_window(v, e); break;
	case EXIT_EXTERNAL_INTR:
	case EXIT_NMI:
	case EXIT_NONE:
		break;
	case EXIT_INVALID_INSN: vcpu_inject_ud(v); break;
	case EXIT_TRIPLE_FAULT: domain_kill(v->dom, "triple fault"); break;
	case EXIT_ENTRY_FAILED:
		domain_kill(v->dom, "VM entry failed: %s", e->why ? e->why : "unknown reason");
		break;
	case EXIT_UNHANDLED:
		domain_kill(v->dom, "unhandled exit %#llx at rip %#llx",
			    (unsigned long long)e->native, (unsigned long long)hvm->get_rip(v));
		break;
	}
}
