/* The Intel VMX backend: `vmx_ops`, everything that touches a VMCS. */
#include "vmx/vmx.h"

#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/guest_mem.h"
#include "hv/heap.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/string.h"
#include "hv/x86.h"
#include "mmu/ept.h"
#include "vmx/vmcs.h"

#define MSR_PAT 0x277u
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define PAT_POWER_ON 0x0007040600070406ull

#define INVEPT_SINGLE 1ull
#define INVEPT_ALL 2ull
#define INVVPID_SINGLE 1ull
#define INVVPID_ALL 2ull

extern char vmx_exit_entry[];

/* Per physical CPU: the VMXON region, the current VMCS, and whose lazily
 * switched MSRs the CPU holds. */
static uint64_t vmxon_pa[MAX_CPUS];
static uint64_t current_vmcs[MAX_CPUS];
static struct vmx_vcpu *lazy_msr_owner[MAX_CPUS];
/* Shared by all vCPUs: every port, and every MSR the VMCS does not switch,
 * intercepted. */
static uint64_t io_bitmap_pa, msr_bitmap_pa;
static uint16_t next_vpid = 1;

static const uint32_t lazy_msrs[LAZY_MSR_COUNT] = {
	[LAZY_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE, [LAZY_STAR] = MSR_STAR,
	[LAZY_LSTAR] = MSR_LSTAR, [LAZY_CSTAR] = MSR_CSTAR, [LAZY_SFMASK] = MSR_SFMASK,
};

/* MSRs the VMCS loads and saves itself: the guest uses them directly.
 * EFER is switched by the VMCS too but stays intercepted: its writes go
 * through hv/cr.c's checks and the IA-32e mode entry control follows it. */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_PAT,
};

static int vmx_insn_status(uint8_t cf, uint8_t zf)
{
	return cf ? 1 : zf ? 2 : 0;
}

static int vmxon(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_insn_status(cf, zf);
}

static int vmclear(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_insn_status(cf, zf);
}

static int vmptrld(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_insn_status(cf, zf);
}

static void invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static bool vmx_detect(const char **why)
{
	if (!vmx_caps_init(why))
		return false;
	ept_large_pages = vmx_caps.ept_2m;
	return true;
}

static void msr_bitmap_allow(uint8_t *bitmap, uint32_t msr)
{
	/* Read bitmaps at 0 (low MSRs) and 1 KiB (0xc0000000...), write
	 * bitmaps 2 KiB further (SDM Vol. 3C, 25.6.9). */
	unsigned base = msr >= 0xc0000000u ? 1024 : 0, bit = msr & 0x1fff;
	bitmap[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
	bitmap[2048 + base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static int build_bitmaps(void)
{
	io_bitmap_pa = frame_alloc_contig(&hv_frames, 2, PAGE_SIZE);
	msr_bitmap_pa = page_alloc_phys();
	if (!io_bitmap_pa || !msr_bitmap_pa)
		return -ENOMEM;
	memset(phys_to_virt(io_bitmap_pa), 0xff, 2 * PAGE_SIZE);
	memset(phys_to_virt(msr_bitmap_pa), 0xff, PAGE_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msr_bitmap_allow(phys_to_virt(msr_bitmap_pa), passthrough_msrs[i]);
	return 0;
}

static int vmx_cpu_enable(struct percpu *pc)
{
	const char *why;
	if (!vmx_feature_control(&why)) {
		log_err("vmx: CPU %u: %s\n", pc->cpu_id, why);
		return -EIO;
	}
	uint64_t region = page_alloc_phys();

	if (!region || (!io_bitmap_pa && build_bitmaps()))
		return -ENOMEM;
	*(uint32_t *)phys_to_virt(region) = VMX_BASIC_REVISION(vmx_caps.basic);
	/* VMX operation needs CR0 and CR4 within the fixed bits (CR4.VMXE). */
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	int st = vmxon(region);
	if (st) {
		log_err("vmx: VMXON failed on CPU %u (%s)\n", pc->cpu_id,
			st == 1 ? "VMfailInvalid" : "VMfailValid");
		page_free_phys(region);
		return -EIO;
	}
	vmxon_pa[pc->cpu_id] = region;
	log_info("vmx: enabled on CPU %u (VMCS revision %#x, %s controls, EPT%s%s%s, %s)\n",
		 pc->cpu_id, VMX_BASIC_REVISION(vmx_caps.basic),
		 (vmx_caps.basic & VMX_BASIC_TRUE_CTLS) ? "TRUE" : "default",
		 vmx_caps.ept_2m ? " 2M" : "", vmx_caps.vpid ? ", VPID" : "",
		 vmx_caps.unrestricted ? ", unrestricted guest" : "",
		 vmx_caps.ept_memtype == EPT_MT_WB ? "WB tables" : "UC tables");
	log_info("vmx: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n", vmx_caps.pin,
		 vmx_caps.proc, vmx_caps.proc2, vmx_caps.exit, vmx_caps.entry);
	return 0;
}

void vmx_load_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);
	unsigned cpu = this_cpu()->cpu_id;

	if (current_vmcs[cpu] == vx->vmcs_pa)
		return;
	if (vmptrld(vx->vmcs_pa))
		log_err("vmx: VMPTRLD %#llx failed\n", (unsigned long long)vx->vmcs_pa);
	current_vmcs[cpu] = vx->vmcs_pa;
	vx->active_cpu = cpu + 1;
	/* First load on this CPU (the vCPU was built on another one): the
	 * host state names this CPU's GS base, TSS and stacks, and this CPU
	 * may hold translations of an earlier user of the same EPT root. */
	if (vx->host_cpu != cpu + 1) {
		vx->host_cpu = cpu + 1;
		vmx_setup_host_state();
		uint64_t eptp = vmcs_read(VMCS_EPT_POINTER);
		if (eptp && vmx_caps.invept_single)
			invept(INVEPT_SINGLE, eptp);
		else if (eptp)
			invept(INVEPT_ALL, 0);
		vx->flush_pending = true;
	}
}

/* Saves what this CPU holds of `v` and VMCLEARs its VMCS here, so that
 * another CPU may load it (a VMCS is active on one CPU at a time) or it
 * may be freed; the next entry is a VMLAUNCH again (SDM Vol. 3C, 25.11.3). */
static void vmx_vcpu_release(struct vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);
	unsigned cpu = this_cpu()->cpu_id;

	if (!vx || !vx->active_cpu)
		return; /* not loaded anywhere since its last release */
	if (vx->active_cpu != cpu + 1) {
		log_err("vmx: vCPU released on CPU %u, but its VMCS is active on CPU %u\n", cpu,
			vx->active_cpu - 1);
		return;
	}
	if (lazy_msr_owner[cpu] == vx) {
		for (unsigned i = 0; i < LAZY_MSR_COUNT; i++)
			vx->lazy_msr[i] = rdmsr(lazy_msrs[i]);
		lazy_msr_owner[cpu] = 0;
	}
	vmclear(vx->vmcs_pa);
	if (current_vmcs[cpu] == vx->vmcs_pa)
		current_vmcs[cpu] = 0;
	vx->active_cpu = 0;
	vx->launched = false;
}

void vmx_setup_controls(void)
{
	vmcs_write(VMCS_PIN_CTLS, vmx_caps.pin);
	vmcs_write(VMCS_PROC_CTLS, vmx_caps.proc);
	vmcs_write(VMCS_PROC_CTLS2, vmx_caps.proc2);
	vmcs_write(VMCS_EXIT_CTLS, vmx_caps.exit);
	vmcs_write(VMCS_ENTRY_CTLS, vmx_caps.entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, io_bitmap_pa);
	vmcs_write(VMCS_IO_BITMAP_B, io_bitmap_pa + PAGE_SIZE);
	vmcs_write(VMCS_MSR_BITMAP, msr_bitmap_pa);
	/* The hypervisor owns every CR0/CR4 bit: the guest reads the shadows,
	 * and any write that changes a bit exits (EXIT_CR_WRITE). */
	vmcs_write(VMCS_CR0_MASK, ~0ull);
	vmcs_write(VMCS_CR4_MASK, ~0ull);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);
}

static uint16_t read_sel(int which)
{
	uint16_t s = 0;
	switch (which) {
	case SEG_CS: __asm__ volatile("mov %%cs, %0" : "=r"(s)); break;
	case SEG_SS: __asm__ volatile("mov %%ss, %0" : "=r"(s)); break;
	case SEG_DS: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
	case SEG_ES: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
	case SEG_FS: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
	case SEG_GS: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
	default: break;
	}
	return s;
}

void vmx_setup_host_state(void)
{
	struct percpu *pc = this_cpu();
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, read_sel(SEG_CS));
	vmcs_write(VMCS_HOST_SS_SEL, read_sel(SEG_SS));
	vmcs_write(VMCS_HOST_DS_SEL, read_sel(SEG_DS));
	vmcs_write(VMCS_HOST_ES_SEL, read_sel(SEG_ES));
	vmcs_write(VMCS_HOST_FS_SEL, read_sel(SEG_FS));
	vmcs_write(VMCS_HOST_GS_SEL, read_sel(SEG_GS));
	vmcs_write(VMCS_HOST_TR_SEL, SEL_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)&pc->tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

static void write_segment(enum seg_reg seg, const struct segment *s)
{
	/* A segment that is not present is "unusable" to VMX. */
	uint32_t ar = (s->attr & 0x80) ? (s->attr & 0xf0ffu) : AR_UNUSABLE;
	vmcs_write(VMCS_GUEST_ES_SEL + 2 * seg, s->selector);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * seg, s->limit);
	vmcs_write(VMCS_GUEST_ES_AR + 2 * seg, ar);
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * seg, s->base);
}

static void set_cr0(struct vmx_vcpu *vx, uint64_t val)
{
	vx->cr0 = val;
	vmcs_write(VMCS_CR0_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR0, vmx_hw_cr0(val));
}

static void set_cr4(struct vmx_vcpu *vx, uint64_t val)
{
	vx->cr4 = val;
	vmcs_write(VMCS_CR4_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR4, vmx_hw_cr4(val));
}

/* The state after INIT, in real mode (SDM Vol. 3A, 10.1.1); loaders then
 * set what their boot protocol needs. */
static void setup_reset_state(struct vmx_vcpu *vx)
{
	const struct segment data = { 0, 0x93, 0xffff, 0 };

	for (enum seg_reg s = SEG_ES; s <= SEG_GS; s++)
		write_segment(s, &data);
	write_segment(SEG_CS, &(struct segment){ 0xf000, 0x9b, 0xffff, 0xffff0000ull });
	write_segment(SEG_LDTR, &(struct segment){ 0, 0x82, 0xffff, 0 });
	write_segment(SEG_TR, &(struct segment){ 0, 0x8b, 0xffff, 0 });
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	set_cr0(vx, CR0_ET | CR0_CD | CR0_NW);
	set_cr4(vx, 0);
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, 2);
	vmcs_write(VMCS_GUEST_RIP, 0xfff0);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
}

/* Tags are reused after 65535 vCPUs; every new vCPU flushes its tag
 * before its first entry anyway. */
static uint16_t allocate_vpid(void)
{
	if (next_vpid == 0)
		next_vpid = 1;
	return next_vpid++;
}

static int vmx_vcpu_create(struct vcpu *v)
{
	struct vmx_vcpu *vx = kzalloc(sizeof(*vx));
	uint64_t vmcs_pa = page_alloc_phys();

	if (!vx || !vmcs_pa) {
		kfree(vx);
		if (vmcs_pa)
			page_free_phys(vmcs_pa);
		return -ENOMEM;
	}
	vx->vmcs_pa = vmcs_pa;
	vx->vmcs = phys_to_virt(vmcs_pa);
	*(uint32_t *)vx->vmcs = VMX_BASIC_REVISION(vmx_caps.basic);
	if (vmclear(vmcs_pa)) {
		log_err("vmx: VMCLEAR of a new VMCS failed\n");
		page_free_phys(vmcs_pa);
		kfree(vx);
		return -EIO;
	}
	v->arch = vx;
	vx->host_cpu = this_cpu()->cpu_id + 1; /* host state written just below */
	vmx_load_vmcs(v);
	vmx_setup_controls();
	vmx_setup_host_state();
	setup_reset_state(vx);
	if (vmx_caps.vpid) {
		vx->vpid = allocate_vpid();
		vmcs_write(VMCS_VPID, vx->vpid);
		vx->flush_pending = true;
	}
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);
	unsigned cpu = this_cpu()->cpu_id;

	if (!vx)
		return;
	vmclear(vx->vmcs_pa);
	if (current_vmcs[cpu] == vx->vmcs_pa)
		current_vmcs[cpu] = 0;
	if (lazy_msr_owner[cpu] == vx)
		lazy_msr_owner[cpu] = 0;
	page_free_phys(vx->vmcs_pa);
	kfree(vx);
	v->arch = 0;
}

/* VM-entry interruption information for `e` (SDM Vol. 3C, 25.8.3). An
 * error code is never delivered in real mode (26.2.1.3). */
static void inject(struct vmx_vcpu *vx, const struct event *e)
{
	uint32_t info = e->vector | ((uint32_t)e->type << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;

	if (e->has_error && (vx->cr0 & CR0_PE)) {
		info |= INTR_INFO_ERROR_VALID;
		vmcs_write(VMCS_ENTRY_EXC_ERROR, e->error);
	}
	if (e->type == INTR_TYPE_SW_INT || e->type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    e->type == INTR_TYPE_SW_EXCEPTION)
		vmcs_write(VMCS_ENTRY_INSN_LEN, e->insn_len);
	/* An NMI cannot be injected in a MOV SS shadow (some CPUs refuse an
	 * STI shadow too) and there is no NMI window here: it ends the shadow
	 * one instruction early rather than fail the entry. */
	if (e->type == INTR_TYPE_NMI) {
		uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
				   intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

/* While a vCPU owns them the CPU holds the truth (SWAPGS changes
 * KERNEL_GS_BASE without an exit): read them back before another vCPU's
 * values go in. */
static void load_lazy_msrs(struct vmx_vcpu *vx)
{
	unsigned cpu = this_cpu()->cpu_id;
	struct vmx_vcpu *old = lazy_msr_owner[cpu];

	if (old == vx)
		return;
	for (unsigned i = 0; old && i < LAZY_MSR_COUNT; i++)
		old->lazy_msr[i] = rdmsr(lazy_msrs[i]);
	for (unsigned i = 0; i < LAZY_MSR_COUNT; i++)
		wrmsr(lazy_msrs[i], vx->lazy_msr[i]);
	lazy_msr_owner[cpu] = vx;
}

static void flush(struct vmx_vcpu *vx)
{
	vx->flush_pending = false;
	if (!vmx_caps.vpid)
		return; /* without VPID every entry and exit flushes */
	if (vmx_caps.invvpid_single)
		invvpid(INVVPID_SINGLE, vx->vpid);
	else
		invvpid(INVVPID_ALL, 0);
}

static void vmx_vcpu_run(struct vcpu *v, struct vm_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vmx_load_vmcs(v);
	/* Refused before VMLAUNCH would fail on it: real mode and paging off
	 * need unrestricted guest. */
	if (!vmx_caps.unrestricted && (vx->cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG)) {
		memset(exit, 0, sizeof(*exit));
		if (v->dom)
			domain_kill(v->dom, "cannot run with CR0.PE or PG clear: this CPU has no "
				    "unrestricted guest");
		return;
	}
	vmcs_write(VMCS_GUEST_RSP, v->regs[GPR_RSP]);
	/* RDTSC(P) read host TSC + offset (SDM Vol. 3C, 26.6.5), per domain. */
	vmcs_write(VMCS_TSC_OFFSET, v->dom ? vplatform_tsc_offset(v->dom) : 0);
	if (v->pending.valid) {
		inject(vx, &v->pending);
		v->pending.valid = false;
	} else {
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	}
	load_lazy_msrs(vx);
	if (vx->flush_pending)
		flush(vx);
	/* CR2 is not in the VMCS: the guest's value lives in the CPU. */
	write_cr2(vx->cr2);

	int st = vmx_enter(v->regs, vx->launched);

	vx->cr2 = read_cr2();
	if (st) {
		uint32_t err = st == 2 ? (uint32_t)vmcs_read(VMCS_INSN_ERROR) : 0;
		memset(exit, 0, sizeof(*exit));
		exit->reason = EXIT_ENTRY_FAILED;
		exit->native = err;
		log_err("vmx: %s failed: %s (VM-instruction error %u)\n",
			vx->launched ? "VMRESUME" : "VMLAUNCH",
			st == 1 ? "VMfailInvalid: no current VMCS" : vmx_insn_error_name(err), err);
		/* Errors 7 and 8 are failed checks on the controls or the host
		 * state: name the check; the others say it all. */
		exit->why = st == 1		   ? "VMfailInvalid: no valid current VMCS"
			    : err == 7 || err == 8 ? vmx_diagnose_guest_state()
						   : vmx_insn_error_name(err);
		return;
	}
	vx->launched = true;
	v->regs[GPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
	vmx_translate_exit(v, exit);
	/* The host's own interrupt made the exit but is still pending (no
	 * acknowledge-on-exit), and it would end every entry at once: let the
	 * host's handler take it now. NMI exiting consumed an NMI: hand it to
	 * the host's handler. */
	if (exit->reason == EXIT_EXTERNAL_INTR)
		__asm__ volatile("sti; nop; cli" ::: "memory");
	else if (exit->reason == EXIT_NMI)
		__asm__ volatile("int $2");
}

static uint64_t vmx_get_rip(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return vmcs_read(VMCS_GUEST_RIP);
}

/* Moving RIP past an instruction ends the STI / MOV SS shadow it was in. */
static void vmx_set_rip(struct vcpu *v, uint64_t rip)
{
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_RIP, rip);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static uint64_t vmx_get_rflags(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return vmcs_read(VMCS_GUEST_RFLAGS);
}

static void vmx_set_rflags(struct vcpu *v, uint64_t f)
{
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_RFLAGS, f | 2);
}

static void vmx_get_segment(struct vcpu *v, enum seg_reg seg, struct segment *out)
{
	vmx_load_vmcs(v);
	uint32_t ar = (uint32_t)vmcs_read(VMCS_GUEST_ES_AR + 2 * seg);
	*out = (struct segment){
		(uint16_t)vmcs_read(VMCS_GUEST_ES_SEL + 2 * seg),
		(uint16_t)((ar & AR_UNUSABLE) ? 0 : ar & 0xf0ffu),
		(uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * seg),
		vmcs_read(VMCS_GUEST_ES_BASE + 2 * seg),
	};
}

static void vmx_set_segment(struct vcpu *v, enum seg_reg seg, const struct segment *s)
{
	vmx_load_vmcs(v);
	write_segment(seg, s);
}

/* The CPL is SS.DPL (SDM Vol. 3C, 26.3.1.2 keeps CS.DPL and SS.DPL equal). */
static unsigned vmx_get_cpl(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return (vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

static void vmx_get_gdt(struct vcpu *v, struct dtable *d)
{
	vmx_load_vmcs(v);
	*d = (struct dtable){ vmcs_read(VMCS_GUEST_GDTR_BASE), (uint16_t)vmcs_read(VMCS_GUEST_GDTR_LIMIT) };
}

static void vmx_set_gdt(struct vcpu *v, const struct dtable *d)
{
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_GDTR_BASE, d->base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, d->limit);
}

static void vmx_get_idt(struct vcpu *v, struct dtable *d)
{
	vmx_load_vmcs(v);
	*d = (struct dtable){ vmcs_read(VMCS_GUEST_IDTR_BASE), (uint16_t)vmcs_read(VMCS_GUEST_IDTR_LIMIT) };
}

static void vmx_set_idt(struct vcpu *v, const struct dtable *d)
{
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_IDTR_BASE, d->base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, d->limit);
}

static void vmx_flush_guest_tlb(struct vcpu *v)
{
	to_vmx(v)->flush_pending = true;
}

static uint64_t vmx_get_cr(struct vcpu *v, unsigned cr)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vmx_load_vmcs(v);
	switch (cr) {
	case 0: return vx->cr0;
	case 2: return vx->cr2;
	case 3: return vmcs_read(VMCS_GUEST_CR3);
	case 4: return vx->cr4;
	default: return 0;
	}
}

/* PAE paging without long mode: with EPT, VM entry takes the four PDPTEs
 * from the VMCS, so a paging change the hypervisor emulates must load them
 * from guest memory as MOV to CR would (SDM Vol. 3C, 29.3.3.1). */
static void load_pdptes(struct vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);
	uint64_t pdpte[4] = { 0 };

	if (!(vx->cr0 & CR0_PG) || !(vx->cr4 & CR4_PAE) ||
	    (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA))
		return;
	if (guest_phys_read(v->dom, vmcs_read(VMCS_GUEST_CR3) & ~0x1full, pdpte, sizeof(pdpte)))
		memset(pdpte, 0, sizeof(pdpte)); /* not RAM: not present */
	for (unsigned i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

static void vmx_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vmx_load_vmcs(v);
	switch (cr) {
	case 0: set_cr0(vx, val); break;
	case 2: vx->cr2 = val; return;
	case 3: vmcs_write(VMCS_GUEST_CR3, val); vx->flush_pending = true; break;
	case 4: set_cr4(vx, val); break;
	default: return;
	}
	load_pdptes(v);
}

static uint64_t vmx_get_efer(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return vmcs_read(VMCS_GUEST_EFER);
}

/* The "IA-32e mode guest" entry control follows EFER.LMA. */
static void vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_EFER, efer);
	uint64_t entry = vmcs_read(VMCS_ENTRY_CTLS);
	entry = (efer & EFER_LMA) ? entry | ENTRY_IA32E_GUEST : entry & ~(uint64_t)ENTRY_IA32E_GUEST;
	vmcs_write(VMCS_ENTRY_CTLS, entry);
	load_pdptes(v);
}

static int lazy_index(uint32_t msr)
{
	for (int i = 0; i < LAZY_MSR_COUNT; i++)
		if (lazy_msrs[i] == msr)
			return i;
	return -1;
}

static uint32_t vmcs_msr_field(uint32_t msr)
{
	switch (msr) {
	case MSR_PAT: return VMCS_GUEST_PAT;
	case MSR_FS_BASE: return VMCS_GUEST_ES_BASE + 2 * SEG_FS;
	case MSR_GS_BASE: return VMCS_GUEST_ES_BASE + 2 * SEG_GS;
	case MSR_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
	case MSR_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
	case MSR_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
	default: return 0;
	}
}

static bool vmx_get_hw_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int lazy = lazy_index(msr);
	uint32_t field = vmcs_msr_field(msr);

	if (lazy >= 0) {
		struct vmx_vcpu *vx = to_vmx(v);
		*val = lazy_msr_owner[this_cpu()->cpu_id] == vx ? rdmsr(msr) : vx->lazy_msr[lazy];
		return true;
	}
	if (!field)
		return false;
	vmx_load_vmcs(v);
	*val = vmcs_read(field);
	return true;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)(((int64_t)a << 16) >> 16) == a;
}

/* The values WRMSR itself would refuse with #GP must never reach the CPU
 * here: the hypervisor would take the #GP. */
