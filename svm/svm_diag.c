/*
 * Why VMRUN refused a VMCB: the consistency checks of AMD APM Vol. 2,
 * 15.5.1 ("Canonicalization and Consistency Checks"), in order.
 */
#include "svm/svm.h"

#include "hv/x86.h"

#define CR3_MBZ_LONG 0xfff0000000000000ull
#define DR_UPPER_MBZ 0xffffffff00000000ull
#define EFER_MBZ 0xffffffffffff0200ull /* bits 63:16 and 9 */

struct vmcb_check {
	const char *name;
	bool (*fails)(const struct vmcb *v);
};

static bool long_mode_paging(const struct vmcb *v)
{
	return (v->save.efer & EFER_LME) && (v->save.cr0 & CR0_PG);
}

static bool svme_clear(const struct vmcb *v) { return !(v->save.efer & EFER_SVME); }
static bool cd_nw(const struct vmcb *v) { return !(v->save.cr0 & CR0_CD) && (v->save.cr0 & CR0_NW); }
static bool cr0_upper(const struct vmcb *v) { return v->save.cr0 >> 32; }
static bool cr3_mbz(const struct vmcb *v) { return long_mode_paging(v) && (v->save.cr3 & CR3_MBZ_LONG); }
static bool cr4_mbz(const struct vmcb *v) { return v->save.cr4 >> 32 || (v->save.cr4 & (1ull << 15)); }
static bool dr6_upper(const struct vmcb *v) { return v->save.dr6 & DR_UPPER_MBZ; }
static bool dr7_upper(const struct vmcb *v) { return v->save.dr7 & DR_UPPER_MBZ; }
static bool efer_mbz(const struct vmcb *v) { return v->save.efer & EFER_MBZ; }
static bool lme_without_pae(const struct vmcb *v) { return long_mode_paging(v) && !(v->save.cr4 & CR4_PAE); }
static bool lme_without_pe(const struct vmcb *v) { return long_mode_paging(v) && !(v->save.cr0 & CR0_PE); }
static bool cs_l_and_d(const struct vmcb *v)
{
	/* VMCB attributes: L is bit 9, D/B bit 10. */
	return long_mode_paging(v) && (v->save.cr4 & CR4_PAE) &&
	       (v->save.cs.attrib & (1u << 9)) && (v->save.cs.attrib & (1u << 10));
}
static bool no_vmrun_intercept(const struct vmcb *v) { return !(v->control.intercept_misc2 & SVM_INTERCEPT_VMRUN); }
static bool asid_zero(const struct vmcb *v) { return v->control.asid == 0; }
static bool bad_event(const struct vmcb *v)
{
	uint64_t e = v->control.event_inj;
	unsigned type = (e >> SVM_EVT_TYPE_SHIFT) & 7;
	return (e & SVM_EVT_VALID) && (type == 1 || type > 4 ||
				       (type == 3 && (e & 0xff) == 2));
}

static const struct vmcb_check checks[] = {
	{ "EFER.SVME is clear", svme_clear },
	{ "CR0.CD is clear and CR0.NW is set", cd_nw },
	{ "CR0[63:32] is not zero", cr0_upper },
	{ "CR3 has must-be-zero bits set", cr3_mbz },
	{ "CR4 has reserved bits set", cr4_mbz },
	{ "DR6[63:32] is not zero", dr6_upper },
	{ "DR7[63:32] is not zero", dr7_upper },
	{ "EFER has must-be-zero bits set", efer_mbz },
	{ "EFER.LME and CR0.PG are set but CR4.PAE is clear", lme_without_pae },
	{ "EFER.LME and CR0.PG are set but CR0.PE is clear", lme_without_pe },
	{ "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set", cs_l_and_d },
	{ "the VMRUN intercept is clear", no_vmrun_intercept },
	{ "the guest ASID is 0", asid_zero },
	{ "EVENTINJ holds an illegal event type", bad_event },
};

const char *svm_diagnose_vmcb(const struct vmcb *vmcb)
{
	for (unsigned i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i].fails(vmcb))
			return checks[i].name;
	return "VMRUN failed, but no known consistency check fails";
}
