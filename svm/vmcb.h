/*
 * The VMCB (AMD APM Vol. 2, appendix B): a 4 KiB page, control area at
 * offset 0, state save area at 0x400. Only svm/ includes this file.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <stdint.h>

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* access byte in 7:0, AVL/L/DB/G in 11:8 */
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;      /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;      /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;   /* 0x00c */
	uint32_t intercept_misc2;   /* 0x010 */
	uint32_t intercept_misc3;   /* 0x014 */
	uint8_t reserved1[0x3c - 0x18];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;     /* 0x03e */
	uint64_t iopm_base_pa;      /* 0x040 */
	uint64_t msrpm_base_pa;     /* 0x048 */
	uint64_t tsc_offset;        /* 0x050 */
	uint32_t asid;              /* 0x058 */
	uint8_t tlb_control;        /* 0x05c */
	uint8_t reserved2[3];
	uint64_t int_ctl;           /* 0x060: V_TPR, V_IRQ, V_INTR_PRIO, ... */
	uint64_t int_state;         /* 0x068: bit 0 interrupt shadow */
	uint64_t exit_code;         /* 0x070 */
	uint64_t exit_info1;        /* 0x078 */
	uint64_t exit_info2;        /* 0x080 */
	uint64_t exit_int_info;     /* 0x088 */
	uint64_t np_enable;         /* 0x090 */
	uint64_t avic_apic_bar;     /* 0x098 */
	uint64_t ghcb_pa;           /* 0x0a0 */
	uint64_t event_inj;         /* 0x0a8 */
	uint64_t n_cr3;             /* 0x0b0 */
	uint64_t virt_ext;          /* 0x0b8 */
	uint32_t clean;             /* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip;          /* 0x0c8 */
	uint8_t insn_bytes_fetched; /* 0x0d0 */
	uint8_t insn_bytes[15];
	uint8_t reserved4[0x400 - 0x0e0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl;                /* 0x4cb */
	uint32_t reserved2;
	uint64_t efer;              /* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4;               /* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;               /* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp;               /* 0x5d8 */
	uint8_t reserved5[0x5f8 - 0x5e0];
	uint64_t rax;               /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;               /* 0x640 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;             /* 0x668 */
	uint64_t dbgctl;
	uint64_t br_from, br_to, last_excp_from, last_excp_to;
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(__builtin_offsetof(struct vmcb, control.exit_code) == 0x70, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, control.next_rip) == 0xc8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cpl) == 0x4cb, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB layout");

/* intercept_cr: reads in bits 15:0, writes in 31:16 (one per CR). */
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))

/* intercept_misc1 (vector 3) bits. */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_RDPMC (1u << 15)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_RSM (1u << 19)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 (vector 4) bits. */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_RDTSCP (1u << 7)
#define SVM_INTERCEPT_ICEBP_UNUSED (1u << 8)
#define SVM_INTERCEPT_MONITOR (1u << 10)
#define SVM_INTERCEPT_MWAIT (1u << 11)
#define SVM_INTERCEPT_XSETBV (1u << 13)

/* int_ctl bits (APM Vol. 2, 15.21.1 and appendix B, table B-1). */
#define SVM_V_TPR_MASK 0xfull
#define SVM_V_IRQ (1ull << 8)
#define SVM_V_IGN_TPR (1ull << 20)
#define SVM_V_INTR_MASKING (1ull << 24)

/* EVENTINJ / EXITINTINFO (APM Vol. 2, 15.20). */
#define SVM_EVT_VECTOR_MASK 0xffull
#define SVM_EVT_TYPE_SHIFT 8
#define SVM_EVT_ERROR_VALID (1ull << 11)
#define SVM_EVT_VALID (1ull << 31)

/* Exit codes (APM Vol. 2, appendix C). */
#define SVM_EXIT_CR0_WRITE 0x010
#define SVM_EXIT_CR4_WRITE 0x014
#define SVM_EXIT_CR8_WRITE 0x018
#define SVM_EXIT_EXCEPTION_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_RDPMC 0x06f
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_RSM 0x073
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull

/* IOIO EXITINFO1 (APM Vol. 2, 15.10.2). */
#define SVM_IOIO_IN (1u << 0)
#define SVM_IOIO_STR (1u << 2)
#define SVM_IOIO_REP (1u << 3)
#define SVM_IOIO_SZ_SHIFT 4

#endif
