; struct real_mode_results *real_mode_visit(void)
;
; From 32-bit protected mode down to real mode and back (SDM Vol. 3 10.9.2
; "Switching Back to Real-Address Mode"): a trampoline copied below 1 MiB
; is entered through a 16-bit code segment, loads 64 KiB data segments and
; the real-mode IVT, clears CR0.PE and far-jumps to reload CS. In real mode
; it prints through COM1, checks segment arithmetic, takes a software
; interrupt through the IVT, does 16- and 32-bit port I/O on the echo
; device, then sets CR0.PE again and far-jumps back to 32-bit code.
%include "tests/guests/lib/gdt.inc"

TRAMP       equ 0x8000      ; where the trampoline runs
REAL_STACK  equ 0x7000
REAL_SEG    equ TRAMP >> 4  ; a real-mode segment whose base is TRAMP
INT_VECTOR  equ 0x30
COM1        equ 0x3F8
ECHO_DATA   equ 0xE0
ECHO_COUNT  equ 0xE4

; The address of a trampoline label once copied.
%define AT(label) (TRAMP + (label) - tramp_start)

section .text
bits 32
global real_mode_visit
real_mode_visit:
	push ebp
	push ebx
	push esi
	push edi
	mov [saved_esp], esp
	sidt [saved_idtr]
	mov esi, tramp_start
	mov edi, TRAMP
	mov ecx, tramp_end - tramp_start
	cld
	rep movsb
	sgdt [AT(gdtr_copy)]
	jmp GDT_CODE16:AT(pm16)

bits 16
tramp_start:
pm16:                               ; 16-bit protected mode
	mov ax, GDT_DATA16
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	lidt [AT(real_idtr)]
	mov eax, cr0
	and eax, ~1
	mov cr0, eax
	jmp 0:AT(real)

real:                               ; real mode from here
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, REAL_STACK
	mov [AT(res_cs)], cs
	smsw [AT(res_msw)]

	mov si, AT(msg)
	call puts16

	; DS = 0x800 reaches linear 0x8000 only by real-mode arithmetic; in
	; protected mode the same load would fetch GDT entry 0x100.
	mov ax, REAL_SEG
	mov ds, ax
	mov ax, [0]
	xor bx, bx
	mov ds, bx
	mov [AT(res_seg_word)], ax

	mov word [INT_VECTOR * 4], AT(int_handler)
	mov word [INT_VECTOR * 4 + 2], 0
	int INT_VECTOR

	mov dx, ECHO_COUNT
	out dx, eax                     ; any value empties the FIFO
	mov dx, ECHO_DATA
	mov ax, 0xBEEF
	out dx, ax
	mov eax, 0x12345678
	out dx, eax
	mov dx, ECHO_COUNT
	in eax, dx
	mov [AT(res_echo_count)], eax
	mov dx, ECHO_DATA
	in ax, dx
	mov [AT(res_echo_word)], ax
	in eax, dx
	mov [AT(res_echo_dword)], eax

	o32 lgdt [AT(gdtr_copy)]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword GDT_CODE32:pm32_back

int_handler:
	inc word [AT(res_int_hits)]
	iret

; SI = string; polls LSR bit 5 (bounded) before each byte.
puts16:
	lodsb
	test al, al
	jz .done
	mov bl, al
	mov cx, 0xFFFF
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	loopz .wait
	mov al, bl
	mov dx, COM1
	out dx, al
	jmp puts16
.done:
	ret

msg:        db "modes: real mode ok (this line comes from real-mode code)", 10, 0
align 4
real_idtr:  dw 0x3FF
            dd 0
gdtr_copy:  dw 0
            dd 0
; struct real_mode_results in modes.c
align 4
results:
res_echo_dword: dd 0
res_echo_count: dd 0
res_echo_word:  dw 0
res_cs:         dw 0xFFFF
res_msw:        dw 0xFFFF
res_seg_word:   dw 0
res_int_hits:   dw 0
tramp_end:

bits 32
pm32_back:
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, [saved_esp]
	lidt [saved_idtr]
	mov eax, AT(results)
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .bss
saved_esp:  resd 1
saved_idtr: resb 6
