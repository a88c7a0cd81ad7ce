/* The AMD SVM backend: `svm_ops`, everything that touches a VMCB. */
#include "svm/svm.h"

#include "hv/errno.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/string.h"
#include "hv/vplatform.h"
#include "hv/x86.h"

#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define VM_CR_SVMDIS (1ull << 4)
#define MSR_PAT 0x277u
#define PAT_POWER_ON 0x0007040600070406ull

#define TLB_FLUSH_ALL 1
#define TLB_FLUSH_GUEST 3

struct svm_features svm_features;

/* Per physical CPU: the host's VMSAVE area. */
static uint64_t host_vmcb_pa[MAX_CPUS];
/* Shared by all vCPUs: every port and (nearly) every MSR intercepted. */
static uint64_t iopm_pa, msrpm_pa;
/* Per physical CPU: the next ASID and its generation (see assign_asid). */
static uint32_t next_asid[MAX_CPUS];
static uint64_t asid_generation[MAX_CPUS];

static bool svm_detect(const char **why)
{
	if (!(cpuid(0x80000001u, 0).ecx & (1u << 2))) {
		*why = "this CPU has no AMD-V (SVM)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by the firmware (VM_CR.SVMDIS); enable it in the BIOS setup";
		return false;
	}
	struct cpuid_regs r = cpuid(0x8000000au, 0);
	svm_features = (struct svm_features){
		.nasids = r.ebx,
		.npt = r.edx & (1u << 0),
		.nrips = r.edx & (1u << 3),
		.flush_by_asid = r.edx & (1u << 6),
	};
	if (!svm_features.npt) {
		*why = "SVM without nested paging is not supported yet";
		return false;
	}
	return true;
}

/* MSRs the VMCB holds and VMLOAD/VMSAVE switch: the guest may use them
 * directly. Bit positions per APM Vol. 2, 15.11 (two bits per MSR). */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	0xc0000081u /* STAR */, 0xc0000082u /* LSTAR */, 0xc0000083u /* CSTAR */,
	0xc0000084u /* SFMASK */, 0x174u /* SYSENTER_CS */, 0x175u /* SYSENTER_ESP */,
	0x176u /* SYSENTER_EIP */,
};

