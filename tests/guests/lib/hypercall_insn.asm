; uint32_t hc_vmmcall(nr, a0, a1, a2) / hc_vmcall(...): the hypercall ABI
; from 32-bit code (tests/guests/README.md): number in EAX, arguments in EDI,
; ESI, EDX, result in EAX.
section .text
bits 32

%macro HYPERCALL_STUB 2
global %1
%1:
	push edi
	push esi
	mov eax, [esp + 12]
	mov edi, [esp + 16]
	mov esi, [esp + 20]
	mov edx, [esp + 24]
	%2
	pop esi
	pop edi
	ret
%endmacro

HYPERCALL_STUB hc_vmmcall, vmmcall
HYPERCALL_STUB hc_vmcall, vmcall
