#include "hv/vcpu.h"

#include "emulate/decode.h"
#include "hv/apic.h"
#include "hv/cpuid.h"
#include "hv/domain.h"
#include "hv/exit.h"
#include "hv/guest_mem.h"
#include "hv/ipi.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/string.h"
#include "hv/time.h"
#include "hv/vplatform.h"
#include "hv/x86.h"

#define VEC_DF 8
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

void vcpu_raise_irq(struct vcpu *v, uint8_t vector)
{
	v->irq_waiting = true;
	v->irq_vector = vector;
}

/* Is an external interrupt waiting for vCPU 0: from a test device, or
 * from the virtual interrupt controller. */
bool vcpu_irq_pending(struct vcpu *v)
{
	return v->irq_waiting || vlapic_pending(&v->lapic) >= 0 ||
	       (v->id == 0 && vplatform_irq_pending(v->dom));
}

/* The interrupt acknowledge cycle: which vector is delivered now. */
static uint8_t acknowledge_irq(struct vcpu *v)
{
	if (v->irq_waiting) {
		v->irq_waiting = false;
		return v->irq_vector;
	}
	if (vlapic_pending(&v->lapic) >= 0)
		return (uint8_t)vlapic_acknowledge(&v->lapic);
	return vplatform_irq_acknowledge(v->dom);
}

/* Before each entry: an exception or re-injected event goes first; an
 * interrupt goes when the guest can take it, else an interrupt window is
 * opened so that the next exit comes when it can. */
static void deliver_interrupt(struct vcpu *v)
{
	if (v->lapic.nmi_pending && !v->pending.valid) {
		v->lapic.nmi_pending = false;
		v->pending = (struct event){ .valid = true, .vector = 2, .type = EVENT_NMI };
		return;
	}
	if (!vcpu_irq_pending(v) || v->pending.valid)
		return;
	if (hvm->interrupts_blocked(v)) {
		hvm->request_irq_window(v, true);
		return;
	}
	v->pending = (struct event){ .valid = true, .vector = acknowledge_irq(v),
				     .type = EVENT_EXT_INTR };
}

/* Before an entry: timers up to date, an interrupt delivered if the guest
 * can take one, and the host timer armed for the next virtual deadline or
 * the end of the time slice, whichever comes first. */
void vcpu_prepare_entry(struct vcpu *v, uint64_t slice_end_ns)
{
	/* Reloading the root drops what the TLB holds for it (hv/hvm.h). */
	if (v->nested_gen != v->dom->nested_gen) {
		v->nested_gen = v->dom->nested_gen;
		hvm->set_paging_root(v, v->dom->npt.root);
	}
	vplatform_update(v->dom);
	deliver_interrupt(v);
	uint64_t deadline = vplatform_next_deadline(v->dom);
	if (!deadline || deadline > slice_end_ns)
		deadline = slice_end_ns;
	apic_timer_arm(time_ns_to_tsc(deadline));
}

bool vcpu_alive(const struct vcpu *v)
{
	return !v->wait_for_sipi && !v->stopped &&
	       !__atomic_load_n(&v->io.waiting, __ATOMIC_ACQUIRE);
}

void vcpu_init_signal(struct vcpu *v)
{
	vlapic_init(&v->lapic, v->id);
	v->lapic.send_ipi = ipi_send;
	v->lapic.ipi_ctx = v;
	v->pending.valid = false;
	v->irq_waiting = false;
	v->blocked = false;
	v->wait_for_sipi = true;
}

/* CS as given, every data segment alike; paging off, interrupts off, no
 * registers set: what both boot protocols and start-up IPIs begin from. */
static void set_start_state(struct vcpu *v, const struct segment *code,
			    const struct segment *data, uint64_t cr0, uint64_t rip)
{
	hvm->set_segment(v, SEG_CS, code);
	for (enum seg_reg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			hvm->set_segment(v, s, data);
	hvm->set_cr(v, 0, cr0);
	hvm->set_cr(v, 4, 0);
	hvm->set_efer(v, 0);
	hvm->set_rflags(v, 2);
	hvm->set_rip(v, rip);
	memset(v->regs, 0, sizeof(v->regs));
}

void vcpu_set_flat_entry(struct vcpu *v, uint16_t code_sel, uint64_t entry)
{
	const struct segment code = { code_sel, 0xc09b, 0xffffffff, 0 };
	const struct segment data = { (uint16_t)(code_sel + 8), 0xc093, 0xffffffff, 0 };

	set_start_state(v, &code, &data, CR0_PE | CR0_ET, entry);
}

/* The state after INIT and a start-up IPI (SDM Vol. 3A, 9.1.1, 8.4.4.1):
 * real mode, CS = vector << 8, IP = 0. */
void vcpu_startup_signal(struct vcpu *v, uint8_t vector)
{
	const struct segment code = { (uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12 };
	const struct segment data = { 0, 0x93, 0xffff, 0 };
	const struct dtable table = { 0, 0xffff };

	if (!v->wait_for_sipi)
		return; /* start-up IPIs to a running CPU are ignored */
	set_start_state(v, &code, &data, CR0_ET | CR0_CD | CR0_NW, 0);
	hvm->set_gdt(v, &table);
	hvm->set_idt(v, &table);
	v->wait_for_sipi = false;
}

int vcpu_code_mode(struct vcpu *v)
{
	struct segment cs;

	hvm->get_segment(v, SEG_CS, &cs);
	if ((hvm->get_efer(v) & EFER_LMA) && (cs.attr & SEG_ATTR_L))
		return X86_MODE_64;
	if (!(hvm->get_cr(v, 0) & CR0_PE) || (hvm->get_rflags(v) & (1ul << 17)))
		return X86_MODE_16; /* real mode or virtual-8086 */
	return (cs.attr & SEG_ATTR_DB) ? X86_MODE_32 : X86_MODE_16;
}

int vcpu_decode_current(struct vcpu *v, struct x86_insn *insn)
{
	struct segment cs;
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t avail = 0;
	uint32_t pf_error = 0;
	uint64_t fault_addr = 0;
	int mode = vcpu_code_mode(v);

	hvm->get_segment(v, SEG_CS, &cs);
	uint64_t rip = hvm->get_rip(v);
	uint64_t linear = (mode == X86_MODE_64 ? 0 : cs.base) + rip;
	if (mode != X86_MODE_64)
		linear &= 0xffffffffu;
	unsigned access = PFEC_FETCH | (hvm->get_cpl(v) == 3 ? PFEC_USER : 0);

	/* At most two reads: to the end of the page, then the rest. A fault on
	 * the second page only matters if the instruction runs into it. */
	size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
	if (first > sizeof(bytes))
		first = sizeof(bytes);
	if (guest_virt_read(v, linear, bytes, first, access, &pf_error, &fault_addr) == GVA_OK) {
		avail = first;
		if (first < sizeof(bytes) &&
		    guest_virt_read(v, linear + first, bytes + first, sizeof(bytes) - first, access,
				    &pf_error, &fault_addr) == GVA_OK)
			avail = sizeof(bytes);
	}
	int st = x86_decode_ex(bytes, avail, (enum x86_mode)mode, cpuid_decode_options(), insn);
	if (st == X86_DECODE_OK)
		return 0;
	if (st == X86_DECODE_NEED_MORE && pf_error) {
		vcpu_inject_page_fault(v, fault_addr, pf_error);
		return -1;
	}
	if (st == X86_DECODE_NEED_MORE) {
		domain_kill(v->dom, "instruction at %llx runs into memory that is not RAM",
			    (unsigned long long)linear);
		return -1;
	}
	if (st == X86_DECODE_TOO_LONG)
		vcpu_inject_gp(v);
	else
		vcpu_inject_ud(v);
	return -1;
}

bool vcpu_skip_insn(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->next_rip) {
		hvm->set_rip(v, exit->next_rip);
		return true;
	}
	unsigned len = exit->insn_len;
	if (!len) {
		struct x86_insn insn;
		if (vcpu_decode_current(v, &insn))
			return false;
		len = insn.len;
	}
	uint64_t rip = hvm->get_rip(v) + len;
	if (vcpu_code_mode(v) != X86_MODE_64)
		rip &= 0xffffffffu;
	hvm->set_rip(v, rip);
	return true;
}

/* Exception classes for the double-fault rule (SDM 3A, 6.15, table 6-5). */
static bool contributory(uint8_t vector)
{
	return vector == 0 || (vector >= 10 && vector <= 13);
}

/* Whether `second`, raised while delivering `first`, becomes a #DF. */
static bool causes_double_fault(uint8_t first, uint8_t second)
{
	if (first == VEC_PF)
		return contributory(second) || second == VEC_PF;
	return contributory(first) && contributory(second);
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct event *p = &v->pending;
	bool serious = contributory(vector) || vector == VEC_PF;

	if (p->valid && p->type == EVENT_HW_EXCEPTION) {
		if (p->vector == VEC_DF && serious) {
			domain_kill(v->dom, "triple fault (exception %u while delivering #DF)", vector);
			return;
		}
		if (causes_double_fault(p->vector, vector)) {
			*p = (struct event){ true, VEC_DF, EVENT_HW_EXCEPTION, true, 0, 0 };
			return;
		}
	}
	*p = (struct event){ true, vector, EVENT_HW_EXCEPTION, has_error, error, 0 };
}

void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_inject_exception(v, VEC_GP, true, 0);
}

void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, VEC_UD, false, 0);
}

void vcpu_inject_page_fault(struct vcpu *v, uint64_t addr, uint32_t error)
{
	hvm->set_cr(v, 2, addr);
	vcpu_inject_exception(v, VEC_PF, true, error);
}
