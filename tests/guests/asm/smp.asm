; smp: a two-vCPU guest starts its second CPU the way an OS does: INIT and
; start-up IPIs through the local APIC; the AP runs a real-mode trampoline,
; enters protected mode and sends an IPI back; a second start-up IPI to the
; running AP is ignored.
%include "tests/guests/asm/common.inc"

APIC        equ 0xfee00000
EOI         equ APIC + 0xb0
SVR         equ APIC + 0xf0
ICR_LOW     equ APIC + 0x300
ICR_HIGH    equ APIC + 0x310
TRAMPOLINE  equ 0x8000
AP_VECTOR   equ 0x50

section .text
; Waits until the ICR says the IPI was sent.
icr_idle:
	test dword [ICR_LOW], 1 << 12
	jnz icr_idle
	ret

global guest_main
guest_main:
	SAY "smp: CPUID counts two logical processors"
	mov eax, 1
	cpuid
	shr ebx, 16
	and ebx, 0xff
	cmp ebx, 2
	FAIL_UNLESS e, 1

	SAY "smp: INIT, SIPI, SIPI to APIC 1"
	mov esi, ap_start
	mov edi, TRAMPOLINE
	mov ecx, ap_end - ap_start
	rep movsb
	mov dword [SVR], 0x1ff
	mov dword [ICR_HIGH], 1 << 24
	mov dword [ICR_LOW], 0x4500          ; INIT, level assert
	call icr_idle
	mov dword [ICR_HIGH], 1 << 24
	mov dword [ICR_LOW], 0x4600 | (TRAMPOLINE >> 12)
	call icr_idle
	mov dword [ICR_HIGH], 1 << 24
	mov dword [ICR_LOW], 0x4600 | (TRAMPOLINE >> 12)
	call icr_idle

	SAY "smp: waiting for the AP's IPI"
	sti
.wait:
	hlt
	cmp dword [vector_count + AP_VECTOR * 4], 0
	je .wait
	cli
	mov dword [EOI], 0
	mov eax, [TRAMPOLINE + (ap_runs - ap_start)]
	cmp eax, 1                           ; started once: the second SIPI ignored
	FAIL_UNLESS e, 2
	mov eax, [ap_apic_id]
	cmp eax, 1 << 24
	FAIL_UNLESS e, 3
	SAY "smp: the AP started, said hello and stopped"
	xor eax, eax
	ret

; The AP's way in: copied to 0x8000, entered in real mode at 0800:0000.
bits 16
ap_start:
	cli
	mov ax, cs
	mov ds, ax
	lock inc dword [ap_runs - ap_start]
	lgdt [ap_gdt_ptr - ap_start]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword 0x08:ap_protected
align 4
ap_runs: dd 0
ap_gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt
ap_end:

bits 32
ap_protected:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, ap_stack_top
	mov eax, [APIC + 0x20]               ; its own APIC ID
	mov [ap_apic_id], eax
	mov dword [SVR], 0x1ff
	mov dword [ICR_HIGH], 0              ; to the BSP
	mov dword [ICR_LOW], AP_VECTOR
	cli
	hlt                                  ; this vCPU stops; the BSP goes on

section .data
ap_apic_id: dd 0

section .bss
align 16
	resb 4096
ap_stack_top:
