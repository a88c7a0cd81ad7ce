; unprivileged: a domain that is not dom0 tries every hypercall with
; garbage arguments: management calls (and the device-model calls: it
; serves nobody) answer -EPERM, event calls refuse the garbage, unknown
; numbers give -ENOSYS, only VERSION and ECHO work; from CPL 3 a hypercall is #UD (the
; user-mode part writes the verdict itself, with IOPL 3).
%include "tests/guests/asm/common.inc"

KHC_VERSION  equ 0
KHC_ECHO     equ 1
KHC_LAST_MANAGED equ 13                   ; KHC_IOREQ_COMPLETE
KHC_EVENT_BIND   equ 14
KHC_EVENT_NOTIFY equ 15
KHC_EVENT_UNBIND equ 16
KHC_FIRST_BUILD  equ 17                   ; KHC_VCPU_SET_REGS
KHC_LAST_BUILD   equ 21                   ; KHC_MEMORY_UNMAP_FOREIGN
KHC_LAST     equ 21
EPERM        equ -1
ESRCH        equ -3
EINVAL       equ -22
ENOSYS       equ -38
VEC_UD       equ 6

section .text
; hypercall: EAX = number, garbage in EDI/ESI/EDX; returns EAX
hypercall:
	mov edi, 0xdeadbeef
	mov esi, 0xfffff000
	mov edx, 0x7fffffff
	cmp byte [is_amd], 0
	je .intel
	vmmcall
	ret
.intel:
	vmcall
	ret

global guest_main
guest_main:
	xor eax, eax
	cpuid
	cmp ebx, 0x68747541                  ; "Auth"
	sete byte [is_amd]

	SAY "unprivileged: VERSION and ECHO work"
	mov eax, KHC_VERSION
	call hypercall
	shr eax, 16
	cmp eax, 1
	FAIL_UNLESS e, 1
	mov eax, KHC_ECHO
	call hypercall
	cmp eax, 0xdeadbeef
	FAIL_UNLESS e, 2

	SAY "unprivileged: every management call is refused with -EPERM"
	mov ebx, 2
.perm:
	mov eax, ebx
	call hypercall
	cmp eax, EPERM
	FAIL_UNLESS e, 3
	inc ebx
	cmp ebx, KHC_LAST_MANAGED
	jbe .perm
	; the building calls after the event calls: dom0 only as well
	mov ebx, KHC_FIRST_BUILD
.perm_build:
	mov eax, ebx
	call hypercall
	cmp eax, EPERM
	FAIL_UNLESS e, 8
	inc ebx
	cmp ebx, KHC_LAST_BUILD
	jbe .perm_build

	SAY "unprivileged: event calls refuse a peer, domain or port that is not there"
	mov eax, KHC_EVENT_BIND
	call hypercall
	cmp eax, ESRCH
	FAIL_UNLESS e, 9
	mov eax, KHC_EVENT_NOTIFY
	call hypercall
	cmp eax, ESRCH
	FAIL_UNLESS e, 10
	mov eax, KHC_EVENT_UNBIND
	call hypercall
	cmp eax, EINVAL
	FAIL_UNLESS e, 11
	mov ebx, KHC_LAST + 1

	SAY "unprivileged: unknown numbers give -ENOSYS"
.nosys:
	mov eax, ebx
	call hypercall
	cmp eax, ENOSYS
	FAIL_UNLESS e, 4
	inc ebx
	cmp ebx, KHC_LAST + 40
	jbe .nosys
	mov eax, 0xffffffff
	call hypercall
	cmp eax, ENOSYS
	FAIL_UNLESS e, 5

	SAY "unprivileged: from CPL 3 a hypercall is #UD"
	; user segments and a TSS for the way back in on the #UD
	mov dword [tss + 4], kernel_stack_top        ; ESP0
	mov dword [tss + 8], 0x10                    ; SS0
	mov eax, tss
	mov [ring3_gdt + 0x28 + 2], ax
	shr eax, 16
	mov [ring3_gdt + 0x28 + 4], al
	mov [ring3_gdt + 0x28 + 7], ah
	lgdt [ring3_gdt_ptr]
	mov ax, 0x28
	ltr ax
	mov dword [fault_skip], 3                    ; past vmmcall/vmcall
	push dword 0x23                              ; SS (user data)
	push dword user_stack_top
	push dword 0x3002                            ; EFLAGS: IOPL 3 (the verdict port), IF off
	push dword 0x1b                              ; CS (user code)
	push dword user_code
	iret

; CPL 3: the hypercall must fault with #UD; the verdict goes out directly.
; (IRET to CPL 3 left DS/ES null: their kernel DPL is below the new CPL.)
user_code:
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	mov eax, KHC_VERSION
	cmp byte [is_amd], 0
	je .intel
	vmmcall
	jmp .after
.intel:
	vmcall
.after:
	mov eax, 6
	cmp dword [vector_count + VEC_UD * 4], 1
	jne .verdict
	mov eax, 7
	cmp dword [last_error], 0                    ; #UD has no error code
	jne .verdict
	xor eax, eax
.verdict:
	out VERDICT_PORT, eax
	jmp $

section .data
is_amd: db 0
align 8
ring3_gdt:
	dq 0
	dq 0x00CF9A000000FFFF                        ; 0x08 kernel code
	dq 0x00CF92000000FFFF                        ; 0x10 kernel data
	dq 0x00CFFA000000FFFF                        ; 0x18 user code, DPL 3
	dq 0x00CFF2000000FFFF                        ; 0x20 user data, DPL 3
	dq 0x0000890000000067                        ; 0x28 TSS (base filled in)
ring3_gdt_end:
ring3_gdt_ptr:
	dw ring3_gdt_end - ring3_gdt - 1
	dd ring3_gdt

section .bss
align 16
tss: resb 104
	resb 4096
kernel_stack_top:
	resb 4096
user_stack_top:
