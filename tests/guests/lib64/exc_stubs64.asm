; The 64-bit exception stubs: the same contract as lib/exc_stubs.asm, the
; frame is lib/guest.h's 64-bit struct trap_frame. In 64-bit mode the CPU
; aligns RSP to 16 before pushing (SDM Vol. 3 6.14.2), and the frame is a
; multiple of 16 bytes, so the call into C is aligned as the SysV ABI wants.
section .text
bits 64
extern exc_dispatch

%macro STUB 1
exc_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp exc_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

exc_common:
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
	cld
	call exc_dispatch
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
	add rsp, 16
	iretq

section .rodata
global exc_stub_table
align 8
exc_stub_table:
%assign v 0
%rep 256
	dq exc_stub_%[v]
%assign v v + 1
%endrep