static void msrpm_allow(uint8_t *msrpm, uint32_t msr)
{
	uint32_t base = msr < 0x2000 ? 0 : msr >= 0xc0010000u ? 0x1000 : 0x800;
	uint32_t bit = (msr & 0x1fff) * 2;
	msrpm[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

static int build_permission_maps(void)
{
	iopm_pa = frame_alloc_contig(&hv_frames, 3, PAGE_SIZE);
	msrpm_pa = frame_alloc_contig(&hv_frames, 2, PAGE_SIZE);
	if (!iopm_pa || !msrpm_pa)
		return -ENOMEM;
	memset(phys_to_virt(iopm_pa), 0xff, 3 * PAGE_SIZE);
	memset(phys_to_virt(msrpm_pa), 0xff, 2 * PAGE_SIZE);
	for (unsigned i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
		msrpm_allow(phys_to_virt(msrpm_pa), passthrough_msrs[i]);
	return 0;
}

static int svm_cpu_enable(struct percpu *pc)
{
	uint64_t hsave = page_alloc_phys(), host_vmcb = page_alloc_phys();

	if (!hsave || !host_vmcb)
		return -ENOMEM;
	if (!iopm_pa && build_permission_maps())
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	host_vmcb_pa[pc->cpu_id] = host_vmcb;
	log_info("svm: enabled on CPU %u (%u ASIDs, nested paging%s%s)\n", pc->cpu_id,
		 svm_features.nasids, svm_features.nrips ? ", nrip-save" : "",
		 svm_features.flush_by_asid ? ", flush-by-ASID" : "");
	return 0;
}

/* ASIDs tag TLB entries per CPU (APM Vol. 2, 15.16): each CPU hands them
 * out in generations, KVM's way. A vCPU keeps its ASID while it runs on
 * the CPU and generation it got it in; when a CPU runs out it starts a
 * new generation with a full flush, and every vCPU takes a fresh ASID at
 * its next VMRUN there. An ASID is never shared within a generation. */
static void assign_asid(struct svm_vcpu *sv)
{
	unsigned cpu = this_cpu()->cpu_id;

	if (sv->asid_cpu == cpu + 1 && sv->asid_gen == asid_generation[cpu])
		return;
	if (next_asid[cpu] == 0 || next_asid[cpu] >= svm_features.nasids) {
		asid_generation[cpu]++;
		next_asid[cpu] = 1;
		sv->tlb_control = TLB_FLUSH_ALL; /* every old tag on this CPU goes */
	}
	sv->vmcb->control.asid = next_asid[cpu]++;
	sv->asid_cpu = cpu + 1;
	sv->asid_gen = asid_generation[cpu];
}

static void set_intercepts(struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;

	/* CR0 and CR4 writes are checked before they reach the CPU; CR8
	 * writes are intercepted only while they could unmask an interrupt
	 * (tpr_to_vmcb). */
	c->intercept_cr = SVM_INTERCEPT_CR_WRITE(0) | SVM_INTERCEPT_CR_WRITE(4);
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI |
			     SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_RSM |
			     SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_RDTSCP | SVM_INTERCEPT_MONITOR |
			     SVM_INTERCEPT_MWAIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	/* Virtual interrupt masking: the guest's IF gates only virtual
	 * interrupts, and its CR8 is V_TPR, not the host's TPR (15.21.1). */
	c->int_ctl = SVM_V_INTR_MASKING;
	c->np_enable = 1;
}

/* Initial state as after INIT, in real mode (APM Vol. 2, 14.1.3); loaders
 * then set what their boot protocol needs. */
static void set_reset_state(struct vmcb *vmcb)
{
	struct vmcb_save *s = &vmcb->save;
	const struct vmcb_seg data = { 0, 0x93, 0xffff, 0 };

	s->es = s->ss = s->ds = s->fs = s->gs = data;
	s->cs = (struct vmcb_seg){ 0xf000, 0x9b, 0xffff, 0xffff0000ull };
	s->gdtr = s->idtr = (struct vmcb_seg){ 0, 0, 0xffff, 0 };
	s->ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
	s->tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
	s->cr0 = CR0_ET | CR0_CD | CR0_NW;
	s->efer = EFER_SVME;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 2;
	s->rip = 0xfff0;
	s->g_pat = PAT_POWER_ON;
}

static int svm_vcpu_create(struct vcpu *v)
{
	struct svm_vcpu *sv = page_alloc(); /* small; a page keeps it simple */
	uint64_t vmcb_pa = page_alloc_phys();

	if (!sv || !vmcb_pa) {
		if (sv)
			page_free(sv);
		if (vmcb_pa)
			page_free_phys(vmcb_pa);
		return -ENOMEM;
	}
	sv->vmcb_pa = vmcb_pa;
	sv->vmcb = phys_to_virt(vmcb_pa);
	set_intercepts(sv->vmcb);
	set_reset_state(sv->vmcb);
	sv->tlb_control = TLB_FLUSH_ALL; /* its ASID comes at its first VMRUN */
	v->arch = sv;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	if (!sv)
		return;
	page_free_phys(sv->vmcb_pa);
	page_free(sv);
	v->arch = 0;
}

static uint64_t encode_event(const struct event *e)
{
	return e->vector | ((uint64_t)e->type << SVM_EVT_TYPE_SHIFT) |
	       (e->has_error ? SVM_EVT_ERROR_VALID | ((uint64_t)e->error << 32) : 0) |
	       SVM_EVT_VALID;
}

/* With V_INTR_MASKING the guest's CR8 reads and writes go to V_TPR
 * without an exit (APM Vol. 2, 15.21.3), so V_TPR carries the vLAPIC's
 * TPR class into the guest. Since a CR8 write that lowers the priority
 * could unmask an interrupt the vLAPIC holds back, CR8 writes exit while
 * one is held back by the TPR (as KVM's update_cr8_intercept does). */
static void tpr_to_vmcb(struct vcpu *v, struct vmcb_control *c)
{
	c->int_ctl = (c->int_ctl & ~SVM_V_TPR_MASK) | vlapic_get_cr8(&v->lapic);
	if (vlapic_tpr_masks_irr(&v->lapic))
		c->intercept_cr |= SVM_INTERCEPT_CR_WRITE(8);
	else
		c->intercept_cr &= ~SVM_INTERCEPT_CR_WRITE(8);
}

/* A CR8 write in the guest changed V_TPR: the vLAPIC's TPR follows (a
 * CR8 write clears TPR[3:0]; an unchanged class keeps them). */
static void tpr_from_vmcb(struct vcpu *v, const struct vmcb_control *c)
{
	uint8_t cr8 = (uint8_t)(c->int_ctl & SVM_V_TPR_MASK);
	if (cr8 != vlapic_get_cr8(&v->lapic))
		vlapic_set_cr8(&v->lapic, cr8);
}

static void svm_vcpu_run(struct vcpu *v, struct vm_exit *exit)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb *vmcb = sv->vmcb;

	vmcb->save.rax = v->regs[GPR_RAX];
	vmcb->save.rsp = v->regs[GPR_RSP];
	vmcb->control.event_inj = 0;
	if (v->pending.valid) {
		vmcb->control.event_inj = encode_event(&v->pending);
		v->pending.valid = false;
	}
	assign_asid(sv);
	vmcb->control.tlb_control = sv->tlb_control;
	sv->tlb_control = 0;
	tpr_to_vmcb(v, &vmcb->control);
	/* RDTSC(P) read host TSC + TSC_OFFSET (APM Vol. 2, appendix B, VMCB 0x50). */
	vmcb->control.tsc_offset = v->dom ? vplatform_tsc_offset(v->dom) : 0;
	/* VMRUN loads CR2 from the VMCB (APM Vol. 2, 15.5.1); Bochs 2.7's does
	 * not, and its guests would see the previous guest's CR2 (or a stale
	 * one with a #PF the hypervisor injects): the register holds it too. */
	if (read_cr2() != vmcb->save.cr2)
		write_cr2(vmcb->save.cr2);

	svm_vmrun(v->regs, sv->vmcb_pa, host_vmcb_pa[this_cpu()->cpu_id]);

	v->regs[GPR_RAX] = vmcb->save.rax;
	v->regs[GPR_RSP] = vmcb->save.rsp;
	tpr_from_vmcb(v, &vmcb->control);
	svm_translate_exit(v, vmcb, exit);
}

static uint64_t svm_get_rip(struct vcpu *v) { return to_svm(v)->vmcb->save.rip; }
/* Moving RIP past an instruction ends the STI / MOV SS shadow it was in
 * (otherwise a HLT skipped in an STI shadow would keep the next
 * instruction from taking the interrupt that woke it). */
static void svm_set_rip(struct vcpu *v, uint64_t rip)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	vmcb->save.rip = rip;
	vmcb->control.int_state &= ~1ull;
}
static uint64_t svm_get_rflags(struct vcpu *v) { return to_svm(v)->vmcb->save.rflags; }
static void svm_set_rflags(struct vcpu *v, uint64_t f) { to_svm(v)->vmcb->save.rflags = f | 2; }
static unsigned svm_get_cpl(struct vcpu *v) { return to_svm(v)->vmcb->save.cpl; }

static struct vmcb_seg *vmcb_segment(struct vmcb *vmcb, enum seg_reg seg)
{
	struct vmcb_seg *const segs[SEG_COUNT] = {
		[SEG_ES] = &vmcb->save.es, [SEG_CS] = &vmcb->save.cs, [SEG_SS] = &vmcb->save.ss,
		[SEG_DS] = &vmcb->save.ds, [SEG_FS] = &vmcb->save.fs, [SEG_GS] = &vmcb->save.gs,
		[SEG_LDTR] = &vmcb->save.ldtr, [SEG_TR] = &vmcb->save.tr,
	};
	return segs[seg];
}

/* The VMCB packs the attribute's upper nibble into bits 11:8. */
static void svm_get_segment(struct vcpu *v, enum seg_reg seg, struct segment *out)
{
	const struct vmcb_seg *s = vmcb_segment(to_svm(v)->vmcb, seg);
	*out = (struct segment){ s->selector, (uint16_t)((s->attrib & 0xff) | ((s->attrib & 0xf00) << 4)),
				 s->limit, s->base };
}

static void svm_set_segment(struct vcpu *v, enum seg_reg seg, const struct segment *in)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	*vmcb_segment(vmcb, seg) = (struct vmcb_seg){
		in->selector, (uint16_t)((in->attr & 0xff) | ((in->attr >> 4) & 0xf00)),
		in->limit, in->base };
	/* The CPL is SS.DPL (APM Vol. 2, 15.5.1: VMRUN takes it from the VMCB). */
	if (seg == SEG_SS)
		vmcb->save.cpl = (in->attr >> 5) & 3;
}

