; Multiboot1 entry shared by every guest. The loader (the hypervisor's test
; domain builder, or QEMU -kernel) starts us in 32-bit protected mode, paging
; off, EAX = 0x2BADB002, EBX = info block. We load our own GDT (the loader's
; may be anywhere, even gone), zero .bss, take our stack and enter C.
%include "tests/guests/lib/gdt.inc"

MB1_MAGIC      equ 0x1BADB002
MB1_WANT_MEM   equ 1 << 1   ; mem_lower/upper and the memory map
MB1_FLAGS      equ MB1_WANT_MEM

STACK_SIZE     equ 16384

section .multiboot
align 4
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global _start
extern guest_start, __bss_start, __bss_end
_start:
	cli
	cld
	mov esi, eax            ; keep magic and info out of the way of rep stosb
	mov ebp, ebx
	lgdt [gdt_ptr]
	jmp GDT_CODE32:.flat
.flat:
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top
	push ebp
	push esi
	call guest_start        ; does not return
.hang:
	cli
	hlt
	jmp .hang

section .data
align 8
global gdt, gdt_ptr
gdt:
	dq 0
	dq 0x00CF9A000000FFFF   ; 0x08 code32: base 0, 4 GiB, D=1
	dq 0x00CF92000000FFFF   ; 0x10 data32
	dq 0x00009A000000FFFF   ; 0x18 code16: base 0, 64 KiB, D=0
	dq 0x000092000000FFFF   ; 0x20 data16
	dq 0x00AF9A000000FFFF   ; 0x28 code64: L=1, D=0
	dq 0x00CF12000000FFFF   ; 0x30 data, P=0
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

section .bss
align 16
stack:
	resb STACK_SIZE
stack_top:
