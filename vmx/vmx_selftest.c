/*
 * selftest=vmx-entry-fail: proves the VM-entry failure diagnosis on the
 * real (or emulated) CPU. A scratch vCPU, whose VMCS is first shown to
 * enter (it takes an EPT violation on its first memory access: its EPT
 * maps nothing), is corrupted in one way per case; the entry must fail the way
 * the SDM says and vmx_diagnose_guest_state() must name the corrupted
 * check. One line per case and a final PASS/FAIL line go to the log.
 */
#include "vmx/vmx.h"

#include "hv/log.h"
#include "hv/mem.h"
#include "hv/string.h"
#include "hv/x86.h"
#include "vmx/vmcs.h"

#define TAG "selftest vmx-entry-fail"

enum failure_kind {
	FAILS_GUEST_STATE, /* VM exit with reason 33 | bit 31 */
	FAILS_CONTROLS,    /* VMfailValid, VM-instruction error 7 */
};

struct entry_case {
	const char *what;
	void (*corrupt)(struct vcpu *v);
	enum failure_kind kind;
	const char *expect; /* the check vmx_diag.c must name */
};

static void clear_rflags_bit1(struct vcpu *v) { vmcs_write(VMCS_GUEST_RFLAGS, 0); }
static void tr_not_busy(struct vcpu *v) { vmcs_write(VMCS_GUEST_ES_AR + 2 * SEG_TR, 0x89); }
static void activity_bogus(struct vcpu *v) { vmcs_write(VMCS_GUEST_ACTIVITY, 7); }
static void reserved_event_type(struct vcpu *v)
{
	v->pending = (struct event){ .valid = true, .vector = 0x20, .type = 1 };
}

static const struct entry_case cases[] = {
	{ "RFLAGS bit 1 clear", clear_rflags_bit1, FAILS_GUEST_STATE,
	  "guest RFLAGS has reserved bits set or bit 1 clear" },
	{ "TR an available TSS", tr_not_busy, FAILS_GUEST_STATE,
	  "guest TR access rights: type is not a busy TSS" },
	{ "activity state 7", activity_bogus, FAILS_GUEST_STATE,
	  "guest activity state is invalid or not supported" },
	{ "injected event of reserved type 1", reserved_event_type, FAILS_CONTROLS,
	  "VM-entry interruption information: reserved event type or bits" },
};

/* A flat 32-bit protected-mode guest (paged when the CPU has no
 * unrestricted guest), whose EPT maps nothing. */
static int scratch_vcpu(struct vcpu *v, uint64_t ept_root)
{
	const struct segment code = { 0x08, 0xc09b, 0xffffffff, 0 };
	const struct segment data = { 0x10, 0xc093, 0xffffffff, 0 };

	memset(v, 0, sizeof(*v));
	if (vmx_ops.vcpu_create(v))
		return -1;
	vmx_ops.set_paging_root(v, ept_root);
	vmx_ops.set_segment(v, SEG_CS, &code);
	for (enum seg_reg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vmx_ops.set_segment(v, s, &data);
	vmx_ops.set_cr(v, 0, CR0_PE | CR0_ET | (vmx_caps.unrestricted ? 0 : CR0_PG));
	vmx_ops.set_rip(v, 0x100000);
	return 0;
}

static bool run_case(const struct entry_case *c, uint64_t ept_root)
{
	struct vcpu v;
	struct vm_exit exit;

	if (scratch_vcpu(&v, ept_root)) {
		log_err(TAG ": %s: no memory for a scratch vCPU\n", c->what);
		return false;
	}
	c->corrupt(&v);
	vmx_ops.vcpu_run(&v, &exit);
	bool kind_ok = c->kind == FAILS_GUEST_STATE
			       ? (exit.native & VMX_EXIT_REASON_FAILED_ENTRY) &&
					 (exit.native & 0xffff) == VMX_EXIT_INVALID_GUEST_STATE
			       : exit.native == 7;
	bool ok = exit.reason == EXIT_ENTRY_FAILED && kind_ok && exit.why &&
		  strcmp(exit.why, c->expect) == 0;
	log_info(TAG ": %s: %s %#llx, diagnosed \"%s\": %s\n", c->what,
		 c->kind == FAILS_GUEST_STATE ? "exit reason" : "VM-instruction error",
		 (unsigned long long)exit.native, exit.why ? exit.why : "(none)",
		 ok ? "ok" : "WRONG");
	if (!ok)
		log_err(TAG ": %s: expected \"%s\"\n", c->what, c->expect);
	vmx_ops.vcpu_destroy(&v);
	return ok;
}

/* The untouched scratch VMCS must enter: otherwise the cases prove nothing. */
static bool run_baseline(uint64_t ept_root)
{
	struct vcpu v;
	struct vm_exit exit;

	if (scratch_vcpu(&v, ept_root))
		return false;
	vmx_ops.vcpu_run(&v, &exit);
	bool ok = exit.reason == EXIT_NESTED_FAULT;
	log_info(TAG ": baseline: %s (exit %#llx, guest-physical %#llx)\n",
		 ok ? "entered, EPT violation at its first access" : "did NOT enter as expected",
		 (unsigned long long)exit.native, (unsigned long long)exit.gpa);
	if (exit.reason == EXIT_ENTRY_FAILED)
		log_err(TAG ": baseline: %s\n", exit.why);
	vmx_ops.vcpu_destroy(&v);
	return ok;
}

void vmx_selftest_entry_fail(void)
{
	uint64_t ept_root = page_alloc_phys(); /* an empty EPT PML4 */
	bool ok = ept_root != 0;

	if (ok)
		ok = run_baseline(ept_root);
	for (unsigned i = 0; ok && i < sizeof(cases) / sizeof(cases[0]); i++)
		ok = run_case(&cases[i], ept_root) && ok;
	if (ept_root)
		page_free_phys(ept_root);
	log_info(TAG ": %s\n", ok ? "PASS" : "FAIL");
}
