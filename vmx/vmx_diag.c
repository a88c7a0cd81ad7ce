/*
 * Why a VM entry failed: the checks of SDM Vol. 3C, 27.2 (controls and
 * host state) and 27.3.1 (guest state), in the SDM's order, run on a
 * snapshot of the current VMCS. The first failing check is named.
 */
#include "vmx/vmx.h"

#include "hv/x86.h"
#include "vmx/vmcs.h"

#define RFLAGS_VM (1ull << 17)
#define RFLAGS_RESERVED 0xffffffffffc08028ull /* 63:22, 15, 5, 3 must be 0 */
#define CR4_PCIDE (1ull << 17)
#define AR_TYPE(ar) ((ar) & 0xfu)
#define AR_S (1u << 4)
#define AR_DPL(ar) (((ar) >> 5) & 3u)
#define AR_P (1u << 7)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_RESERVED 0xfffe0f00u /* 11:8 and 31:17 */

struct snapshot {
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t entry_info, entry_insn_len;
	uint64_t eptp, io_a, io_b, msr_bitmap;
	uint16_t vpid;
	uint64_t host_cr0, host_cr4, host_rip, host_fs, host_gs, host_tr, host_gdtr, host_idtr;
	uint16_t host_sel[7];
	uint64_t cr0, cr3, cr4, dr7, efer, pat, rflags, rip, pending_dbg, link;
	uint32_t intr, activity;
	struct { uint16_t sel; uint32_t limit, ar; uint64_t base; } seg[SEG_COUNT];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
};

static struct snapshot s;

static void take_snapshot(void)
{
	s.pin = (uint32_t)vmcs_read(VMCS_PIN_CTLS);
	s.proc = (uint32_t)vmcs_read(VMCS_PROC_CTLS);
	s.proc2 = (s.proc & PROC_SECONDARY) ? (uint32_t)vmcs_read(VMCS_PROC_CTLS2) : 0;
	s.exit = (uint32_t)vmcs_read(VMCS_EXIT_CTLS);
	s.entry = (uint32_t)vmcs_read(VMCS_ENTRY_CTLS);
	s.entry_info = (uint32_t)vmcs_read(VMCS_ENTRY_INTR_INFO);
	s.entry_insn_len = (uint32_t)vmcs_read(VMCS_ENTRY_INSN_LEN);
	s.eptp = vmcs_read(VMCS_EPT_POINTER);
	s.io_a = vmcs_read(VMCS_IO_BITMAP_A);
	s.io_b = vmcs_read(VMCS_IO_BITMAP_B);
	s.msr_bitmap = vmcs_read(VMCS_MSR_BITMAP);
	s.vpid = vmx_caps.vpid ? (uint16_t)vmcs_read(VMCS_VPID) : 0;
	s.host_cr0 = vmcs_read(VMCS_HOST_CR0);
	s.host_cr4 = vmcs_read(VMCS_HOST_CR4);
	s.host_rip = vmcs_read(VMCS_HOST_RIP);
	s.host_fs = vmcs_read(VMCS_HOST_FS_BASE);
	s.host_gs = vmcs_read(VMCS_HOST_GS_BASE);
	s.host_tr = vmcs_read(VMCS_HOST_TR_BASE);
	s.host_gdtr = vmcs_read(VMCS_HOST_GDTR_BASE);
	s.host_idtr = vmcs_read(VMCS_HOST_IDTR_BASE);
	for (unsigned i = 0; i < 7; i++)
		s.host_sel[i] = (uint16_t)vmcs_read(VMCS_HOST_ES_SEL + 2 * i);
	s.cr0 = vmcs_read(VMCS_GUEST_CR0);
	s.cr3 = vmcs_read(VMCS_GUEST_CR3);
	s.cr4 = vmcs_read(VMCS_GUEST_CR4);
	s.dr7 = vmcs_read(VMCS_GUEST_DR7);
	s.efer = vmcs_read(VMCS_GUEST_EFER);
	s.pat = vmcs_read(VMCS_GUEST_PAT);
	s.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	s.rip = vmcs_read(VMCS_GUEST_RIP);
	s.pending_dbg = vmcs_read(VMCS_GUEST_PENDING_DBG);
	s.link = vmcs_read(VMCS_LINK_POINTER);
	s.intr = (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	s.activity = (uint32_t)vmcs_read(VMCS_GUEST_ACTIVITY);
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		s.seg[i].sel = (uint16_t)vmcs_read(VMCS_GUEST_ES_SEL + 2 * i);
		s.seg[i].limit = (uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * i);
		s.seg[i].ar = (uint32_t)vmcs_read(VMCS_GUEST_ES_AR + 2 * i);
		s.seg[i].base = vmcs_read(VMCS_GUEST_ES_BASE + 2 * i);
	}
	s.gdtr_base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	s.idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	s.gdtr_limit = (uint32_t)vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	s.idtr_limit = (uint32_t)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
}

