; Register-level hypercall checks that C cannot express: which registers a
; hypercall changed besides the result register.
%include "tests/guests/lib/gdt.inc"

HC_ECHO equ 1

section .text
bits 32

; uint32_t hc_echo_clobbers32(uint32_t use_vmmcall, uint32_t value)
; HC_ECHO(value) with known values in every other register. Returns a mask:
; bit 0 EAX != value, 1 EBX, 2 ECX, 3 EDX, 4 ESI, 5 EDI, 6 EBP changed.
global hc_echo_clobbers32
hc_echo_clobbers32:
	push ebp
	push ebx
	push esi
	push edi
	mov eax, [esp + 20]
	mov [use_vmmcall32], eax
	mov eax, [esp + 24]
	mov [value32], eax
	mov [saved_esp32], esp
	mov edi, eax
	mov eax, HC_ECHO
	mov ebx, 0x11111111
	mov ecx, 0x22222222
	mov edx, 0x33333333
	mov esi, 0x44444444
	mov ebp, 0x55555555
	cmp dword [use_vmmcall32], 0
	je .vmcall
	vmmcall
	jmp .after
.vmcall:
	vmcall
.after:
	mov esp, [saved_esp32]
	push ebp                        ; the mask needs a register: free EBP
	xor ebp, ebp
	cmp eax, [value32]
	je .ebx
	or ebp, 1 << 0
.ebx:	cmp ebx, 0x11111111
	je .ecx
	or ebp, 1 << 1
.ecx:	cmp ecx, 0x22222222
	je .edx
	or ebp, 1 << 2
.edx:	cmp edx, 0x33333333
	je .esi
	or ebp, 1 << 3
.esi:	cmp esi, 0x44444444
	je .edi
	or ebp, 1 << 4
.edi:	cmp edi, [value32]
	je .ebp
	or ebp, 1 << 5
.ebp:	pop eax
	cmp eax, 0x55555555
	je .done
	or ebp, 1 << 6
.done:
	mov eax, ebp
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .bss
use_vmmcall32: resd 1
value32:       resd 1
saved_esp32:   resd 1
