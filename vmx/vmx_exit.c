/* VMX exit reasons and qualifications in the generic `struct vm_exit`. */
#include "vmx/vmx.h"

#include "hv/cr.h"
#include "hv/domain.h"
#include "hv/string.h"
#include "vmx/vmcs.h"

/* IDT-vectoring information: an event the exit cut short (SDM Vol. 3C,
 * 28.2.4), to be delivered again. Software interrupts and exceptions
 * carry the length of their instruction. */
static struct event vectoring_event(void)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return (struct event){ 0 };
	struct event e = {
		.valid = true,
		.vector = (uint8_t)(info & INTR_INFO_VECTOR_MASK),
		.type = (uint8_t)((info >> INTR_INFO_TYPE_SHIFT) & 7),
		.has_error = info & INTR_INFO_ERROR_VALID,
	};
	if (e.has_error)
		e.error = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR);
	if (e.type == INTR_TYPE_SW_INT || e.type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    e.type == INTR_TYPE_SW_EXCEPTION)
		e.insn_len = (uint8_t)vmcs_read(VMCS_EXIT_INSN_LEN);
	return e;
}

/* Exit qualification for I/O instructions (SDM Vol. 3C, table 28-5). */
static void translate_io(uint64_t q, struct vm_exit *e)
{
	e->reason = EXIT_IO;
	e->io.size = (uint8_t)((q & 7) + 1);
	e->io.in = q & (1u << 3);
	e->io.string = q & (1u << 4);
	e->io.rep = q & (1u << 5);
	e->io.port = (uint16_t)(q >> 16);
}

/* EPT violations (table 28-7): bits 0-2 the access, bits 3-5 what the
 * entry allowed (any set: the page is mapped). */
static void translate_ept_violation(uint64_t q, struct vm_exit *e)
{
	e->reason = EXIT_NESTED_FAULT;
	e->gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	e->qual = ((q & (1u << 1)) ? NESTED_FAULT_WRITE : 0) |
		  ((q & (1u << 2)) ? NESTED_FAULT_FETCH : 0) |
		  ((q & (7u << 3)) ? NESTED_FAULT_PRESENT : 0);
}

/* Control-register accesses (table 28-3). Writes to CR0/CR4, CLTS and
 * LMSW go to the generic handler, which decodes the instruction itself.
 * CR8 moves (always intercepted: the guest's TPR must not reach the
 * host's APIC, and a lowered TPR may unmask a waiting interrupt) and CR3 moves (only when the CPU forces CR3 exiting) are
 * done here. */
static void translate_cr(struct vcpu *v, uint64_t q, struct vm_exit *e)
{
	unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;

	if ((type == 0 && (cr == 0 || cr == 4)) || type == 2 || type == 3) {
		e->reason = EXIT_CR_WRITE;
		e->cr = (uint8_t)cr;
		return;
	}
	if (cr == 8 && type <= 1) {
		/* CR8 is the vLAPIC's TPR class (hv/cr.c checks the write). */
		if (type == 0 && !cr_write(v, 8, v->regs[gpr])) {
			vcpu_inject_gp(v);
		} else {
			if (type == 1)
				v->regs[gpr] = vlapic_get_cr8(&v->lapic);
			vcpu_skip_insn(v, e);
		}
		e->reason = EXIT_NONE;
		return;
	}
	if (cr == 3 && type <= 1) {
		if (type == 0)
			hvm->set_cr(v, 3, v->regs[gpr]);
		else
			v->regs[gpr] = hvm->get_cr(v, 3);
		vcpu_skip_insn(v, e);
		e->reason = EXIT_NONE;
		return;
	}
	e->reason = EXIT_UNHANDLED;
}

/* XSETBV exits unconditionally on VMX (it runs natively on SVM): checked
 * and loaded by hv/fpu.c, which switches XCR0 with the rest of the guest's
 * register state. INVD too: it is done as a no-op, since dropping dirty
 * cache lines is never the guest's to do. */
static void emulate_xsetbv(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = (uint32_t)v->regs[GPR_RAX] | ((v->regs[GPR_RDX] & 0xffffffffu) << 32);

	e->reason = EXIT_NONE;
	if ((uint32_t)v->regs[GPR_RCX] != 0 || !fpu_set_xcr0(v, val)) {
		vcpu_inject_gp(v);
		return;
	}
	vcpu_skip_insn(v, e);
}

static enum exit_reason simple_reason(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID: return EXIT_CPUID;
	case VMX_EXIT_HLT: return EXIT_HLT;
	case VMX_EXIT_VMCALL: return EXIT_HYPERCALL;
	case VMX_EXIT_RDMSR: return EXIT_MSR_READ;
	case VMX_EXIT_WRMSR: return EXIT_MSR_WRITE;
	case VMX_EXIT_TRIPLE_FAULT: return EXIT_TRIPLE_FAULT;
	case VMX_EXIT_EXTERNAL_INTR: return EXIT_EXTERNAL_INTR;
	case VMX_EXIT_INTR_WINDOW: return EXIT_IRQ_WINDOW;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMLAUNCH:
	case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST:
	case VMX_EXIT_VMREAD:
	case VMX_EXIT_VMRESUME:
	case VMX_EXIT_VMWRITE:
	case VMX_EXIT_VMXOFF:
	case VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
	case VMX_EXIT_ENCLS:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
		return EXIT_INVALID_INSN;
	default:
		return EXIT_UNHANDLED;
	}
}

/* Exits caused by an instruction: the VM-exit instruction length is valid
 * (SDM Vol. 3C, 28.2.5). */
static bool has_insn_len(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID: case VMX_EXIT_GETSEC: case VMX_EXIT_HLT: case VMX_EXIT_INVD:
	case VMX_EXIT_VMCALL: case VMX_EXIT_VMCLEAR: case VMX_EXIT_VMLAUNCH:
	case VMX_EXIT_VMPTRLD: case VMX_EXIT_VMPTRST: case VMX_EXIT_VMREAD:
	case VMX_EXIT_VMRESUME: case VMX_EXIT_VMWRITE: case VMX_EXIT_VMXOFF:
	case VMX_EXIT_VMXON: case VMX_EXIT_CR_ACCESS: case VMX_EXIT_IO:
	case VMX_EXIT_RDMSR: case VMX_EXIT_WRMSR: case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR: case VMX_EXIT_INVEPT: case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC: case VMX_EXIT_XSETBV:
		return true;
	default:
		return false;
	}
}

void vmx_translate_exit(struct vcpu *v, struct vm_exit *e)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xffff;

	memset(e, 0, sizeof(*e));
	e->native = reason;
	if (reason & VMX_EXIT_REASON_FAILED_ENTRY) {
		e->reason = EXIT_ENTRY_FAILED;
		/* Exit qualifications of a failed entry (SDM Vol. 3C, 27.8). */
		uint64_t q = vmcs_read(VMCS_EXIT_QUAL);
		e->why = basic == VMX_EXIT_MSR_LOADING	 ? "VM entry failed loading MSRs"
		       : basic == VMX_EXIT_MACHINE_CHECK ? "machine check during VM entry"
		       : q == 2 ? "loading the PAE page-directory-pointer entries failed (reserved bits)"
		       : q == 3 ? "NMI injection failed"
		       : q == 4 ? "invalid VMCS link pointer"
				: vmx_diagnose_guest_state();
		return;
	}
	e->vectoring = vectoring_event();
	if (has_insn_len(basic))
		e->insn_len = (uint8_t)vmcs_read(VMCS_EXIT_INSN_LEN);
	uint64_t q = vmcs_read(VMCS_EXIT_QUAL);

	switch (basic) {
	case VMX_EXIT_IO:
		translate_io(q, e);
		break;
	case VMX_EXIT_CR_ACCESS:
		translate_cr(v, q, e);
		break;
	case VMX_EXIT_EPT_VIOLATION:
		translate_ept_violation(q, e);
		break;
	case VMX_EXIT_EPT_MISCONFIG:
		/* Our own tables are wrong: nothing the guest did. */
		domain_kill(v->dom, "EPT misconfiguration at guest-physical %#llx: the hypervisor "
			    "built an invalid EPT entry", (unsigned long long)vmcs_read(VMCS_GUEST_PHYS_ADDR));
		e->reason = EXIT_NONE;
		break;
	case VMX_EXIT_XSETBV:
		emulate_xsetbv(v, e);
		break;
	case VMX_EXIT_INVD:
		e->reason = EXIT_NONE;
		vcpu_skip_insn(v, e);
		break;
	case VMX_EXIT_EXCEPTION_NMI: {
		uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
		e->reason = ((info >> INTR_INFO_TYPE_SHIFT) & 7) == INTR_TYPE_NMI ? EXIT_NMI
										: EXIT_UNHANDLED;
		break;
	}
	default:
		e->reason = simple_reason(basic);
		break;
	}
}
