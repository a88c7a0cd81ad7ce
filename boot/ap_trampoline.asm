; The application processors' way from real mode into the hypervisor:
; copied to AP_TRAMPOLINE_BASE below 1 MiB (a start-up IPI can only start a
; CPU there), it enters protected mode, turns on long mode with the boot
; CPU's page tables, and jumps to ap_entry with the stack and per-CPU data
; the boot CPU left in the mailbox at its end (hv/smp.c fills it in).

%include "boot/layout.inc"

AP_TRAMPOLINE_BASE equ 0x8000
%define T(x) (AP_TRAMPOLINE_BASE + (x) - ap_trampoline_start)

section .rodata
global ap_trampoline_start, ap_trampoline_end, ap_mailbox

bits 16
ap_trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [T(tramp_gdt_ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:T(tramp32)

bits 32
tramp32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE | CR4_PGE
	mov cr4, eax
	mov eax, [T(mailbox_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:T(tramp64)

bits 64
tramp64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [T(mailbox_stack)]
	mov rdi, [T(mailbox_percpu)]
	xor ebp, ebp
	mov rax, [T(mailbox_entry)]
	jmp rax

align 8
tramp_gdt:
	dq 0
	dq 0x00CF9A000000FFFF                   ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF                   ; 0x10: data
	dq 0x00AF9A000000FFFF                   ; 0x18: 64-bit code
tramp_gdt_ptr:
	dw 4 * 8 - 1
	dd T(tramp_gdt)

align 8
ap_mailbox:                                 ; struct ap_mailbox (hv/smp.c)
mailbox_cr3:    dq 0
mailbox_stack:  dq 0
mailbox_percpu: dq 0
mailbox_entry:  dq 0
ap_trampoline_end:
