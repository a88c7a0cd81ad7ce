/*
 * The vendor-neutral interface to the virtualization hardware. Each backend
 * (svm/, vmx/) fills in one `struct hvm_ops`, modelled on KVM's kvm_x86_ops,
 * and turns its native exits into one `struct vm_exit`. Nothing outside the
 * backends touches a VMCB or VMCS.
 */
#ifndef HV_HVM_H
#define HV_HVM_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct percpu;
struct npt;
struct p2m;

/* General-purpose registers in the encoding order of the x86 ModRM byte. */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT,
};

enum seg_reg {
	SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR,
	SEG_COUNT,
};

/* A segment register with its hidden part; `attr` in the VMX layout
 * (access byte in bits 7:0, AVL/L/D/G in bits 15:12). */
struct segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

#define SEG_ATTR_L (1u << 13)
#define SEG_ATTR_DB (1u << 14)

struct dtable {
	uint64_t base;
	uint16_t limit;
};

enum exit_reason {
	EXIT_NONE,
	EXIT_CPUID,
	EXIT_HLT,
	EXIT_IO,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_HYPERCALL,
	EXIT_CR_WRITE,       /* CR0/CR4 write intercepted; instruction decoded by hv */
	EXIT_NESTED_FAULT,   /* NPF / EPT violation: gpa, qualification */
	EXIT_TRIPLE_FAULT,
	EXIT_EXTERNAL_INTR,  /* the host's own interrupt: nothing to do here */
	EXIT_NMI,
	EXIT_IRQ_WINDOW,     /* the guest can take an interrupt now */
	EXIT_INVALID_INSN,   /* a virtualization instruction the guest may not use */
	EXIT_ENTRY_FAILED,   /* VM entry refused: the backend said why */
	EXIT_UNHANDLED,      /* anything else: `native` names it */
};

struct io_exit {
	uint16_t port;
	uint8_t size;  /* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
};

/* A pending or interrupted event in the generic form (vector + type). */
enum event_type {
	EVENT_EXT_INTR = 0,
	EVENT_NMI = 2,
	EVENT_HW_EXCEPTION = 3,
	EVENT_SW_INT = 4,
};

struct event {
	bool valid;
	uint8_t vector;
	uint8_t type;      /* enum event_type */
	bool has_error;
	uint32_t error;
	uint8_t insn_len;  /* software interrupts: length to skip */
};

struct vm_exit {
	enum exit_reason reason;
	uint64_t native;     /* the backend's own exit code, for messages */
	uint8_t insn_len;    /* 0 when the hardware did not say */
	uint64_t next_rip;   /* valid when nonzero (SVM IOIO gives it) */
	uint64_t gpa;        /* nested faults */
	uint64_t qual;       /* nested fault error bits / backend detail */
	struct io_exit io;
	uint8_t cr;          /* EXIT_CR_WRITE: which register */
	struct event vectoring; /* an event whose delivery the exit interrupted */
	const char *why;     /* EXIT_ENTRY_FAILED: the failed check */
};

/* Nested fault qualification bits, shared by NPT and EPT translations. */
#define NESTED_FAULT_WRITE (1u << 0)
#define NESTED_FAULT_FETCH (1u << 1)
#define NESTED_FAULT_PRESENT (1u << 2)

struct hvm_ops {
	const char *name;
	/* Checks the CPU can virtualize; fills a reason on failure. */
	bool (*detect)(const char **why);
	int (*cpu_enable)(struct percpu *pc);
	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Optional: this CPU is done with `v` for now, so another CPU may
	 * run it or it may be freed (VMX: VMCLEAR on the CPU where the VMCS
	 * is active, SDM Vol. 3C, 25.1 and 25.11.3). */
	void (*vcpu_release)(struct vcpu *v);
	/* Enters the guest and returns at its next exit, translated. */
	void (*vcpu_run)(struct vcpu *v, struct vm_exit *exit);

	uint64_t (*get_rip)(struct vcpu *v);
	void (*set_rip)(struct vcpu *v, uint64_t rip);
	uint64_t (*get_rflags)(struct vcpu *v);
	void (*set_rflags)(struct vcpu *v, uint64_t rflags);
	void (*get_segment)(struct vcpu *v, enum seg_reg seg, struct segment *out);
	void (*set_segment)(struct vcpu *v, enum seg_reg seg, const struct segment *s);
	void (*get_gdt)(struct vcpu *v, struct dtable *out);
	void (*set_gdt)(struct vcpu *v, const struct dtable *d);
	void (*get_idt)(struct vcpu *v, struct dtable *out);
	void (*set_idt)(struct vcpu *v, const struct dtable *d);
	unsigned (*get_cpl)(struct vcpu *v);
	/* Control registers and EFER as the guest sees them, already checked
	 * by hv/cr.c; the backend adds what the hardware needs underneath. */
	uint64_t (*get_cr)(struct vcpu *v, unsigned cr);
	void (*set_cr)(struct vcpu *v, unsigned cr, uint64_t val);
	uint64_t (*get_efer)(struct vcpu *v);
	void (*set_efer)(struct vcpu *v, uint64_t efer);
	/* MSRs the hardware switches itself (PAT, FS/GS base, SYSCALL...). */
	bool (*get_hw_msr)(struct vcpu *v, uint32_t msr, uint64_t *val);
	bool (*set_hw_msr)(struct vcpu *v, uint32_t msr, uint64_t val);

	/* Delivers `e` at the next entry. */
	void (*inject_event)(struct vcpu *v, const struct event *e);
	/* Asks for an EXIT_IRQ_WINDOW as soon as the guest can take an interrupt. */
	void (*request_irq_window)(struct vcpu *v, bool on);
	bool (*interrupts_blocked)(struct vcpu *v);
	void (*flush_guest_tlb)(struct vcpu *v);
	/* Points the hardware at the nested (or shadow) translation root and
	 * drops the translations cached for it (SVM: TLB flush; VMX: INVEPT),
	 * so loading the same root again is a flush after an unmap. */
	void (*set_paging_root)(struct vcpu *v, uint64_t root_pa);

	/* Test-only (selftest=vmx-entry-fail): provokes VM-entry failures on
	 * scratch state and checks each is diagnosed by name. Optional. */
	void (*selftest_entry_failure)(void);
};

extern const struct hvm_ops *hvm;

extern const struct hvm_ops svm_ops;
extern const struct hvm_ops vmx_ops;

/* Picks the backend this CPU supports, enables it on the boot CPU; false
 * (with a message logged) when no virtualization is available. */
bool hvm_init(void);

/* Enables the backend in use on this CPU, then lets the CPU save and load
 * guests' FPU state (fpu_cpu_init, hv/fpu.h). */
int hvm_cpu_enable(struct percpu *pc);

/* Builds (frees) the nested translation tables of a p2m in the format of
 * the backend in use: NPT for svm, EPT for vmx. `struct npt` only holds
 * the root and the table page count, whatever the format. */
int hvm_nested_build(struct npt *t, const struct p2m *p);
void hvm_nested_destroy(struct npt *t);
/* Whether nested tables can be filled on demand (the backend can map into
 * built tables), and the mapping itself. */
bool hvm_nested_lazy(void);
int hvm_nested_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size);
/* Unmaps what hvm_nested_map mapped; the vCPUs still hold translations
 * until domain_flush_nested (hv/domain.h). */
int hvm_nested_unmap(struct npt *t, uint64_t gpa, uint64_t size);

#endif