static bool canonical(uint64_t a)
{
	return (uint64_t)(((int64_t)a << 16) >> 16) == a;
}

static bool ctl_bad(uint32_t val, uint32_t must, uint32_t may)
{
	return (val & must) != must || (val & ~may);
}

static bool ia32e(void) { return s.entry & ENTRY_IA32E_GUEST; }
static bool unrestricted(void) { return s.proc2 & PROC2_UNRESTRICTED; }
static bool usable(unsigned seg) { return !(s.seg[seg].ar & AR_UNUSABLE); }
static unsigned entry_type(void) { return (s.entry_info >> INTR_INFO_TYPE_SHIFT) & 7; }
static bool injecting(void) { return s.entry_info & INTR_INFO_VALID; }

/* 27.2.1: VM-execution, VM-exit and VM-entry control fields. */
static bool pin_bad(void) { return ctl_bad(s.pin, vmx_caps.pin_must, vmx_caps.pin_may); }
static bool proc_bad(void) { return ctl_bad(s.proc, vmx_caps.proc_must, vmx_caps.proc_may); }
static bool proc2_bad(void) { return ctl_bad(s.proc2, 0, vmx_caps.proc2_may); }
static bool exit_bad(void) { return ctl_bad(s.exit, vmx_caps.exit_must, vmx_caps.exit_may); }
static bool entry_bad(void) { return ctl_bad(s.entry, vmx_caps.entry_must, vmx_caps.entry_may); }
static bool bitmaps_unaligned(void)
{
	return ((s.proc & PROC_USE_IO_BITMAPS) && ((s.io_a | s.io_b) & 0xfff)) ||
	       ((s.proc & PROC_USE_MSR_BITMAPS) && (s.msr_bitmap & 0xfff));
}
static bool vpid_zero(void) { return (s.proc2 & PROC2_ENABLE_VPID) && s.vpid == 0; }
static bool eptp_bad(void)
{
	unsigned mt = s.eptp & 7;
	if (!(s.proc2 & PROC2_ENABLE_EPT))
		return false;
	return !((mt == 6 && (vmx_caps.ept_vpid & EPT_CAP_WB)) ||
		 (mt == 0 && (vmx_caps.ept_vpid & EPT_CAP_UC))) ||
	       ((s.eptp >> 3) & 7) != 3 || (s.eptp & 0xf80) ||
	       ((s.eptp & (1u << 6)) && !(vmx_caps.ept_vpid & EPT_CAP_AD));
}
static bool unrestricted_without_ept(void) { return unrestricted() && !(s.proc2 & PROC2_ENABLE_EPT); }
static bool event_type_bad(void)
{
	return injecting() && (entry_type() == 1 || entry_type() == 7 || (s.entry_info & 0x7ffff000u));
}
static bool event_vector_bad(void)
{
	unsigned vec = s.entry_info & 0xff;
	return injecting() && ((entry_type() == INTR_TYPE_NMI && vec != 2) ||
			       (entry_type() == INTR_TYPE_HW_EXCEPTION && vec > 31));
}
static bool event_error_bad(void)
{
	unsigned vec = s.entry_info & 0xff;
	bool has_code = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21;
	return injecting() && (s.entry_info & INTR_INFO_ERROR_VALID) &&
	       (entry_type() != INTR_TYPE_HW_EXCEPTION || !has_code || !(s.cr0 & CR0_PE));
}
static bool event_len_bad(void)
{
	unsigned t = entry_type();
	return injecting() && (t == INTR_TYPE_SW_INT || t == INTR_TYPE_PRIV_SW_EXCEPTION ||
			       t == INTR_TYPE_SW_EXCEPTION) &&
	       (s.entry_insn_len > 15 || (s.entry_insn_len == 0 && !(vmx_caps.misc & (1ull << 30))));
}

