; uint32_t hc_vmmcall(nr, a0, a1, a2) / hc_vmcall(...) for 64-bit guests:
; SysV passes EDI, ESI, EDX, ECX; the hypercall ABI wants RAX, RDI, RSI, RDX.
section .text
bits 64

%macro HYPERCALL_STUB 2
global %1
%1:
	mov eax, edi
	mov edi, esi
	mov esi, edx
	mov edx, ecx
	%2
	ret
%endmacro

HYPERCALL_STUB hc_vmmcall, vmmcall
HYPERCALL_STUB hc_vmcall, vmcall

; int64_t hc6_vmmcall(nr, a0, a1, a2, a3, a4, a5) / hc6_vmcall: SysV passes
; RDI, RSI, RDX, RCX, R8, R9 and a5 on the stack; the ABI wants RAX, RDI,
; RSI, RDX, R10, R8, R9.
%macro HYPERCALL6_STUB 2
global %1
%1:
	mov rax, rdi
	mov rdi, rsi
	mov rsi, rdx
	mov rdx, rcx
	mov r10, r8
	mov r8, r9
	mov r9, [rsp + 8]
	%2
	ret
%endmacro

HYPERCALL6_STUB hc6_vmmcall, vmmcall
HYPERCALL6_STUB hc6_vmcall, vmcall
