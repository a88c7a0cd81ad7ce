/*
 * What this CPU's VMX can do: detection, IA32_FEATURE_CONTROL, and every
 * VM-execution, VM-exit and VM-entry control computed from the capability
 * MSRs (SDM Vol. 3D, appendix A): a control is set when we want it and the
 * allowed-1 setting permits it, or when the allowed-0 setting forces it.
 */
#include "vmx/vmx.h"

#include "hv/x86.h"
#include "vmx/vmcs.h"

#define CPUID_1_ECX_VMX (1u << 5)

struct vmx_caps vmx_caps;

struct ctl_msr {
	uint32_t must; /* allowed-0 settings: bits that must be 1 */
	uint32_t may;  /* allowed-1 settings: bits that may be 1 */
};

static struct ctl_msr read_ctl(uint32_t msr)
{
	uint64_t v = rdmsr(msr);
	return (struct ctl_msr){ (uint32_t)v, (uint32_t)(v >> 32) };
}

/* The control value: `want` where allowed, plus what is forced; false when
 * a bit in `need` cannot be set. */
static bool compute(struct ctl_msr c, uint32_t want, uint32_t need, uint32_t *out)
{
	*out = ((want | need) & c.may) | c.must;
	return (*out & need) == need;
}

/* Per CPU (the MSR is per core): run on each before VMXON. */
bool vmx_feature_control(const char **why)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
			*why = "VMX is disabled by the firmware (IA32_FEATURE_CONTROL is locked "
			       "without VMX outside SMX); enable VT-x in the BIOS setup";
			return false;
		}
		return true;
	}
	/* Unlocked: the firmware left it to us. Enable VMX and lock it. */
	wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);
	if (!(rdmsr(MSR_FEATURE_CONTROL) & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		*why = "IA32_FEATURE_CONTROL refused to enable VMX outside SMX";
		return false;
	}
	return true;
}

static bool ept_caps(const char **why)
{
	uint64_t cap = vmx_caps.ept_vpid;

	if (!(cap & EPT_CAP_WALK4)) {
		*why = "EPT without 4-level page walks is not supported";
		return false;
	}
	if (cap & EPT_CAP_WB)
		vmx_caps.ept_memtype = 6;
	else if (cap & EPT_CAP_UC)
		vmx_caps.ept_memtype = 0;
	else {
		*why = "EPT allows neither WB nor UC paging structures";
		return false;
	}
	if (!(cap & EPT_CAP_INVEPT) || !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		*why = "EPT without INVEPT is not supported";
		return false;
	}
	vmx_caps.invept_single = cap & EPT_CAP_INVEPT_SINGLE;
	vmx_caps.ept_2m = cap & EPT_CAP_2M;
	return true;
}

bool vmx_caps_init(const char **why)
{
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX)) {
		*why = "this CPU has no Intel VT-x (VMX)";
		return false;
	}
	if (!vmx_feature_control(why))
		return false;

	struct vmx_caps *c = &vmx_caps;
	c->basic = rdmsr(MSR_VMX_BASIC);
	c->misc = rdmsr(MSR_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	if (VMX_BASIC_SIZE(c->basic) > 4096 || VMX_BASIC_MEMTYPE(c->basic) != 6) {
		*why = "the VMCS must fit a page and be write-back memory";
		return false;
	}

	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	struct ctl_msr pin = read_ctl(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS);
	struct ctl_msr proc = read_ctl(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS);
	struct ctl_msr exit = read_ctl(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
	struct ctl_msr entry = read_ctl(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
	struct ctl_msr proc2 = { 0, 0 };
	if (proc.may & PROC_SECONDARY) {
		proc2 = read_ctl(MSR_VMX_PROCBASED_CTLS2);
		c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	}
	c->pin_must = pin.must, c->pin_may = pin.may;
	c->proc_must = proc.must, c->proc_may = proc.may, c->proc2_may = proc2.may;
	c->exit_must = exit.must, c->exit_may = exit.may;
	c->entry_must = entry.must, c->entry_may = entry.may;

	if (!compute(pin, 0, PIN_EXTINT_EXITING | PIN_NMI_EXITING, &c->pin)) {
		*why = "pin-based controls: external-interrupt or NMI exiting unavailable";
		return false;
	}
	/* CR8 would reach the host's own APIC TPR: it is the guest's here.
	 * The guest's TSC is the host's plus its domain's offset. */
	if (!compute(proc, PROC_MWAIT_EXITING | PROC_MONITOR_EXITING,
		     PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY |
		     PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_USE_TSC_OFFSETTING,
		     &c->proc)) {
		*why = "processor-based controls: HLT or CR8 exiting, I/O or MSR bitmaps, TSC "
		       "offsetting or secondary controls unavailable";
		return false;
	}
	/* RDTSCP stays off (#UD): CPUID hides it, TSC_AUX is not the guest's. */
	if (!compute(proc2, PROC2_UNRESTRICTED | PROC2_ENABLE_VPID, PROC2_ENABLE_EPT, &c->proc2)) {
		*why = "VMX without EPT is not supported";
		return false;
	}
	/* DR7 and DEBUGCTL are the guest's when the CPU can switch them. */
	if (!compute(exit, EXIT_SAVE_DEBUG, EXIT_HOST_64BIT | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
		     EXIT_LOAD_EFER, &c->exit)) {
		*why = "VM-exit controls: 64-bit host or PAT/EFER switching unavailable";
		return false;
	}
	if (!compute(entry, ENTRY_LOAD_DEBUG, ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &c->entry) ||
	    !(entry.may & ENTRY_IA32E_GUEST)) {
		*why = "VM-entry controls: PAT/EFER loading or IA-32e mode guests unavailable";
		return false;
	}
	if (!ept_caps(why))
		return false;

	c->ept = true;
	c->unrestricted = c->proc2 & PROC2_UNRESTRICTED;
	/* VPID needs INVVPID to flush a vCPU's translations. */
	if ((c->proc2 & PROC2_ENABLE_VPID) &&
	    (!(c->ept_vpid & VPID_CAP_INVVPID) || !(c->ept_vpid & (VPID_CAP_SINGLE | VPID_CAP_ALL))))
		c->proc2 &= ~PROC2_ENABLE_VPID;
	c->vpid = c->proc2 & PROC2_ENABLE_VPID;
	c->invvpid_single = c->ept_vpid & VPID_CAP_SINGLE;
	return true;
}

/* With unrestricted guest, PE and PG may be clear whatever FIXED0 says
 * (SDM Vol. 3C, 26.3.1.1). */
uint64_t vmx_hw_cr0(uint64_t guest_cr0)
{
	uint64_t fixed0 = vmx_caps.cr0_fixed0;

	if (vmx_caps.unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (guest_cr0 | fixed0) & vmx_caps.cr0_fixed1;
}

uint64_t vmx_hw_cr4(uint64_t guest_cr4)
{
	return (guest_cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}
