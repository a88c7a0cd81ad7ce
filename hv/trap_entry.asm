; Entry stubs for all 256 vectors: make every frame look the same (push a
; dummy error code where the CPU does not push one), save the GPRs in the
; order of struct trap_frame, and call trap_dispatch.

section .text
bits 64
extern trap_dispatch

; Vectors for which the CPU pushes an error code (SDM 3A, 6.13).
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro TRAP_STUB 1
trap_stub_%1:
%if !HAS_ERROR_CODE(%1)
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

%assign v 0
%rep 256
	TRAP_STUB %[v]
%assign v v + 1
%endrep

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	; Link the interrupted frame into the rbp chain for backtraces.
	mov rbp, [rsp + 8 * 8]
	cld
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                 ; vector and error code
	iretq

section .rodata
global trap_stubs
align 8
trap_stubs:
%assign v 0
%rep 256
	dq trap_stub_%[v]
%assign v v + 1
%endrep
