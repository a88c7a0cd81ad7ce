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