static void svm_get_gdt(struct vcpu *v, struct dtable *d)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	*d = (struct dtable){ vmcb->save.gdtr.base, (uint16_t)vmcb->save.gdtr.limit };
}

static void svm_set_gdt(struct vcpu *v, const struct dtable *d)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	vmcb->save.gdtr.base = d->base;
	vmcb->save.gdtr.limit = d->limit;
}

static void svm_get_idt(struct vcpu *v, struct dtable *d)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	*d = (struct dtable){ vmcb->save.idtr.base, (uint16_t)vmcb->save.idtr.limit };
}

static void svm_set_idt(struct vcpu *v, const struct dtable *d)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	vmcb->save.idtr.base = d->base;
	vmcb->save.idtr.limit = d->limit;
}

static void svm_flush_guest_tlb(struct vcpu *v)
{
	to_svm(v)->tlb_control = svm_features.flush_by_asid ? TLB_FLUSH_GUEST : TLB_FLUSH_ALL;
}

static uint64_t svm_get_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb_save *s = &to_svm(v)->vmcb->save;
	switch (cr) {
	case 0: return s->cr0;
	case 2: return s->cr2;
	case 3: return s->cr3;
	case 4: return s->cr4;
	default: return 0;
	}
}

/* With nested paging the guest's control registers are the real ones. */
static void svm_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;
	switch (cr) {
	case 0: s->cr0 = val; break;
	case 2: s->cr2 = val; break;
	case 3: s->cr3 = val; svm_flush_guest_tlb(v); break;
	case 4: s->cr4 = val; break;
	default: break;
	}
}

