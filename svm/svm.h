/* Internal interface of the SVM backend (svm/ only). */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hvm.h"
#include "hv/vcpu.h"
#include "svm/vmcb.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint8_t tlb_control; /* for the next VMRUN */
	unsigned asid_cpu;   /* the CPU (+1) and generation its ASID is from */
	uint64_t asid_gen;
	uint64_t guest_efer; /* what the guest sees; the VMCB may differ */
};

struct svm_features {
	uint32_t nasids;
	bool npt, nrips, flush_by_asid;
};

extern struct svm_features svm_features;

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}


void svm_vmrun(uint64_t *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa);

/* Turns the VMCB's exit information into the generic form. */
void svm_translate_exit(struct vcpu *v, struct vmcb *vmcb, struct vm_exit *exit);
/* Names the consistency check a VMCB fails (APM Vol. 2, 15.5.1), or NULL. */
const char *svm_diagnose_vmcb(const struct vmcb *vmcb);

#endif