static bool vmx_set_hw_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmx_vcpu *vx = to_vmx(v);
	int lazy = lazy_index(msr);
	uint32_t field = vmcs_msr_field(msr);

	if (lazy >= 0) {
		if ((msr == MSR_SFMASK && (val >> 32)) ||
		    ((msr == MSR_KERNEL_GS_BASE || msr == MSR_LSTAR || msr == MSR_CSTAR) &&
		     !canonical(val)))
			return false;
		vx->lazy_msr[lazy] = val;
		if (lazy_msr_owner[this_cpu()->cpu_id] == vx)
			wrmsr(msr, val);
		return true;
	}
	if (!field)
		return false;
	if ((msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_SYSENTER_ESP ||
	     msr == MSR_SYSENTER_EIP) && !canonical(val))
		return false;
	vmx_load_vmcs(v);
	vmcs_write(field, val);
	return true;
}

static void vmx_inject_event(struct vcpu *v, const struct event *e)
{
	v->pending = *e;
}

/* Interrupt-window exiting: an exit as soon as RFLAGS.IF is set and no
 * STI or MOV SS shadow blocks (SDM Vol. 3C, 25.6.2). */
static void vmx_request_irq_window(struct vcpu *v, bool on)
{
	vmx_load_vmcs(v);
	uint64_t proc = vmcs_read(VMCS_PROC_CTLS);
	proc = on ? proc | PROC_INTR_WINDOW_EXITING : proc & ~(uint64_t)PROC_INTR_WINDOW_EXITING;
	vmcs_write(VMCS_PROC_CTLS, proc | vmx_caps.proc_must);
}

static bool vmx_interrupts_blocked(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return !(vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) ||
	       (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* A new root may reuse frames of an old domain's tables: drop whatever
 * the CPU cached for that EPTP before it is used. */
static void vmx_set_paging_root(struct vcpu *v, uint64_t root_pa)
{
	uint64_t eptp = ept_pointer(root_pa, vmx_caps.ept_memtype);

	vmx_load_vmcs(v);
	vmcs_write(VMCS_EPT_POINTER, eptp);
	if (vmx_caps.invept_single)
		invept(INVEPT_SINGLE, eptp);
	else
		invept(INVEPT_ALL, 0);
	to_vmx(v)->flush_pending = true;
}

const struct hvm_ops vmx_ops = {
	.name = "vmx",
	.detect = vmx_detect,
	.cpu_enable = vmx_cpu_enable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_release = vmx_vcpu_release,
	.vcpu_run = vmx_vcpu_run,
	.get_rip = vmx_get_rip,
	.set_rip = vmx_set_rip,
	.selftest_entry_failure = vmx_selftest_entry_fail,
	.get_rflags = vmx_get_rflags,
	.set_rflags = vmx_set_rflags,
	.get_segment = vmx_get_segment,
	.set_segment = vmx_set_segment,
	.get_gdt = vmx_get_gdt,
	.set_gdt = vmx_set_gdt,
	.get_idt = vmx_get_idt,
	.set_idt = vmx_set_idt,
	.get_cpl = vmx_get_cpl,
	.get_cr = vmx_get_cr,
	.set_cr = vmx_set_cr,
	.get_efer = vmx_get_efer,
	.set_efer = vmx_set_efer,
	.get_hw_msr = vmx_get_hw_msr,
	.set_hw_msr = vmx_set_hw_msr,
	.inject_event = vmx_inject_event,
	.request_irq_window = vmx_request_irq_window,
	.interrupts_blocked = vmx_interrupts_blocked,
	.flush_guest_tlb = vmx_flush_guest_tlb,
	.set_paging_root = vmx_set_paging_root,
};
