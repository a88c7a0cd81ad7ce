; mmio: every instruction form Linux-like code uses on device memory, run
; once on a RAM buffer (the CPU itself) and once on the hypervisor's MMIO
; test device at 0xc0000000 (the hypervisor's emulator); registers, the
; defined flags and the memory contents must come out the same.
%include "tests/guests/asm/common.inc"

MMIO_BASE  equ 0xc0000000
MMIO_COUNT equ MMIO_BASE + 0xf00
BUF_BYTES  equ 64
ARITH      equ 0x8d5                 ; CF PF AF ZF SF OF
CF_ONLY    equ 0x001
NO_OF_AF   equ 0x0c5                 ; CF PF ZF SF

section .text

; form bodies: ebx = the buffer (RAM or MMIO), other registers preset
%macro FORM_BEGIN 1
%push form
	section .rodata
	dd %$body, %1
	section .text
%$body:
%endmacro

%macro FORM_END 0
	ret
%pop
%endmacro

%macro FORM 2+
	FORM_BEGIN %1
	%2
	FORM_END
%endmacro

section .rodata
align 4
forms:
section .text
FORM ARITH, mov [ebx + 4], eax
FORM ARITH, mov [ebx + 8], cx
FORM ARITH, mov [ebx + 9], dl
FORM ARITH, mov eax, [ebx + 4]
FORM ARITH, mov cx, [ebx + 6]
FORM ARITH, mov dh, [ebx + 3]
FORM ARITH, mov dword [ebx + 12], 0x12345678
FORM ARITH, mov byte [ebx + 13], 0x9a
FORM ARITH, movzx eax, byte [ebx + 5]
FORM ARITH, movzx eax, word [ebx + 6]
FORM ARITH, movsx ecx, byte [ebx + 7]
FORM ARITH, movsx ecx, word [ebx + 2]
FORM ARITH, add [ebx + 4], eax
FORM ARITH, adc [ebx + 4], ecx
FORM ARITH, sub [ebx + 8], edx
FORM ARITH, sbb [ebx + 8], eax
FORM ARITH, and [ebx + 4], ecx
FORM ARITH, or [ebx + 4], edx
FORM ARITH, xor [ebx + 20], eax
FORM ARITH, cmp [ebx + 4], eax
FORM ARITH, test [ebx + 4], ecx
FORM ARITH, add eax, [ebx + 8]
FORM ARITH, sub cx, [ebx + 10]
FORM ARITH, add dword [ebx + 4], 0x7f
FORM ARITH, add byte [ebx + 4], 0x80
FORM ARITH, cmp byte [ebx + 1], 0x55
FORM ARITH, inc dword [ebx + 4]
FORM ARITH, dec word [ebx + 6]
FORM ARITH, neg dword [ebx + 8]
FORM ARITH, not byte [ebx + 9]
FORM ARITH, xchg [ebx + 4], eax
FORM ARITH, cmpxchg [ebx + 4], ecx
FORM_BEGIN ARITH
	mov eax, [ebx + 4]
	cmpxchg [ebx + 4], ecx
FORM_END
FORM ARITH, xadd [ebx + 4], edx
FORM ARITH, lock add [ebx + 4], eax
FORM CF_ONLY, bt [ebx], ecx
FORM CF_ONLY, bts dword [ebx + 4], 5
FORM CF_ONLY, btr dword [ebx + 4], 30
FORM CF_ONLY, btc [ebx + 8], ecx
FORM ARITH, setz byte [ebx + 10]
FORM ARITH, setc byte [ebx + 11]
FORM_BEGIN ARITH
	push dword [ebx + 4]
	pop dword [ebx + 16]
FORM_END
FORM_BEGIN ARITH
	mov esi, ebx
	lea edi, [ebx + 32]
	mov ecx, 5
	rep movsd
FORM_END
FORM_BEGIN ARITH
	lea edi, [ebx + 16]
	mov ecx, 7
	rep stosb
FORM_END
FORM_BEGIN ARITH
	mov esi, ebx
	lodsd
FORM_END
FORM_BEGIN ARITH
	mov edi, ebx
	scasd
FORM_END
FORM_BEGIN ARITH
	mov esi, ebx
	lea edi, [ebx + 4]
	cmpsb
FORM_END
FORM_BEGIN ARITH
	std
	lea edi, [ebx + 40]
	mov ecx, 3
	rep stosd
	cld
FORM_END
FORM ARITH, movnti [ebx + 24], eax
FORM NO_OF_AF, shl dword [ebx + 4], 3
FORM NO_OF_AF, rol word [ebx + 6], 1
FORM NO_OF_AF, sar dword [ebx + 8], cl
section .rodata
forms_end:
section .text

; fill both buffers with the same pattern
fill_buffers:
	xor ecx, ecx
.l:
	mov eax, ecx
	imul eax, eax, 0x9e3779b1
	mov [ram_buf + ecx * 4], eax
	mov [MMIO_BASE + ecx * 4], eax
	inc ecx
	cmp ecx, BUF_BYTES / 4
	jb .l
	ret

; run_form: EBP -> form entry; EBX = buffer; EDI -> 8-dword save area
run_form:
	push edi
	push ebp
	push dword 0x00000a97            ; flags in: CF PF AF SF OF set, ZF clear
	popfd
	mov eax, 0x80000001
	mov ecx, 0x0000000c
	mov edx, 0x7ffffff0
	mov esi, 0x11111111
	mov edi, 0x22222222
	call [ebp]
	pushfd
	pop ebp                          ; flags
	xchg ebp, [esp]                  ; form entry back, flags on the stack
	mov ebp, [esp + 4]               ; save area
	mov [ebp + 0], eax
	mov [ebp + 4], ecx
	mov [ebp + 8], edx
	mov [ebp + 12], esi
	mov [ebp + 16], edi
	pop eax
	mov [ebp + 20], eax              ; flags
	pop edi
	ret

global guest_main
guest_main:
	SAY "mmio: each form on RAM and on the emulated device"
	mov dword [form_index], 0
	mov ebp, forms
.next_form:
	cmp ebp, forms_end
	jae .done
	call fill_buffers
	mov ebx, ram_buf
	mov edi, save_ram
	push ebp
	call run_form
	pop ebp
	mov ebx, MMIO_BASE
	mov edi, save_mmio
	push ebp
	call run_form
	pop ebp
	; registers (pointers differ by the buffer base: compare relative)
	mov eax, [save_ram + 0]
	cmp eax, [save_mmio + 0]
	jne .fail
	mov eax, [save_ram + 4]
	cmp eax, [save_mmio + 4]
	jne .fail
	mov eax, [save_ram + 8]
	cmp eax, [save_mmio + 8]
	jne .fail
	mov eax, [save_ram + 12]
	sub eax, ram_buf
	mov ecx, [save_mmio + 12]
	sub ecx, MMIO_BASE
	cmp eax, ecx
	jne .fail_esi
.esi_ok:
	mov eax, [save_ram + 16]
	sub eax, ram_buf
	mov ecx, [save_mmio + 16]
	sub ecx, MMIO_BASE
	cmp eax, ecx
	jne .fail_edi
.edi_ok:
	mov eax, [save_ram + 20]
	xor eax, [save_mmio + 20]
	and eax, [ebp + 4]               ; the flags this form defines
	jnz .fail
	; memory
	xor ecx, ecx
.cmp_mem:
	mov eax, [ram_buf + ecx * 4]
	cmp eax, [MMIO_BASE + ecx * 4]
	jne .fail
	inc ecx
	cmp ecx, BUF_BYTES / 4
	jb .cmp_mem
	add ebp, 8
	inc dword [form_index]
	jmp .next_form
.fail_esi:
	; ESI/EDI that were not pointers (preset constants) must match as is
	mov eax, [save_ram + 12]
	cmp eax, [save_mmio + 12]
	je .esi_ok
	jmp .fail
.fail_edi:
	mov eax, [save_ram + 16]
	cmp eax, [save_mmio + 16]
	je .edi_ok
.fail:
	SAY "mmio: a form differs between RAM and MMIO (verdict = 100 + form index)"
	mov eax, [form_index]
	add eax, 100
	ret
.done:
	; the device really saw the accesses (not RAM behind its back)
	mov eax, [MMIO_COUNT]
	cmp eax, 1000
	jb .not_device
	SAY "mmio: every form matched"
	xor eax, eax
	ret
.not_device:
	mov eax, 2
	ret

section .bss
align 16
ram_buf: resb BUF_BYTES
save_ram: resd 8
save_mmio: resd 8
form_index: resd 1
