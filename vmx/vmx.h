/* Internal interface of the VMX backend (vmx/ only). */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hvm.h"
#include "hv/vcpu.h"

/* MSRs the guest owns but the VMCS does not switch: kept per vCPU and
 * loaded into the CPU when another vCPU's values are there. */
enum vmx_lazy_msr {
	LAZY_KERNEL_GS_BASE, LAZY_STAR, LAZY_LSTAR, LAZY_CSTAR, LAZY_SFMASK,
	LAZY_MSR_COUNT,
};

struct vmx_vcpu {
	void *vmcs;
	uint64_t vmcs_pa;
	bool launched;
	uint16_t vpid;
	uint64_t cr0, cr4;           /* what the guest sees (the read shadows) */
	uint64_t cr2;                /* not in the VMCS: loaded around entries */
	uint64_t lazy_msr[LAZY_MSR_COUNT];
	bool flush_pending;          /* INVEPT/INVVPID before the next entry */
	unsigned host_cpu;           /* the CPU its host state is for, +1 (0: none) */
	unsigned active_cpu;         /* the CPU it is active on (loaded, not yet
				      * VMCLEARed), +1 (0: none) */
};

/* What the capability MSRs allow, and the controls computed from them. */
struct vmx_caps {
	uint64_t basic, misc, ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t pin, proc, proc2, exit, entry;  /* the settings every VMCS gets */
	/* allowed-0 (must be 1) and allowed-1 (may be 1) settings */
	uint32_t pin_must, pin_may, proc_must, proc_may, proc2_may;
	uint32_t exit_must, exit_may, entry_must, entry_may;
	bool ept, vpid, unrestricted;
	bool invept_single, invvpid_single;
	bool ept_2m;
	uint8_t ept_memtype;          /* EPTP memory type for the paging structures */
};

extern struct vmx_caps vmx_caps;

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

/* vmx_caps.c: reads the capability MSRs and computes every control. */
bool vmx_caps_init(const char **why);
/* IA32_FEATURE_CONTROL: VMX outside SMX enabled (and locked) on this CPU. */
bool vmx_feature_control(const char **why);
/* The CR0/CR4 values the CPU needs underneath what the guest sees. */
uint64_t vmx_hw_cr0(uint64_t guest_cr0);
uint64_t vmx_hw_cr4(uint64_t guest_cr4);

/* vmx.c: makes `v`'s VMCS the current one on this CPU. */
void vmx_load_vmcs(struct vcpu *v);
/* Writes host state and the VM-execution controls into the current VMCS. */
void vmx_setup_controls(void);
void vmx_setup_host_state(void);

/* vmentry.asm: enters the guest with regs[] loaded; returns 0 after a VM
 * exit (regs[] saved), 1 on VMfailInvalid, 2 on VMfailValid. */
int vmx_enter(uint64_t *regs, int launched);

/* vmx_exit.c: the exit information of the current VMCS in generic form. */
void vmx_translate_exit(struct vcpu *v, struct vm_exit *exit);

/* vmx_diag.c: names the first check of SDM Vol. 3C, 27.3.1 (guest state),
 * or of 27.2 for the controls we can check, that the current VMCS fails. */
const char *vmx_diagnose_guest_state(void);
/* A message for a VM-instruction error number. */
const char *vmx_insn_error_name(uint32_t err);

/* vmx_selftest.c: the entry-failure diagnosis test on scratch VMCSs, and
 * whether the command line asks for it (selftest=vmx-entry-fail). */
void vmx_selftest_entry_fail(void);

#endif
