/* SVM exit codes and EXITINFO fields in the generic `struct vm_exit`. */
#include "svm/svm.h"

#include "hv/string.h"

static struct event decode_event(uint64_t info)
{
	if (!(info & SVM_EVT_VALID))
		return (struct event){ 0 };
	return (struct event){
		.valid = true,
		.vector = (uint8_t)(info & SVM_EVT_VECTOR_MASK),
		.type = (uint8_t)((info >> SVM_EVT_TYPE_SHIFT) & 7),
		.has_error = info & SVM_EVT_ERROR_VALID,
		.error = (uint32_t)(info >> 32),
	};
}

static void translate_ioio(const struct vmcb *vmcb, struct vm_exit *e)
{
	uint64_t info = vmcb->control.exit_info1;

	e->reason = EXIT_IO;
	e->io.port = (uint16_t)(info >> 16);
	e->io.in = info & SVM_IOIO_IN;
	e->io.string = info & SVM_IOIO_STR;
	e->io.rep = info & SVM_IOIO_REP;
	e->io.size = (info >> SVM_IOIO_SZ_SHIFT) & 1 ? 1 : (info >> SVM_IOIO_SZ_SHIFT) & 2 ? 2 : 4;
	/* EXITINFO2 holds the next RIP even without nrip-save (APM 15.10.2). */
	e->next_rip = vmcb->control.exit_info2;
}

static void translate_npf(const struct vmcb *vmcb, struct vm_exit *e)
{
	uint64_t err = vmcb->control.exit_info1;

	e->reason = EXIT_NESTED_FAULT;
	e->gpa = vmcb->control.exit_info2;
	e->qual = ((err & 2) ? NESTED_FAULT_WRITE : 0) | ((err & 0x10) ? NESTED_FAULT_FETCH : 0) |
		  ((err & 1) ? NESTED_FAULT_PRESENT : 0);
}

static enum exit_reason simple_reason(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_CPUID: return EXIT_CPUID;
	case SVM_EXIT_HLT: return EXIT_HLT;
	case SVM_EXIT_VMMCALL: return EXIT_HYPERCALL;
	case SVM_EXIT_SHUTDOWN: return EXIT_TRIPLE_FAULT;
	case SVM_EXIT_INTR: return EXIT_EXTERNAL_INTR;
	case SVM_EXIT_NMI: return EXIT_NMI;
	case SVM_EXIT_VINTR: return EXIT_IRQ_WINDOW;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_RSM:
		return EXIT_INVALID_INSN;
	default:
		return EXIT_UNHANDLED;
	}
}

void svm_translate_exit(struct vcpu *v, struct vmcb *vmcb, struct vm_exit *e)
{
	uint64_t code = vmcb->control.exit_code;

	memset(e, 0, sizeof(*e));
	e->native = code;
	e->vectoring = decode_event(vmcb->control.exit_int_info);

	switch (code) {
	case SVM_EXIT_IOIO:
		translate_ioio(vmcb, e);
		return;
	case SVM_EXIT_MSR:
		e->reason = vmcb->control.exit_info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		break;
	case SVM_EXIT_CR0_WRITE:
	case SVM_EXIT_CR4_WRITE:
	case SVM_EXIT_CR8_WRITE:
		e->reason = EXIT_CR_WRITE;
		e->cr = (uint8_t)(code - SVM_EXIT_CR0_WRITE);
		break;
	case SVM_EXIT_NPF:
		translate_npf(vmcb, e);
		return;
	case SVM_EXIT_INVALID:
		e->reason = EXIT_ENTRY_FAILED;
		e->why = svm_diagnose_vmcb(vmcb);
		return;
	default:
		e->reason = simple_reason(code);
		break;
	}
	/* With nrip-save the hardware tells the length of the instruction. */
	if (svm_features.nrips && vmcb->control.next_rip > vmcb->save.rip &&
	    vmcb->control.next_rip - vmcb->save.rip <= 15)
		e->insn_len = (uint8_t)(vmcb->control.next_rip - vmcb->save.rip);
}