/* SVME must stay set while in guest mode; the guest never sees it. LME
 * reaches the VMCB only together with LMA (paging on): QEMU TCG hangs on a
 * guest with EFER.LME set and paging off, and nothing else needs it early. */
static uint64_t svm_get_efer(struct vcpu *v) { return to_svm(v)->guest_efer; }

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
	struct svm_vcpu *sv = to_svm(v);
	uint64_t hw = efer | EFER_SVME;

	if (!(efer & EFER_LMA))
		hw &= ~EFER_LME;
	sv->guest_efer = efer;
	sv->vmcb->save.efer = hw;
}

static uint64_t *hw_msr_slot(struct vmcb *vmcb, uint32_t msr)
{
	struct vmcb_save *s = &vmcb->save;
	switch (msr) {
	case MSR_PAT: return &s->g_pat;
	case MSR_FS_BASE: return &s->fs.base;
	case MSR_GS_BASE: return &s->gs.base;
	case MSR_KERNEL_GS_BASE: return &s->kernel_gs_base;
	case 0xc0000081u: return &s->star;
	case 0xc0000082u: return &s->lstar;
	case 0xc0000083u: return &s->cstar;
	case 0xc0000084u: return &s->sfmask;
	case 0x174u: return &s->sysenter_cs;
	case 0x175u: return &s->sysenter_esp;
	case 0x176u: return &s->sysenter_eip;
	default: return 0;
	}
}

static bool svm_get_hw_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	uint64_t *slot = hw_msr_slot(to_svm(v)->vmcb, msr);
	if (!slot)
		return false;
	*val = *slot;
	return true;
}

static bool svm_set_hw_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t *slot = hw_msr_slot(to_svm(v)->vmcb, msr);
	if (!slot)
		return false;
	*slot = val;
	return true;
}

static void svm_inject_event(struct vcpu *v, const struct event *e)
{
	v->pending = *e;
}

/* A virtual interrupt request makes the CPU exit (VINTR) as soon as the
 * guest can take an interrupt (APM Vol. 2, 15.21.4). */
static void svm_request_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;
	if (on) {
		c->int_ctl |= SVM_V_IRQ | SVM_V_IGN_TPR;
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else {
		c->int_ctl &= ~(SVM_V_IRQ | SVM_V_IGN_TPR);
		c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
}

static bool svm_interrupts_blocked(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	return !(vmcb->save.rflags & RFLAGS_IF) || (vmcb->control.int_state & 1);
}

static void svm_set_paging_root(struct vcpu *v, uint64_t root_pa)
{
	to_svm(v)->vmcb->control.n_cr3 = root_pa;
	svm_flush_guest_tlb(v);
}

const struct hvm_ops svm_ops = {
	.name = "svm",
	.detect = svm_detect,
	.cpu_enable = svm_cpu_enable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.get_rip = svm_get_rip,
	.set_rip = svm_set_rip,
	.get_rflags = svm_get_rflags,
	.set_rflags = svm_set_rflags,
	.get_segment = svm_get_segment,
	.set_segment = svm_set_segment,
	.get_gdt = svm_get_gdt,
	.set_gdt = svm_set_gdt,
	.get_idt = svm_get_idt,
	.set_idt = svm_set_idt,
	.get_cpl = svm_get_cpl,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_hw_msr = svm_get_hw_msr,
	.set_hw_msr = svm_set_hw_msr,
	.inject_event = svm_inject_event,
	.request_irq_window = svm_request_irq_window,
	.interrupts_blocked = svm_interrupts_blocked,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.set_paging_root = svm_set_paging_root,
};