/* 27.2.2-27.2.4: host state. */
static bool host_cr0_bad(void)
{
	return (s.host_cr0 & vmx_caps.cr0_fixed0) != vmx_caps.cr0_fixed0 ||
	       (s.host_cr0 & ~vmx_caps.cr0_fixed1);
}
static bool host_cr4_bad(void)
{
	return (s.host_cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	       (s.host_cr4 & ~vmx_caps.cr4_fixed1);
}
static bool host_sel_bad(void)
{
	for (unsigned i = 0; i < 7; i++)
		if (s.host_sel[i] & 7)
			return true;
	return s.host_sel[1] == 0 || s.host_sel[6] == 0; /* CS, TR */
}
static bool host_not_64(void) { return !(s.exit & EXIT_HOST_64BIT); }
static bool host_noncanonical(void)
{
	return !canonical(s.host_rip) || !canonical(s.host_fs) || !canonical(s.host_gs) ||
	       !canonical(s.host_tr) || !canonical(s.host_gdtr) || !canonical(s.host_idtr);
}

/* 27.3.1.1: control registers, debug registers and MSRs. */
static bool cr0_fixed_bad(void)
{
	uint64_t fixed0 = vmx_caps.cr0_fixed0;
	if (unrestricted())
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (s.cr0 & fixed0) != fixed0 || (s.cr0 & ~vmx_caps.cr0_fixed1);
}
static bool pg_without_pe(void) { return (s.cr0 & CR0_PG) && !(s.cr0 & CR0_PE); }
static bool cr4_fixed_bad(void)
{
	return (s.cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	       (s.cr4 & ~vmx_caps.cr4_fixed1);
}
static bool ia32e_without_paging(void) { return ia32e() && (!(s.cr0 & CR0_PG) || !(s.cr4 & CR4_PAE)); }
static bool pcide_outside_ia32e(void) { return !ia32e() && (s.cr4 & CR4_PCIDE); }
static bool cr3_too_wide(void)
{
	unsigned width = cpuid(0x80000000u, 0).eax >= 0x80000008u ? cpuid(0x80000008u, 0).eax & 0xff : 36;
	return width < 64 && (s.cr3 >> width);
}
static bool dr7_upper(void) { return (s.entry & ENTRY_LOAD_DEBUG) && (s.dr7 >> 32); }
static bool pat_bad(void)
{
	for (unsigned i = 0; (s.entry & ENTRY_LOAD_PAT) && i < 8; i++) {
		unsigned t = (s.pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return true;
	}
	return false;
}
static bool efer_reserved(void)
{
	return (s.entry & ENTRY_LOAD_EFER) && (s.efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE));
}
static bool efer_lma_mismatch(void)
{
	return (s.entry & ENTRY_LOAD_EFER) && !!(s.efer & EFER_LMA) != ia32e();
}
static bool efer_lme_mismatch(void)
{
	return (s.entry & ENTRY_LOAD_EFER) && (s.cr0 & CR0_PG) &&
	       !!(s.efer & EFER_LME) != !!(s.efer & EFER_LMA);
}

/* 27.3.1.2: segment registers (protected and real mode with unrestricted
 * guest; virtual-8086 guests are not supported here). */
static bool tr_ldtr_ti(void)
{
	return (s.seg[SEG_TR].sel & 4) || (usable(SEG_LDTR) && (s.seg[SEG_LDTR].sel & 4));
}
static bool ss_rpl_mismatch(void)
{
	return !unrestricted() && (s.seg[SEG_SS].sel & 3) != (s.seg[SEG_CS].sel & 3);
}
static bool cs_type_bad(void)
{
	unsigned t = AR_TYPE(s.seg[SEG_CS].ar);
	return !(t == 9 || t == 11 || t == 13 || t == 15 || (t == 3 && unrestricted()));
}
static bool seg_not_code_data(void)
{
	for (unsigned i = SEG_ES; i <= SEG_GS; i++)
		if ((i == SEG_CS || usable(i)) && !(s.seg[i].ar & AR_S))
			return true;
	return false;
}
static bool seg_not_present(void)
{
	for (unsigned i = SEG_ES; i <= SEG_GS; i++)
		if ((i == SEG_CS || usable(i)) && !(s.seg[i].ar & AR_P))
			return true;
	return false;
}
static bool seg_ar_reserved(void)
{
	for (unsigned i = 0; i < SEG_COUNT; i++)
		if ((i == SEG_CS || i == SEG_TR || usable(i)) && (s.seg[i].ar & AR_RESERVED))
			return true;
	return false;
}
static bool seg_limit_g(void)
{
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		uint32_t l = s.seg[i].limit, g = s.seg[i].ar & AR_G;
		if (i != SEG_CS && i != SEG_TR && !usable(i))
			continue;
		if (((l & 0xfff) != 0xfff && g) || ((l >> 20) && !g))
			return true;
	}
	return false;
}
static bool cs_l_and_d(void)
{
	return ia32e() && (s.seg[SEG_CS].ar & AR_L) && (s.seg[SEG_CS].ar & AR_DB);
}
static bool ss_dpl_real_mode(void) { return !(s.cr0 & CR0_PE) && AR_DPL(s.seg[SEG_SS].ar) != 0; }
static bool tr_type_bad(void)
{
	unsigned t = AR_TYPE(s.seg[SEG_TR].ar);
	return !(t == 11 || (t == 3 && !ia32e()));
}
static bool tr_unusable(void)
{
	uint32_t ar = s.seg[SEG_TR].ar;
	return (ar & AR_UNUSABLE) || (ar & AR_S) || !(ar & AR_P);
}
static bool ldtr_bad(void)
{
	uint32_t ar = s.seg[SEG_LDTR].ar;
	return usable(SEG_LDTR) && (AR_TYPE(ar) != 2 || (ar & AR_S) || !(ar & AR_P));
}

/* 27.3.1.3-27.3.1.5: descriptor tables, RIP/RFLAGS, non-register state. */
static bool dtable_bad(void)
{
	return !canonical(s.gdtr_base) || !canonical(s.idtr_base) || (s.gdtr_limit >> 16) ||
	       (s.idtr_limit >> 16);
}
static bool rip_bad(void)
{
	bool code64 = ia32e() && (s.seg[SEG_CS].ar & AR_L);
	return code64 ? !canonical(s.rip) : (s.rip >> 32) != 0;
}
static bool rflags_reserved(void) { return (s.rflags & RFLAGS_RESERVED) || !(s.rflags & 2); }
static bool rflags_vm(void) { return (s.rflags & RFLAGS_VM) && (ia32e() || !(s.cr0 & CR0_PE)); }
static bool if_clear_with_interrupt(void)
{
	return injecting() && entry_type() == INTR_TYPE_EXT_INTR && !(s.rflags & RFLAGS_IF);
}
static bool activity_bad(void)
{
	return s.activity > ACTIVITY_WAIT_SIPI ||
	       (s.activity != ACTIVITY_ACTIVE && !(vmx_caps.misc & (1ull << (5 + s.activity))));
}
static bool hlt_with_dpl(void) { return s.activity == ACTIVITY_HLT && AR_DPL(s.seg[SEG_SS].ar) != 0; }
static bool intr_reserved(void) { return s.intr & ~0x1fu; }
static bool sti_and_mov_ss(void)
{
	return (s.intr & INTERRUPTIBILITY_STI) && (s.intr & INTERRUPTIBILITY_MOV_SS);
}
static bool sti_with_if_clear(void) { return (s.intr & INTERRUPTIBILITY_STI) && !(s.rflags & RFLAGS_IF); }
static bool shadow_with_injection(void)
{
	return injecting() &&
	       ((entry_type() == INTR_TYPE_EXT_INTR &&
		 (s.intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) ||
		(entry_type() == INTR_TYPE_NMI && (s.intr & INTERRUPTIBILITY_MOV_SS)));
}
static bool smi_blocking(void) { return s.intr & INTERRUPTIBILITY_SMI; }
static bool pending_dbg_reserved(void) { return s.pending_dbg & ~0x1500full; }
static bool link_bad(void) { return s.link != ~0ull; }

static const struct {
	const char *name;
	bool (*fails)(void);
} checks[] = {
	{ "pin-based controls violate the allowed-0/allowed-1 settings", pin_bad },
	{ "primary processor-based controls violate the allowed-0/allowed-1 settings", proc_bad },
	{ "secondary processor-based controls violate the allowed-1 settings", proc2_bad },
	{ "I/O or MSR bitmap address is not 4 KiB aligned", bitmaps_unaligned },
	{ "VPID is enabled but the VPID field is 0", vpid_zero },
	{ "EPT pointer: memory type, walk length or reserved bits not allowed", eptp_bad },
	{ "unrestricted guest is set without enable EPT", unrestricted_without_ept },
	{ "VM-exit controls violate the allowed-0/allowed-1 settings", exit_bad },
	{ "VM-entry controls violate the allowed-0/allowed-1 settings", entry_bad },
	{ "VM-entry interruption information: reserved event type or bits", event_type_bad },
	{ "VM-entry interruption information: NMI not vector 2 or exception vector above 31", event_vector_bad },
	{ "VM-entry interruption information: error code for an event that has none (or in real mode)", event_error_bad },
	{ "VM-entry instruction length out of range for a software event", event_len_bad },
	{ "host CR0 does not respect IA32_VMX_CR0_FIXED0/1", host_cr0_bad },
	{ "host CR4 does not respect IA32_VMX_CR4_FIXED0/1", host_cr4_bad },
	{ "host selector with RPL/TI set, or host CS/TR selector 0", host_sel_bad },
	{ "host address-space size is clear on a 64-bit host", host_not_64 },
	{ "host RIP or a host base address is not canonical", host_noncanonical },
	{ "guest CR0 does not respect IA32_VMX_CR0_FIXED0/1", cr0_fixed_bad },
	{ "guest CR0.PG is set but CR0.PE is clear", pg_without_pe },
	{ "guest CR4 does not respect IA32_VMX_CR4_FIXED0/1", cr4_fixed_bad },
	{ "IA-32e mode guest is set but CR0.PG or CR4.PAE is clear", ia32e_without_paging },
	{ "IA-32e mode guest is clear but CR4.PCIDE is set", pcide_outside_ia32e },
	{ "guest CR3 has bits set beyond the physical-address width", cr3_too_wide },
	{ "guest DR7[63:32] is not zero", dr7_upper },
	{ "guest IA32_PAT holds an invalid memory type", pat_bad },
	{ "guest IA32_EFER has reserved bits set", efer_reserved },
	{ "guest EFER.LMA differs from the IA-32e mode guest control", efer_lma_mismatch },
	{ "guest CR0.PG is set and EFER.LME differs from EFER.LMA", efer_lme_mismatch },
	{ "guest TR or LDTR selector has TI set", tr_ldtr_ti },
	{ "guest SS.RPL differs from CS.RPL", ss_rpl_mismatch },
	{ "guest CS access rights: type is not an accessed code segment", cs_type_bad },
	{ "guest CS or a usable data segment is a system segment (S clear)", seg_not_code_data },
	{ "guest CS or a usable data segment is not present", seg_not_present },
	{ "guest segment access rights have reserved bits set", seg_ar_reserved },
	{ "guest segment limit does not match its granularity bit", seg_limit_g },
	{ "guest CS.L and CS.D are both set in IA-32e mode", cs_l_and_d },
	{ "guest SS.DPL is not 0 with CR0.PE clear", ss_dpl_real_mode },
	{ "guest TR access rights: type is not a busy TSS", tr_type_bad },
	{ "guest TR is unusable, not present or not a system segment", tr_unusable },
	{ "guest LDTR access rights: not a present LDT", ldtr_bad },
	{ "guest GDTR/IDTR base not canonical or limit above 0xffff", dtable_bad },
	{ "guest RIP not canonical, or RIP[63:32] set outside 64-bit code", rip_bad },
	{ "guest RFLAGS has reserved bits set or bit 1 clear", rflags_reserved },
	{ "guest RFLAGS.VM is set in IA-32e mode or with CR0.PE clear", rflags_vm },
	{ "guest RFLAGS.IF is clear but an external interrupt is injected", if_clear_with_interrupt },
	{ "guest activity state is invalid or not supported", activity_bad },
	{ "guest activity state HLT with SS.DPL not 0", hlt_with_dpl },
	{ "guest interruptibility state has reserved bits set", intr_reserved },
	{ "guest interruptibility: blocking by STI and by MOV SS both set", sti_and_mov_ss },
	{ "guest interruptibility: blocking by STI with RFLAGS.IF clear", sti_with_if_clear },
	{ "guest interruptibility: STI/MOV SS blocking with an interrupt (MOV SS: or NMI) injected", shadow_with_injection },
	{ "guest interruptibility: blocking by SMI outside SMM", smi_blocking },
	{ "guest pending debug exceptions has reserved bits set", pending_dbg_reserved },
	{ "VMCS link pointer is not FFFFFFFF_FFFFFFFF", link_bad },
};

const char *vmx_diagnose_guest_state(void)
{
	take_snapshot();
	for (unsigned i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i].fails())
			return checks[i].name;
	return "VM entry failed, but no known check fails";
}

/* VM-instruction error numbers (SDM Vol. 3C, 31.4). */
const char *vmx_insn_error_name(uint32_t err)
{
	switch (err) {
	case 2: return "VMCLEAR with an invalid physical address";
	case 4: return "VMLAUNCH with a non-clear VMCS";
	case 5: return "VMRESUME with a non-launched VMCS";
	case 7: return "VM entry with invalid control fields";
	case 8: return "VM entry with invalid host-state fields";
	case 9: return "VMPTRLD with an invalid physical address";
	case 11: return "VMPTRLD with an incorrect VMCS revision";
	case 12: return "VMREAD/VMWRITE of an unsupported field";
	case 13: return "VMWRITE to a read-only field";
	case 26: return "VM entry with events blocked by MOV SS";
	case 28: return "invalid operand to INVEPT/INVVPID";
	default: return "VM-instruction error";
	}
}
